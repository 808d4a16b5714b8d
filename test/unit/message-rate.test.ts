/**
 * The message rate of a connection (server/quotas/message-rate.ts), on a
 * clock of our own: a client that sends at most 500 messages in every
 * second is never refused, however its messages are delayed, held unread
 * and read back late; one that sends more is, and time held cannot be
 * saved up for later.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../scripts/seed/prng.ts';
import { MessageRate } from '../../server/quotas/message-rate.ts';

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

/** Takes `n` messages spread evenly over `ms` from the clock's time; how many were allowed. */
function spread(clock: { t: number }, rate: MessageRate, n: number, ms: number): number {
  const start = clock.t;
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    clock.t = start + (i * ms) / n;
    if (rate.take()) allowed++;
  }
  clock.t = start + ms;
  return allowed;
}

/** Holds the socket unread for `ms`. */
function held(clock: { t: number }, rate: MessageRate, ms: number): void {
  rate.hold();
  clock.t += ms;
  rate.release();
}

/**
 * Send times of a client that never sends more than 500 in any second: runs
 * at a steady rate up to 500 a second or all at once, idle spells between
 * them, and never the 501st message within 1,000 ms.
 */
const honestSends = fc
  .array(fc.record({ perSecond: fc.oneof(fc.integer({ min: 50, max: 500 }), fc.constant(1e6)), count: fc.integer({ min: 1, max: 2_000 }), idle: fc.integer({ min: 0, max: 3_000 }) }), { minLength: 1, maxLength: 6 })
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
  it('property: a client sending at most 500 in every second is never refused, however its messages are delayed, held and read back', () => {
    fc.assert(
      fc.property(
        honestSends,
        // Holds: the server stops reading at some message for up to 70 s.
        fc.array(fc.record({ at: fc.nat(), ms: fc.integer({ min: 1, max: 70_000 }) }), { maxLength: 8 }),
        // How fast the client's link delivers a backlog, in messages a second.
        fc.integer({ min: 600, max: 100_000 }),
        fc.integer(),
        (sends, holds, uplink, seed) => {
          const { clock, rate } = setup();
          // Up to a second of delay: the network's (up to 0.4 s) and a stall of the server's event loop
          // after a hold (up to 0.6 s), from a seeded source (arrays of thousands make fast-check slow).
          const random = seededRandom(seed);
          const holdAt = new Map(holds.map((h) => [h.at % sends.length, h.ms]));
          let read = -Infinity;
          let holdUntil = -Infinity;
          let stall = 0;
          for (let i = 0; i < sends.length; i++) {
            // A message is read once it has arrived, after the one before, and not while the socket is held.
            read = Math.max(read + 1_000 / uplink, sends[i]! + random.int(0, 400));
            if (read < holdUntil + stall) read = holdUntil + stall;
            if (clock.t < holdUntil && read >= holdUntil) {
              clock.t = holdUntil;
              rate.release();
            }
            clock.t = read;
            expect(rate.take()).toBe(true);
            const hold = holdAt.get(i);
            if (hold !== undefined && read >= holdUntil) {
              rate.hold();
              holdUntil = read + hold;
              stall = random.int(0, 600);
            }
          }
        },
      ),
      { numRuns: 60 },
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

  it('a client sending 700 a second is refused within a few seconds, held for its first second or not', () => {
    for (const wasHeld of [false, true]) {
      const { clock, rate } = setup();
      // Held: the 700 it sent in its first second are read at once when the socket is read again.
      if (wasHeld) held(clock, rate, 1_000);
      let refusedAt: number | null = null;
      for (let i = 0; i < 7_000 && refusedAt === null; i++) {
        clock.t = Math.max(clock.t, Math.floor((i * 1_000) / 700));
        if (!rate.take()) refusedAt = clock.t;
      }
      expect(refusedAt).not.toBeNull();
      expect(refusedAt!).toBeLessThan(6_000);
    }
  });

  it('a backlog held for ten seconds is read whole: at once, after the event loop stalled, or trickling in over three seconds', () => {
    for (const readBack of ['at once', 'after a stall', 'over three seconds'] as const) {
      const { clock, rate } = setup();
      // 500 a second: 5,000 sent while held, then it goes on at the same pace.
      held(clock, rate, 10_000);
      if (readBack === 'after a stall') clock.t += 1_100;
      const backlog = readBack === 'over three seconds' ? spread(clock, rate, 6_500, 3_000) : burst(rate, 5_550) + spread(clock, rate, 500, 1_000);
      expect(backlog).toBe(readBack === 'over three seconds' ? 6_500 : 6_050);
      expect(spread(clock, rate, 2_500, 5_000)).toBe(2_500);
    }
  });

  it('however long the socket was held: 70 seconds at 500 a second are read whole', () => {
    const { clock, rate } = setup();
    held(clock, rate, 70_000);
    expect(burst(rate, 35_000)).toBe(35_000);
  });

  it('time held cannot be saved up: it lapses after a quiet spell, or once as long again as the hold has passed', () => {
    // Quiet for 2.5 s after a hold of 10 s: a burst is a burst again.
    const quiet = setup();
    held(quiet.clock, quiet.rate, 10_000);
    quiet.clock.t += 2_500;
    expect(burst(quiet.rate, 6_000)).toBe(1_000);
    // A message every 1.5 s keeps no hold's tokens past twice the hold.
    const trickle = setup();
    held(trickle.clock, trickle.rate, 2_000);
    for (let i = 0; i < 8; i++) {
      trickle.clock.t += 1_500;
      expect(trickle.rate.take()).toBe(true);
    }
    trickle.clock.t += 1_000;
    expect(burst(trickle.rate, 3_000)).toBe(1_000);
    // Short holds once a second buy nothing: after a minute's rest, a burst is 1,000.
    const brief = setup();
    for (let i = 0; i < 60; i++) {
      held(brief.clock, brief.rate, 1);
      brief.clock.t += 999;
      brief.rate.take();
    }
    brief.clock.t += 60_000;
    expect(burst(brief.rate, 31_000)).toBe(1_000);
  });
});
