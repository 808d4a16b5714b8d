/**
 * The message rate of a connection (server/quotas/message-rate.ts), on a
 * clock of our own: a client that sends at most 500 messages in every
 * second is never refused, whenever the server reads them; one that sends
 * more is.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageRate } from '../../server/quotas/message-rate.ts';
import { seededRandom } from '../../scripts/seed/prng.ts';

const PER_SECOND = 500;

/** A fake clock and a rate on it. */
function setup() {
  const clock = { t: 0 };
  return { clock, rate: new MessageRate(PER_SECOND, () => clock.t) };
}

/** Takes `n` messages at the current time; how many were allowed. */
function burst(rate: MessageRate, n: number): number {
  let allowed = 0;
  for (let i = 0; i < n; i++) if (rate.take()) allowed++;
  return allowed;
}

/**
 * Send times of a client that never sends more than 500 in any second: runs
 * at a steady rate up to 500 a second or all at once, idle spells between
 * them, and never the 501st message within 1,000 ms.
 */
const honestSends = fc
  .array(fc.record({ perSecond: fc.oneof(fc.integer({ min: 50, max: 500 }), fc.constant(1e6)), count: fc.integer({ min: 1, max: 1_500 }), idle: fc.integer({ min: 0, max: 3_000 }) }), { minLength: 1, maxLength: 6 })
  .map((runs) => {
    const times: number[] = [];
    let t = 0;
    for (const run of runs) {
      for (let i = 0; i < run.count; i++) {
        t += 1_000 / run.perSecond;
        const window = times.length >= PER_SECOND ? times[times.length - PER_SECOND]! : -Infinity;
        if (t - window < 1_000) t = window + 1_000;
        times.push(t);
      }
      t += run.idle;
    }
    return times;
  });

describe('message rate', () => {
  it('property: a client sending at most 500 in every second is never refused, however its messages are delayed or held', () => {
    fc.assert(
      fc.property(
        honestSends,
        // Holds: the server stops reading at some message and reads again later; delays below a second otherwise.
        fc.array(fc.record({ at: fc.nat(), ms: fc.integer({ min: 1, max: 15_000 }) }), { maxLength: 8 }),
        fc.integer(),
        (sends, holds, seed) => {
          // Network delays under a second, from a seeded source (arrays of thousands make fast-check slow).
          const random = seededRandom(seed);
          const { clock, rate } = setup();
          // When each message is read: its send time plus a network delay, never before the one before;
          // during a hold nothing is read, and everything sent meanwhile is read when it ends.
          const heldFrom = new Map(holds.map((h) => [h.at % sends.length, h.ms]));
          let readAt = 0;
          let holdUntil = -Infinity;
          for (let i = 0; i < sends.length; i++) {
            const arrives = Math.max(readAt, sends[i]! + random.int(0, 900));
            if (arrives < holdUntil) {
              readAt = holdUntil;
            } else {
              readAt = arrives;
            }
            if (clock.t < holdUntil && readAt >= holdUntil) {
              clock.t = holdUntil;
              rate.release();
            }
            clock.t = readAt;
            expect(rate.take()).toBe(true);
            const hold = heldFrom.get(i);
            if (hold !== undefined && readAt >= holdUntil) {
              rate.hold();
              holdUntil = readAt + hold;
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('500 at the end of one second and 500 at the start of the next are allowed; 1,001 at once are not', () => {
    const { clock, rate } = setup();
    clock.t = 999;
    expect(burst(rate, 500)).toBe(500);
    clock.t = 1_000;
    expect(burst(rate, 500)).toBe(500);
    const fresh = setup();
    expect(burst(fresh.rate, 1_001)).toBe(1_000);
  });

  it('a client sending 700 a second is refused within a few seconds, held or not', () => {
    for (const held of [false, true]) {
      const { clock, rate } = setup();
      let refusedAt: number | null = null;
      for (let i = 0; i < 7_000 && refusedAt === null; i++) {
        clock.t = Math.floor((i * 1_000) / 700);
        // Held for the first second: its 700 messages are read at once at its end.
        if (held && i === 0) {
          rate.hold();
          clock.t = 1_000;
          rate.release();
        }
        if (!rate.take()) refusedAt = clock.t;
      }
      expect(refusedAt).not.toBeNull();
      expect(refusedAt!).toBeLessThan(6_000);
    }
  });

  it('time held buys messages only for what piled up: a second after the socket is read again, the burst is a second’s worth again', () => {
    const { clock, rate } = setup();
    rate.hold();
    clock.t = 10_000;
    rate.release();
    // Ten seconds held: the 5,000 sent meanwhile (and the saved-up second) are read at once.
    expect(burst(rate, 6_000)).toBe(6_000);
    const later = setup();
    later.rate.hold();
    later.clock.t = 10_000;
    later.rate.release();
    later.clock.t = 11_500;
    expect(burst(later.rate, 1_500)).toBe(1_000);
  });
});
