import { expect } from 'chai';
import type { ResponseEnvelope } from '@portcullis/server';
import type { ApiClient } from './clients.js';

export const ADMIN = { username: 'admin', password: 'admin-password-long-enough' };

/** Asserts a successful envelope and returns its result. */
export function ok<T = Record<string, unknown>>(response: ResponseEnvelope): T {
  expect(response.error, JSON.stringify(response.error)).to.equal(null);
  expect(response.status).to.equal(200);
  return response.result as T;
}

/** Asserts an error envelope by id and status. */
export function failed(response: ResponseEnvelope, id: string, status: number): void {
  expect(response.error, `expected ${id}, got result ${JSON.stringify(response.result)}`).to.not.equal(null);
  expect(response.error!.id).to.equal(id);
  expect(response.status).to.equal(status);
  expect(response.error!.status).to.equal(status);
  expect(response.result).to.equal(null);
  expect(response.error).to.not.have.property('stack');
}

export async function login(client: ApiClient, username: string, password: string, extra: Record<string, unknown> = {}): Promise<string> {
  const result = ok<{ jwt: string }>(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username, password }, ...extra }));
  return result.jwt;
}

/** Creates the first administrator anonymously and returns its token. */
export async function firstAdmin(client: ApiClient): Promise<string> {
  ok(await client.call({ controller: 'security', action: 'createFirstAdmin', _id: 'admin', body: { content: { name: 'Admin' }, credentials: { local: ADMIN } } }));
  return login(client, ADMIN.username, ADMIN.password);
}

export async function createUser(client: ApiClient, adminJwt: string, kuid: string, username: string, password: string, profileIds = ['default']): Promise<void> {
  ok(await client.call({ controller: 'security', action: 'createUser', jwt: adminJwt, _id: kuid, body: { content: { profileIds, name: kuid }, credentials: { local: { username, password } } } }));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
