/**
 * Presence across instances without a broker: frames checked at the edge,
 * remote people expiring, cursors coalesced, goodbyes on close.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Participant } from '../../server/protocol/messages.ts';
import { encodePresenceFrame, parsePresenceFrame, type PresenceBus, type PresenceFrame, type PresenceListener, type Signal } from '../../server/presence/presence-bus.ts';
import { EXPIRE_MS, RemotePresence } from '../../server/presence/remote-presence.ts';
import { CURSOR_INTERVAL_MS, HEARTBEAT_MS, SharedPresence } from '../../server/presence/shared-presence.ts';
import { pino } from 'pino';

const ann: Participant = { cid: 'c-ann', user: 'u-ann', name: 'Ann', role: 'editor' };
const vic: Participant = { cid: 'c-vic', user: 'u-vic', name: 'Vic', role: 'viewer' };

describe('presence frames from the topic', () => {
  it('a frame survives its trip: encoded by one instance, read by another', () => {
    const frames: PresenceFrame[] = [
      { t: 'people', board: 'b1', people: [ann, vic] },
      { t: 'people', board: 'b1', people: [] },
      { t: 'cursors', board: 'b1', cursors: [{ cid: 'c-ann', x: 1.5, y: -20 }, { cid: 'c-bob', x: null, y: null }] },
      { t: 'people', board: 'b1', people: [{ ...ann, role: 'owner', presenting: true }, { ...vic, follows: 'c-ann' }] },
      {
        t: 'signals',
        board: 'b1',
        signals: [
          { cid: 'c-ann', view: { x: -10, y: 20, w: 800, h: 600 } },
          { cid: 'c-ann', laser: [3, 4] },
          { cid: 'c-ann', laser: [null, null] },
        ],
      },
    ];
    for (const frame of frames) expect(parsePresenceFrame(encodePresenceFrame('inst1', frame))).toEqual({ from: 'inst1', frame });
  });

  it('malformed frames are dropped, and unknown fields never reach a people list', () => {
    const bad = [
      'not json',
      '{}',
      JSON.stringify({ v: 2, from: 'i', t: 'people', board: 'b', people: [] }),
      JSON.stringify({ v: 1, from: 'i', t: 'people', board: 'b/../x', people: [] }),
      JSON.stringify({ v: 1, from: 'i', t: 'people', board: 'b', people: [{ ...ann, role: 'admin' }] }),
      JSON.stringify({ v: 1, from: 'i', t: 'people', board: 'b', people: [{ ...ann, name: 'a\u0007b' }] }),
      JSON.stringify({ v: 1, from: 'i', t: 'people', board: 'b', people: [{ ...ann, name: 'x'.repeat(33) }] }),
      JSON.stringify({ v: 1, from: 'i', t: 'cursors', board: 'b', cursors: [{ cid: 'c', x: 1e9, y: 0 }] }),
      JSON.stringify({ v: 1, from: 'i', t: 'cursors', board: 'b', cursors: [{ cid: 'c', x: '1', y: 0 }] }),
      `{"v":1,"from":"i","t":"people","board":"b","people":${'['.repeat(50)}${']'.repeat(50)}}`,
    ];
    for (const text of bad) expect(parsePresenceFrame(text), text).toBeNull();
    const extra = JSON.stringify({ v: 1, from: 'i', t: 'people', board: 'b', people: [{ ...ann, evil: '<script>' }], more: 1 });
    expect(parsePresenceFrame(extra)?.frame).toEqual({ t: 'people', board: 'b', people: [ann] });
    // Half a cursor is nowhere.
    const half = JSON.stringify({ v: 1, from: 'i', t: 'cursors', board: 'b', cursors: [{ cid: 'c', x: 1, y: null }] });
    expect(parsePresenceFrame(half)?.frame).toEqual({ t: 'cursors', board: 'b', cursors: [] });
  });

  it('whatever the topic holds, reading it never throws', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => void parsePresenceFrame(text)), { seed: 11 });
  });
});

describe('the people other instances have on a board', () => {
  let now = 0;
  let changed: string[] = [];
  let cursors: [string, string, number | null, number | null][] = [];
  let signals: [string, Signal][] = [];
  let remote: RemotePresence;
  beforeEach(() => {
    now = 1_000;
    changed = [];
    cursors = [];
    signals = [];
    remote = new RemotePresence({ peopleChanged: (b) => changed.push(b), cursorMoved: (...c) => cursors.push(c), signal: (b, s) => signals.push([b, s]) }, () => now);
  });

  it("pass on views of anyone listed and laser points of those who draw, nobody else's", () => {
    remote.heard('i1', { t: 'people', board: 'b', people: [ann, vic] });
    const view = { x: 0, y: 0, w: 100, h: 50 };
    remote.heard('i1', {
      t: 'signals',
      board: 'b',
      signals: [
        { cid: 'c-ann', laser: [1, 2] },
        { cid: 'c-vic', laser: [1, 2] },
        { cid: 'c-vic', view },
        { cid: 'c-stranger', view },
      ],
    });
    expect(signals).toEqual([
      ['b', { cid: 'c-ann', laser: [1, 2] }],
      ['b', { cid: 'c-vic', view }],
    ]);
  });

  it('are listed once each, and a heartbeat repeating the list tells nobody', () => {
    remote.heard('i1', { t: 'people', board: 'b', people: [ann, vic] });
    remote.heard('i2', { t: 'people', board: 'b', people: [ann] }); // a page that moved from i1 to i2
    expect(remote.people('b')).toEqual([ann, vic]);
    expect(changed).toEqual(['b', 'b']);
    remote.heard('i1', { t: 'people', board: 'b', people: [ann, vic] });
    expect(changed).toEqual(['b', 'b']);
  });

  it('a silent instance is forgotten after the expiry, and its people\'s cursors hidden', () => {
    remote.heard('i1', { t: 'people', board: 'b', people: [ann] });
    remote.heard('i2', { t: 'people', board: 'b', people: [vic] });
    now += EXPIRE_MS - 500;
    remote.heard('i2', { t: 'people', board: 'b', people: [vic] }); // i2 still beats, i1 went quiet
    now += 600;
    remote.sweep();
    expect(remote.people('b')).toEqual([vic]);
    expect(cursors).toEqual([['b', 'c-ann', null, null]]);
  });

  it('relays the cursors of the sender\'s listed editors only', () => {
    remote.heard('i1', { t: 'cursors', board: 'b', cursors: [{ cid: 'c-ann', x: 1, y: 2 }] }); // before any list: dropped
    remote.heard('i1', { t: 'people', board: 'b', people: [ann, vic] });
    remote.heard('i1', { t: 'cursors', board: 'b', cursors: [{ cid: 'c-ann', x: 3, y: 4 }, { cid: 'c-vic', x: 5, y: 6 }, { cid: 'c-x', x: 7, y: 8 }] });
    remote.heard('i2', { t: 'cursors', board: 'b', cursors: [{ cid: 'c-ann', x: 9, y: 9 }] }); // not i2's person
    expect(cursors).toEqual([['b', 'c-ann', 3, 4]]);
    remote.heard('i1', { t: 'people', board: 'b', people: [vic] }); // Ann left
    expect(cursors.at(-1)).toEqual(['b', 'c-ann', null, null]);
  });
});

/** A bus in memory: what this instance published, and a way to deliver others' frames. */
function memoryBus() {
  const listeners = new Set<PresenceListener>();
  const sent: PresenceFrame[] = [];
  const bus: PresenceBus = {
    publish: (frame) => void sent.push(structuredClone(frame)),
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    close: async () => undefined,
  };
  return { bus, sent, deliver: (from: string, frame: PresenceFrame) => listeners.forEach((l) => l(from, frame)) };
}

describe('what an instance shares', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends its people when they change and every second, and an empty list when it closes', () => {
    const { bus, sent } = memoryBus();
    const shared = new SharedPresence(bus, pino({ level: 'silent' }));
    shared.localPeople('b', []);
    expect(sent).toEqual([]); // nobody was here, nobody left
    shared.localPeople('b', [ann]);
    shared.localPeople('b', [ann]);
    expect(sent).toEqual([{ t: 'people', board: 'b', people: [ann] }]);
    vi.advanceTimersByTime(HEARTBEAT_MS * 2);
    expect(sent).toHaveLength(3);
    shared.close();
    expect(sent.at(-1)).toEqual({ t: 'people', board: 'b', people: [] });
    vi.advanceTimersByTime(HEARTBEAT_MS * 2);
    expect(sent).toHaveLength(4);
  });

  it('coalesces cursor moves: at most one frame per board per interval, with each cursor\'s latest position', () => {
    const { bus, sent } = memoryBus();
    const shared = new SharedPresence(bus, pino({ level: 'silent' }));
    const frames = () => sent.filter((f) => f.t === 'cursors');
    for (let i = 0; i < 100; i++) {
      shared.localCursor('b', 'c-ann', i, i);
      shared.localCursor('b', 'c-bob', -i, -i);
      vi.advanceTimersByTime(5); // a 200 Hz pen
    }
    vi.advanceTimersByTime(CURSOR_INTERVAL_MS);
    expect(frames().length).toBeGreaterThanOrEqual(10);
    expect(frames().length).toBeLessThanOrEqual(11);
    expect(frames().at(-1)).toEqual({ t: 'cursors', board: 'b', cursors: [{ cid: 'c-ann', x: 99, y: 99 }, { cid: 'c-bob', x: -99, y: -99 }] });
    shared.close();
  });

  it('tells its listeners what other instances say', () => {
    const { bus, deliver } = memoryBus();
    const shared = new SharedPresence(bus, pino({ level: 'silent' }));
    const heard: string[] = [];
    shared.onRemote({ peopleChanged: (b) => heard.push(`people ${b}`), cursorMoved: (b, cid, x) => heard.push(`cursor ${b} ${cid} ${x}`), signal: () => undefined });
    deliver('i2', { t: 'people', board: 'b', people: [ann] });
    deliver('i2', { t: 'cursors', board: 'b', cursors: [{ cid: 'c-ann', x: 4, y: 2 }] });
    expect(heard).toEqual(['people b', 'cursor b c-ann 4']);
    expect(shared.remotePeople('b')).toEqual([ann]);
    vi.advanceTimersByTime(EXPIRE_MS + 500);
    expect(shared.remotePeople('b')).toEqual([]);
    expect(heard.slice(2)).toEqual(['cursor b c-ann null', 'people b']);
    shared.close();
  });
});
