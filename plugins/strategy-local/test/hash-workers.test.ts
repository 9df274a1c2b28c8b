import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { HashWorkers } from '../src/index.js';
import { FAST_ARGON2 } from './helpers/argon2.js';

/** Nice value of one of this process's threads (Linux: field 19 of /proc/self/task/<tid>/stat). */
function niceOf(tid: string | number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map(niceOf);
}

describe('strategy-local/hash-workers', () => {
  it('hashes and verifies argon2id off the event loop', async () => {
    const workers = new HashWorkers(1, 0);
    try {
      const hash = await workers.hash('correct horse', FAST_ARGON2);
      expect(hash).to.match(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
      expect(await workers.verify(hash, 'correct horse')).to.equal(true);
      expect(await workers.verify(hash, 'wrong horse')).to.equal(false);
    } finally {
      await workers.close();
    }
  });

  it('runs its threads at the given lower priority, the event loop keeping its own', async () => {
    const before = threadNiceValues().filter((nice) => nice === 7).length;
    const workers = new HashWorkers(2, 7);
    try {
      await Promise.all([workers.hash('a', FAST_ARGON2), workers.hash('b', FAST_ARGON2)]);
      expect(threadNiceValues().filter((nice) => nice === 7).length - before).to.be.at.least(2);
      // The main thread's id is the process id (the directory order of /proc/self/task is not).
      expect(niceOf(process.pid)).to.equal(0);
    } finally {
      await workers.close();
    }
  });

  it('queues jobs beyond its threads and answers them all, in order', async () => {
    const workers = new HashWorkers(1, 0);
    try {
      const hashes = await Promise.all(['a', 'b', 'c'].map((password) => workers.hash(password, FAST_ARGON2)));
      expect(await Promise.all(hashes.map((hash, i) => workers.verify(hash, ['a', 'b', 'c'][i]!)))).to.deep.equal([true, true, true]);
    } finally {
      await workers.close();
    }
  });

  it('rejects a malformed hash as a fault, and refuses work once closed', async () => {
    const workers = new HashWorkers(1, 0);
    const error = await workers.verify('not a phc string', 'x').catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(Error);
    await workers.close();
    expect(await workers.hash('x', FAST_ARGON2).catch((caught: Error) => caught.message)).to.equal('the hash workers are closed');
  });
});
