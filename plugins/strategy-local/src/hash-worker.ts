// One argon2id worker thread. It lowers its own scheduling priority first (on Linux a nice
// value is per thread), so that under a login storm the kernel favours the event loop that
// serves token checks: logins slow down, token checks do not.
import argon2 from '@node-rs/argon2';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { HashRequest, HashResponse } from './hash-workers.js';

const { priority } = workerData as { priority: number };
try {
  setPriority(priority);
} catch {
  // Not allowed here (some containers): hashing still works, at the default priority.
}

parentPort!.on('message', (request: HashRequest) => {
  let response: HashResponse;
  try {
    response =
      request.op === 'hash'
        ? { id: request.id, value: argon2.hashSync(request.password, { ...request.parameters, algorithm: 2 /* Argon2id */ }) }
        : { id: request.id, value: argon2.verifySync(request.hash, request.password) };
  } catch (error) {
    response = { id: request.id, error: (error as Error).message };
  }
  parentPort!.postMessage(response);
});
