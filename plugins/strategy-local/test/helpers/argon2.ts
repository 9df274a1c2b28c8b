import { HashWorkers, type Argon2Parameters } from '../../src/index.js';

let workers: HashWorkers | undefined;

/** One pool of hash workers for the tests that build a PasswordHasher by hand (unref'd threads). */
export function testWorkers(): HashWorkers {
  workers ??= new HashWorkers(2, 0);
  return workers;
}

/** Cheap parameters for tests where speed matters; never a default. */
export const FAST_ARGON2: Argon2Parameters = Object.freeze({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

/** The m, t and p of a PHC string, whatever their order (argon2 writes them sorted: m, p, t). */
export function phcParameters(hash: string): { m: number; t: number; p: number } {
  const fields = hash.split('$')[3] ?? '';
  const values = Object.fromEntries(fields.split(',').map((pair) => pair.split('=') as [string, string]));
  return { m: Number(values['m']), t: Number(values['t']), p: Number(values['p']) };
}
