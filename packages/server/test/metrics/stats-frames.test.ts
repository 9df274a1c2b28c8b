import { expect } from 'chai';
import { StatsFrames } from '../../src/metrics/stats-frames.js';

describe('server/metrics/stats-frames', () => {
  const sources = () => ({ answered: { http: new Float64Array(2), websocket: new Float64Array(2) }, ongoing: { http: 0, websocket: 1 }, connections: () => ({ websocket: 3 }) });

  it('counts in each frame the answers since the previous one, per protocol', () => {
    const counts = sources();
    const frames = new StatsFrames(counts);
    counts.answered.http[0] = 5;
    counts.answered.http[1] = 2;
    expect(frames.record(1000)).to.deep.equal({
      completedRequests: { http: 5, websocket: 0 }, failedRequests: { http: 2, websocket: 0 },
      ongoingRequests: { http: 0, websocket: 1 }, connections: { websocket: 3 }, timestamp: 1000,
    });
    counts.answered.http[0] = 6;
    counts.answered.websocket[1] = 4;
    const second = frames.record(2000);
    expect([second.completedRequests, second.failedRequests]).to.deep.equal([{ http: 1, websocket: 0 }, { http: 0, websocket: 4 }]);
    expect(frames.last()).to.equal(second);
  });

  it('answers a frame of everything so far before the first one, without taking it', () => {
    const counts = sources();
    const frames = new StatsFrames(counts);
    counts.answered.websocket[0] = 7;
    expect(frames.last().completedRequests).to.deep.equal({ http: 0, websocket: 7 });
    expect(frames.between()).to.deep.equal([]);
  });

  it('keeps frames for `keep` ms and selects them by time', () => {
    const frames = new StatsFrames(sources(), 10, 3000);
    for (const at of [1000, 2000, 3000, 4000, 5000]) frames.record(at);
    expect(frames.between().map((frame) => frame.timestamp)).to.deep.equal([2000, 3000, 4000, 5000]);
    expect(frames.between(2500, 4000).map((frame) => frame.timestamp)).to.deep.equal([3000, 4000]);
  });
});
