import { expect } from 'chai';
import { HashGate } from '../src/index.js';
import { expectRejection } from './helpers/errors.js';

/** A task the test finishes by hand, to hold a slot as long as it likes. */
function heldTask<T>(value: T): { task: () => Promise<T>; started: () => boolean; finish(): void; fail(error: Error): void } {
  let started = false;
  let finish!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    task: () => {
      started = true;
      return promise;
    },
    started: () => started,
    finish: () => finish(value),
    fail: (error) => fail(error),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('strategy-local/hash-gate', () => {
  describe('#run', () => {
    it('runs at most maxConcurrent tasks at once', async () => {
      const gate = new HashGate({ maxConcurrent: 2, maxQueued: 10 });
      const tasks = [heldTask(1), heldTask(2), heldTask(3)];
      const results = tasks.map((held) => gate.run(held.task));
      await tick();
      expect(tasks.map((held) => held.started())).to.deep.equal([true, true, false]);
      expect(gate.load).to.deep.equal({ running: 2, queued: 1 });
      tasks[0]!.finish();
      await tick();
      expect(tasks[2]!.started()).to.equal(true);
      tasks[1]!.finish();
      tasks[2]!.finish();
      expect(await Promise.all(results)).to.deep.equal([1, 2, 3]);
      expect(gate.load).to.deep.equal({ running: 0, queued: 0 });
    });

    it('starts waiting tasks in arrival order', async () => {
      const gate = new HashGate({ maxConcurrent: 1, maxQueued: 10 });
      const first = heldTask('first');
      const order: string[] = [];
      const running = gate.run(first.task);
      const waiting = ['a', 'b', 'c'].map((name) => gate.run(async () => order.push(name)));
      first.finish();
      await Promise.all([running, ...waiting]);
      expect(order).to.deep.equal(['a', 'b', 'c']);
    });

    it('refuses a task with api.process.too_many_logins_requests once the queue is full', async () => {
      const gate = new HashGate({ maxConcurrent: 1, maxQueued: 1 });
      const first = heldTask(1);
      const second = heldTask(2);
      const running = gate.run(first.task);
      const queued = gate.run(second.task);
      const error = await expectRejection(gate.run(async () => 3), 'api.process.too_many_logins_requests');
      expect(error.status).to.equal(429);
      first.finish();
      second.finish();
      expect(await Promise.all([running, queued])).to.deep.equal([1, 2]);
    });

    it('refuses at once when nothing may wait (maxQueued 0)', async () => {
      const gate = new HashGate({ maxConcurrent: 1, maxQueued: 0 });
      const held = heldTask(1);
      const running = gate.run(held.task);
      await expectRejection(gate.run(async () => 2), 'api.process.too_many_logins_requests');
      held.finish();
      await running;
    });

    it('frees the slot when a task fails', async () => {
      const gate = new HashGate({ maxConcurrent: 1, maxQueued: 0 });
      const held = heldTask(1);
      const failing = gate.run(held.task);
      held.fail(new Error('boom'));
      let caught: unknown;
      await failing.catch((error: unknown) => (caught = error));
      expect(caught).to.be.an('error');
      expect(await gate.run(async () => 'next')).to.equal('next');
    });
  });

  describe('#run from several sources', () => {
    it('serves the sources in turn, not in arrival order', async () => {
      const gate = new HashGate({ maxConcurrent: 1, maxQueued: 10 });
      const first = heldTask('first');
      const order: string[] = [];
      const running = gate.run(first.task, 'flood');
      const waiting = [
        ...['f1', 'f2', 'f3'].map((name) => gate.run(async () => order.push(name), 'flood')),
        gate.run(async () => order.push('other'), 'other'),
      ];
      first.finish();
      await Promise.all([running, ...waiting]);
      expect(order).to.deep.equal(['f1', 'other', 'f2', 'f3']);
    });

    it('refuses a source whose line is full, and still queues another source', async () => {
      const gate = new HashGate({ maxConcurrent: 1, maxQueued: 10, maxQueuedPerSource: 2 });
      const first = heldTask(1);
      const running = gate.run(first.task, 'flood');
      const queued = [gate.run(async () => 2, 'flood'), gate.run(async () => 3, 'flood')];
      await expectRejection(gate.run(async () => 4, 'flood'), 'api.process.too_many_logins_requests');
      const other = gate.run(async () => 'other', 'other');
      expect(gate.load).to.deep.equal({ running: 1, queued: 3 });
      first.finish();
      expect(await Promise.all([running, ...queued, other])).to.deep.equal([1, 2, 3, 'other']);
      expect(gate.load).to.deep.equal({ running: 0, queued: 0 });
    });

    it('still bounds the whole queue', async () => {
      const gate = new HashGate({ maxConcurrent: 1, maxQueued: 2, maxQueuedPerSource: 2 });
      const first = heldTask(1);
      const running = gate.run(first.task, 'a');
      const queued = [gate.run(async () => 2, 'b'), gate.run(async () => 3, 'c')];
      await expectRejection(gate.run(async () => 4, 'd'), 'api.process.too_many_logins_requests');
      first.finish();
      expect(await Promise.all([running, ...queued])).to.deep.equal([1, 2, 3]);
    });
  });

  it('refuses meaningless bounds', () => {
    expect(() => new HashGate({ maxConcurrent: 1, maxQueued: 1, maxQueuedPerSource: -1 })).to.throw(RangeError);
    expect(() => new HashGate({ maxConcurrent: 0, maxQueued: 1 })).to.throw(RangeError);
    expect(() => new HashGate({ maxConcurrent: 1, maxQueued: -1 })).to.throw(RangeError);
  });
});
