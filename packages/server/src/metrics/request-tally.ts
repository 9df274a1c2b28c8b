import { ERRORS } from '@portcullis/core';

/** Successes and redirections a strategy may answer with, beside the statuses of the error catalogue. */
const SUCCESS_STATUSES = [200, 201, 204, 301, 302, 303, 307, 308];

/** Every status counted apart, ascending; any other falls in the "other" slot (0). */
export const COUNTED_STATUSES: readonly number[] = Object.freeze(
  [...new Set([...SUCCESS_STATUSES, ...Object.values(ERRORS).map((error) => error.status)])].sort((a, b) => a - b),
);

/** Status → slot, built once: a request's count is two array reads and an increment, no label, no string. */
const SLOTS = new Uint8Array(600);
COUNTED_STATUSES.forEach((status, index) => {
  SLOTS[status] = index + 1;
});

/** The slot of a status in a tally's counts: 0 for a status outside {@link COUNTED_STATUSES}. */
export function statusSlot(status: number): number {
  return status >= 0 && status < 600 ? SLOTS[status]! : 0;
}

/** The label of a slot: its status, or "other". */
export function slotLabel(slot: number): string {
  return slot === 0 ? 'other' : String(COUNTED_STATUSES[slot - 1]);
}

/** The answers of one action on this node, by status slot. The funnel holds it beside the action's definition. */
export interface Tally {
  readonly controller: string;
  readonly action: string;
  readonly counts: Float64Array;
}

/** Counts an answer: runs for every request, so it is an array increment and nothing more. */
export function countAnswer(tally: Tally, status: number): void {
  tally.counts[statusSlot(status)]! += 1;
}

/** Controller and action of the requests that named no served action (unknown names, unroutable or malformed requests). */
export const UNROUTED = '_unrouted';

/**
 * Requests per action and status on this node, as plain numbers: labels are built only when
 * the figures are read (a scrape, server:metrics), never per request.
 */
export class RequestTally {
  private readonly tallies: Tally[] = [];
  /** Requests refused before an action was known: their names come from clients, so they share one tally. */
  readonly unrouted: Tally = this.track(UNROUTED, UNROUTED);

  /** A tally for an action; the caller keeps it and counts into it. */
  track(controller: string, action: string): Tally {
    const tally: Tally = { controller, action, counts: new Float64Array(COUNTED_STATUSES.length + 1) };
    this.tallies.push(tally);
    return tally;
  }

  /** The counts that are not zero, with their labels. */
  series(): Array<{ controller: string; action: string; status: string; count: number }> {
    const series = [];
    for (const { controller, action, counts } of this.tallies) {
      for (let slot = 0; slot < counts.length; slot++) {
        const count = counts[slot]!;
        if (count > 0) series.push({ controller, action, status: slotLabel(slot), count });
      }
    }
    return series;
  }
}
