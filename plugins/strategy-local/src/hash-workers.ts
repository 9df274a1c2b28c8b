import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Argon2Parameters } from './config.js';

export type HashRequest =
  | { id: number; op: 'hash'; password: string; parameters: Argon2Parameters }
  | { id: number; op: 'verify'; hash: string; password: string };
export type HashResponse = { id: number; value: string | boolean } | { id: number; error: string };

type Job = { request: HashRequest; resolve: (value: string | boolean) => void; reject: (error: Error) => void };

// Compiled, this file is hash-workers.js beside hash-worker.js; run from sources (tests), .ts,
// which a worker can load only with the TypeScript loader the tests use (tsx).
const EXTENSION = extname(fileURLToPath(import.meta.url));
const WORKER = new URL(`./hash-worker${EXTENSION}`, import.meta.url);
function startWorker(priority: number): Worker {
  if (EXTENSION !== '.ts') return new Worker(WORKER, { workerData: { priority } });
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: { priority } });
}

/**
 * A few worker threads that run argon2id off the event loop at a lower priority. The
 * {@link HashGate} in front bounds how many jobs reach them; extra jobs wait here in order.
 */
export class HashWorkers {
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, Job>();
  readonly #waiting: Job[] = [];
  #nextId = 0;
  #closed = false;

  constructor(size: number, priority: number) {
    for (let i = 0; i < size; i++) this.#idle.push(this.#spawn(priority));
  }

  hash(password: string, parameters: Argon2Parameters): Promise<string> {
    return this.#run({ id: this.#nextId++, op: 'hash', password, parameters }) as Promise<string>;
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.#run({ id: this.#nextId++, op: 'verify', hash, password }) as Promise<boolean>;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#waiting.splice(0)) job.reject(new Error('the hash workers are closed'));
    await Promise.all([...this.#idle, ...this.#busy.keys()].map((worker) => worker.terminate()));
  }

  #spawn(priority: number): Worker {
    const worker = startWorker(priority);
    worker.unref();
    worker.on('message', (response: HashResponse) => this.#done(worker, response));
    worker.on('error', (error) => this.#crashed(worker, error, priority));
    return worker;
  }

  #run(request: HashRequest): Promise<string | boolean> {
    if (this.#closed) return Promise.reject(new Error('the hash workers are closed'));
    return new Promise((resolve, reject) => {
      const job = { request, resolve, reject };
      const worker = this.#idle.pop();
      if (worker) this.#start(worker, job);
      else this.#waiting.push(job);
    });
  }

  #start(worker: Worker, job: Job): void {
    this.#busy.set(worker, job);
    worker.postMessage(job.request);
  }

  #done(worker: Worker, response: HashResponse): void {
    const job = this.#busy.get(worker);
    this.#busy.delete(worker);
    if (job) {
      if ('error' in response) job.reject(new Error(response.error));
      else job.resolve(response.value);
    }
    const next = this.#waiting.shift();
    if (next) this.#start(worker, next);
    else this.#idle.push(worker);
  }

  /** A worker that died takes its job with it; a fresh one takes its place. */
  #crashed(worker: Worker, error: Error, priority: number): void {
    const job = this.#busy.get(worker);
    this.#busy.delete(worker);
    job?.reject(error);
    if (this.#closed) return;
    const fresh = this.#spawn(priority);
    const next = this.#waiting.shift();
    if (next) this.#start(fresh, next);
    else this.#idle.push(fresh);
  }
}
