/**
 * Malformed requests for the fuzz test, from a seeded generator: the same seed gives the same
 * requests, so a failure can be replayed (`FUZZ_SEED=<seed> npx mocha test/e2e/fuzz.test.ts`).
 */

/** mulberry32: small, fast, and good enough to pick cases. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Fuzzer {
  private readonly random: () => number;

  constructor(seed: number, private readonly knownValues: readonly string[]) {
    this.random = prng(seed);
  }

  int(max: number): number {
    return Math.floor(this.random() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  /** A string a client should not send: control characters, NUL, bidi marks, lone surrogates, huge. */
  nastyString(): string {
    const pieces = ['', 'a', 'é', '\u0000', '\u0001', '\n', '\r\n', '\u001b[31m', '\u202e', '\u200b', '\ud800', '%00', '%', '..', '/', '\\', '"', "'", '<script>', '${x}', '__proto__', 'constructor', '-1', '1e309', ' ', '*'];
    let out = this.chance(0.3) ? this.pick(this.knownValues) : '';
    for (let i = this.int(6); i > 0; i--) out += this.pick(pieces);
    // Most values are ordinary, so that they get past validation to the stores.
    if (this.chance(0.3)) return `${this.pick(this.knownValues)}${this.pick(['\u0000', '\n', ''])}`;
    if (this.chance(0.05)) out += 'x'.repeat(this.int(20_000));
    return out;
  }

  /** A JSON value of a random type, sometimes deep. */
  value(depth = 0): unknown {
    switch (this.int(depth > 3 ? 6 : 9)) {
      case 0: return null;
      case 1: return this.chance(0.5);
      case 2: return this.pick([0, -1, 1, 1.5, -0, 1e308, Number.MAX_SAFE_INTEGER + 2, 3_600_000]);
      case 3: case 4: case 5: return this.nastyString();
      case 6: return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      case 7: return this.object(depth + 1);
      default: return this.deep(this.int(60));
    }
  }

  object(depth = 0): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = this.int(5); i > 0; i--) out[this.pick(['username', 'password', 'content', 'profileIds', 'credentials', '__proto__', 'constructor', 'token', 'controller', 'action', this.nastyString()])] = this.value(depth);
    return out;
  }

  deep(depth: number): unknown {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = this.chance(0.5) ? [value] : { a: value };
    return value;
  }

  /** A request envelope with some fields of the wrong type, missing, or odd. */
  envelope(actions: ReadonlyArray<{ controller: string; action: string }>): Record<string, unknown> {
    const { controller, action } = this.pick(actions);
    const envelope: Record<string, unknown> = { controller, action };
    if (this.chance(0.2)) envelope['controller'] = this.value();
    if (this.chance(0.2)) envelope['action'] = this.value();
    if (this.chance(0.5)) envelope['body'] = this.chance(0.5) ? this.object() : this.value();
    if (this.chance(0.3)) envelope['jwt'] = this.pick([this.value(), `kauth-${this.nastyString()}`, 'kapikey-x.y.z', 'kauth-eyJhbGciOiJub25lIn0.eyJfaWQiOiJhZG1pbiJ9.']);
    if (this.chance(0.3)) envelope['volatile'] = this.value();
    if (this.chance(0.5)) envelope['requestId'] = this.value();
    for (const arg of ['_id', 'strategy', 'expiresIn', 'userId', 'from', 'size', 'global', 'refresh']) if (this.chance(0.15)) envelope[arg] = this.value();
    return envelope;
  }

  /** Breaks a JSON text: cut, a byte changed, or left whole. */
  mangle(text: string): string {
    switch (this.int(5)) {
      case 0: return text.slice(0, this.int(text.length + 1));
      case 1: {
        const at = this.int(text.length + 1);
        return text.slice(0, at) + this.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', '\uffff', 'x']) + text.slice(at + 1);
      }
      default: return text;
    }
  }
}
