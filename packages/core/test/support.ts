import { expect } from 'chai';
import { PortcullisError } from '../src/index.js';

/** Awaits a promise that must reject with a PortcullisError, and returns that error. */
export async function refusal(promise: Promise<unknown>): Promise<PortcullisError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(PortcullisError);
    return error as PortcullisError;
  }
  throw new Error('expected a refusal');
}

/** Runs `action`, which must throw a PortcullisError, and returns that error. */
export function thrown(action: () => unknown): PortcullisError {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(PortcullisError);
    return error as PortcullisError;
  }
  throw new Error('expected an error');
}
