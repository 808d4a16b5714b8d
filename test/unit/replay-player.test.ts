import { describe, expect, it } from 'vitest';
import { emptyBoard } from '../../server/board/state.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { IDLE_GAP_MS, ReplayPlayer } from '../../web/src/replay-player.ts';
import { RecordMaker } from '../support/records.ts';

/** A clock the test moves by hand. */
class FakeClock {
  t = 0;
  now = () => this.t;
}

function recordsAt(times: number[]): LogRecord[] {
  const m = new RecordMaker();
  return times.map((ts, i) => ({ ...m.begin('ann', `s${i}`), ts }));
}

function playerFor(times: number[], speed: number, skipIdle = false) {
  const clock = new FakeClock();
  const player = new ReplayPlayer(emptyBoard(), times[0]!, clock);
  player.push(recordsAt(times));
  player.complete = true;
  player.speed = speed;
  player.skipIdle = skipIdle;
  player.play();
  const shown = () => player.state.strokes.size;
  const at = (wall: number) => {
    clock.t = wall;
    player.tick();
    return shown();
  };
  return { player, at };
}

describe('replay playback', () => {
  it.each([0.25, 1, 4, 16])('plays board time at %sx wall time', (speed) => {
    const { at } = playerFor([10_000, 11_000, 12_000], speed);
    expect(at(0)).toBe(1);
    expect(at(1_000 / speed - 1)).toBe(1);
    expect(at(1_000 / speed)).toBe(2);
    expect(at(2_000 / speed - 1)).toBe(2);
    expect(at(2_000 / speed)).toBe(3);
  });

  it('pauses: no board time passes while paused', () => {
    const { player, at } = playerFor([0, 1_000], 1);
    expect(at(500)).toBe(1);
    player.pause();
    expect(at(5_000)).toBe(1);
    player.play();
    expect(at(5_499)).toBe(1);
    expect(at(5_500)).toBe(2);
    expect(player.ended).toBe(true);
    expect(player.playing).toBe(false);
  });

  it('shows records that arrive at or before its time at once, even paused', () => {
    const clock = new FakeClock();
    const player = new ReplayPlayer(emptyBoard(), 5_000, clock);
    expect(player.push(recordsAt([4_000, 5_000, 6_000])).map((r) => r.ts)).toEqual([4_000, 5_000]);
    expect(player.state.strokes.size).toBe(2);
  });

  it('a speed change applies from that moment on', () => {
    const { player, at } = playerFor([0, 2_000], 1);
    at(1_000); // one second of board time at 1x
    player.setSpeed(4);
    expect(at(1_249)).toBe(1);
    expect(at(1_250)).toBe(2); // the second one took a quarter second at 4x
  });

  it('skips idle gaps when asked, keeping a short pause', () => {
    const long = 60 * 60_000;
    const { at } = playerFor([0, long], 1, true);
    expect(at(1)).toBe(1);
    expect(at(1 + IDLE_GAP_MS - 1)).toBe(1);
    expect(at(1 + IDLE_GAP_MS + 1)).toBe(2);
    const { at: slow } = playerFor([0, long], 1, false);
    expect(slow(10 * IDLE_GAP_MS)).toBe(1);
  });
});
