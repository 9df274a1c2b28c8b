import { HashGate, PasswordHasher, type Argon2Parameters } from '../../src/index.js';
import { testWorkers } from './argon2.js';

/** A PasswordHasher that counts its argon2 calls: tests assert "without hashing" exactly, not by timing. */
export class CountingHasher extends PasswordHasher {
  readonly calls = { hash: 0, verify: 0, verifyDummy: 0 };

  constructor(parameters: Argon2Parameters, gate = new HashGate({ maxConcurrent: 2, maxQueued: 100 })) {
    super(parameters, gate, testWorkers());
  }

  override hash(password: string): Promise<string> {
    this.calls.hash += 1;
    return super.hash(password);
  }

  override verify(hash: string, password: string): Promise<boolean> {
    this.calls.verify += 1;
    return super.verify(hash, password);
  }

  override verifyDummy(password: string): Promise<false> {
    this.calls.verifyDummy += 1;
    return super.verifyDummy(password);
  }

  /** Argon2 computations done for logins since the last reset. */
  get checks(): number {
    return this.calls.verify + this.calls.verifyDummy;
  }

  reset(): void {
    this.calls.hash = 0;
    this.calls.verify = 0;
    this.calls.verifyDummy = 0;
  }
}
