import { randomBytes } from 'node:crypto';
import type { Argon2Parameters } from './config.js';
import type { HashGate } from './hash-gate.js';
import type { HashWorkers } from './hash-workers.js';

/**
 * argon2id hashing behind the {@link HashGate}: every hash and every check, the dummy one
 * included, takes a slot, so a storm of logins for unknown users costs as much as one for
 * real users and is bounded the same way.
 */
export class PasswordHasher {
  readonly #parameters: Readonly<Argon2Parameters>;
  readonly #gate: HashGate;
  readonly #workers: HashWorkers;
  #dummyHash: Promise<string> | undefined;

  constructor(parameters: Readonly<Argon2Parameters>, gate: HashGate, workers: HashWorkers) {
    this.#parameters = parameters;
    this.#gate = gate;
    this.#workers = workers;
  }

  /**
   * A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with the current parameters and a random salt.
   * @throws PortcullisError `api.process.too_many_logins_requests` when the gate's queue is full
   */
  hash(password: string): Promise<string> {
    return this.#gate.run(() => this.#workers.hash(password, this.#parameters));
  }

  /**
   * Whether `password` matches the PHC string `hash`; `source` (the client address) waits in its own line of the gate.
   * @throws PortcullisError `api.process.too_many_logins_requests` when the gate's queue is full
   * @throws Error when `hash` is not a PHC string (a corrupt record: a fault, not a failed login)
   */
  verify(hash: string, password: string, source?: string): Promise<boolean> {
    return this.#gate.run(() => this.#workers.verify(hash, password), source);
  }

  /**
   * Whether `password` matches `hash`, passwords being NFC-normalised before hashing: its NFC
   * form is checked first, then (when it differs) the password as typed, which a hash made
   * before passwords were normalised holds.
   * @returns 'current', 'legacy' (only the password as typed matched: re-hash it) or false
   * @throws as {@link verify} does
   */
  async verifyPassword(hash: string, password: string, source?: string): Promise<'current' | 'legacy' | false> {
    const normalised = password.normalize('NFC');
    if (await this.verify(hash, normalised, source)) return 'current';
    if (normalised !== password && (await this.verify(hash, password, source))) return 'legacy';
    return false;
  }

  /**
   * Checks `password` against a hash of a random secret made with the current parameters, as
   * many times as {@link verifyPassword} would fail to, so that a login for an unknown user
   * costs what a wrong password costs. Always false.
   * @throws PortcullisError `api.process.too_many_logins_requests` when the gate's queue is full
   */
  async verifyDummy(password: string, source?: string): Promise<false> {
    const candidates = password.normalize('NFC') === password ? [password] : [password.normalize('NFC'), password];
    for (const candidate of candidates) await this.#gate.run(async () => this.#workers.verify(await this.dummyHash(), candidate), source);
    return false;
  }

  /** Computes the dummy hash once (the factory calls it at start, so no login pays for it). */
  dummyHash(): Promise<string> {
    if (!this.#dummyHash) {
      // Not through the gate: it runs once, and the caller may already hold a slot.
      this.#dummyHash = this.#workers.hash(randomBytes(32).toString('base64'), this.#parameters);
      this.#dummyHash.catch(() => {
        this.#dummyHash = undefined;
      });
    }
    return this.#dummyHash;
  }

  /** Whether `hash` was made with another algorithm, version or cost than the current ones. */
  needsRehash(hash: string): boolean {
    const [, algorithm, version, fields] = hash.split('$');
    if (algorithm !== 'argon2id' || version !== 'v=19' || !fields) return true;
    // Libraries write the parameters in different orders (m,t,p or m,p,t).
    const values = new Map(fields.split(',').map((pair) => pair.split('=') as [string, string]));
    const { memoryCost, timeCost, parallelism } = this.#parameters;
    return Number(values.get('m')) !== memoryCost || Number(values.get('t')) !== timeCost || Number(values.get('p')) !== parallelism;
  }
}
