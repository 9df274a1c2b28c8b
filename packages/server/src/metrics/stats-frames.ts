import type { Protocol } from '../api/request.js';

const PROTOCOLS: readonly Protocol[] = ['http', 'websocket'];

/** Kuzzle's statistics frame: requests per protocol since the previous frame, and what is open now. */
export interface StatsFrame {
  completedRequests: Record<string, number>;
  failedRequests: Record<string, number>;
  ongoingRequests: Record<string, number>;
  connections: Record<string, number>;
  timestamp: number;
}

/** What a frame reads: running totals per protocol (the funnel's), and the open connections. */
export interface FrameSources {
  /** Answers per protocol since the node started: [succeeded, failed]. */
  answered: Record<Protocol, Float64Array>;
  ongoing: Record<Protocol, number>;
  connections(): Record<string, number>;
}

/**
 * Kuzzle's statistics frames (server:getLastStats, getAllStats, getStats, deprecated by Kuzzle
 * 2.16 in favour of server:metrics): a frame every `interval` ms, kept `keep` ms, in this node's
 * memory. A frame is a difference of running totals: nothing is counted for it per request.
 */
export class StatsFrames {
  private readonly frames: StatsFrame[] = [];
  private previous: Record<Protocol, [number, number]> = { http: [0, 0], websocket: [0, 0] };
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sources: FrameSources, private readonly interval = 10_000, private readonly keep = 3_600_000) {}

  start(): void {
    this.timer ??= setInterval(() => this.record(), this.interval).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The latest frame; before the first one, a frame of what happened since the start. */
  last(): StatsFrame {
    return this.frames.at(-1) ?? this.frame(Date.now(), false);
  }

  /** Frames whose timestamp is within [start, stop] (both optional), oldest first. */
  between(start = -Infinity, stop = Infinity): StatsFrame[] {
    return this.frames.filter((frame) => frame.timestamp >= start && frame.timestamp <= stop);
  }

  /** Takes a frame now, and forgets those older than `keep`. */
  record(now = Date.now()): StatsFrame {
    const frame = this.frame(now, true);
    this.frames.push(frame);
    while (this.frames.length > 0 && this.frames[0]!.timestamp < now - this.keep) this.frames.shift();
    return frame;
  }

  private frame(timestamp: number, advance: boolean): StatsFrame {
    const frame: StatsFrame = { completedRequests: {}, failedRequests: {}, ongoingRequests: {}, connections: this.sources.connections(), timestamp };
    for (const protocol of PROTOCOLS) {
      const [succeeded, failed] = this.sources.answered[protocol];
      const [succeededBefore, failedBefore] = this.previous[protocol];
      frame.completedRequests[protocol] = succeeded! - succeededBefore;
      frame.failedRequests[protocol] = failed! - failedBefore;
      frame.ongoingRequests[protocol] = this.sources.ongoing[protocol];
      if (advance) this.previous[protocol] = [succeeded!, failed!];
    }
    return frame;
  }
}
