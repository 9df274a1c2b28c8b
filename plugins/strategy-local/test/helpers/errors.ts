import { expect } from 'chai';
import { isPortcullisError, type ErrorId, type PortcullisError } from '@portcullis/core';

/** Runs `action` and checks it throws the catalogued error `id`; returns the error for more checks. */
export function expectPortcullisError(action: () => unknown, id: ErrorId): PortcullisError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  return checkError(thrown, id);
}

/** Awaits `promise` and checks it rejects with the catalogued error `id`. */
export async function expectRejection(promise: Promise<unknown>, id: ErrorId): Promise<PortcullisError> {
  try {
    await promise;
  } catch (error) {
    return checkError(error, id);
  }
  expect.fail(`expected a rejection with ${id}`);
}

function checkError(error: unknown, id: ErrorId): PortcullisError {
  if (!isPortcullisError(error)) expect.fail(`expected a PortcullisError ${id}, got ${String(error)}`);
  expect(error.id).to.equal(id);
  return error;
}
