import { expect } from 'chai';
import { PluginGauges } from '../../src/metrics/plugin-gauges.js';

describe('server/metrics/plugin-gauges', () => {
  it('reads each gauge per strategy at read time', () => {
    const gauges = new PluginGauges();
    let depth = 3;
    gauges.of('local').gauge({ name: 'hash_queue_depth', help: 'waiting', read: () => depth });
    gauges.of('other').gauge({ name: 'hash_queue_depth', help: 'waiting', read: () => 7 });
    depth = 4;
    expect(gauges.read()).to.deep.equal([{ name: 'hash_queue_depth', help: 'waiting', values: [{ strategy: 'local', value: 4 }, { strategy: 'other', value: 7 }] }]);
  });

  it('refuses names that would not make a Prometheus metric name', () => {
    const metrics = new PluginGauges().of('local');
    for (const name of ['Queue', 'queue-depth', '1queue', '', 'a'.repeat(65), 'x{y="1"}']) {
      expect(() => metrics.gauge({ name, help: '', read: () => 0 }), name).to.throw(RangeError);
    }
  });

  it('forgets the gauges of an unregistered strategy', () => {
    const gauges = new PluginGauges();
    gauges.of('local').gauge({ name: 'hash_running', help: '', read: () => 1 });
    gauges.forget('local');
    expect(gauges.read()).to.deep.equal([]);
  });

  it('leaves out a gauge whose read() throws or answers something else than a number', () => {
    const gauges = new PluginGauges();
    gauges.of('a').gauge({ name: 'broken', help: '', read: () => { throw new Error('boom'); } });
    gauges.of('b').gauge({ name: 'broken', help: '', read: () => 'x' as unknown as number });
    gauges.of('c').gauge({ name: 'broken', help: '', read: () => 2 });
    expect(gauges.read()[0]?.values).to.deep.equal([{ strategy: 'c', value: 2 }]);
  });
});
