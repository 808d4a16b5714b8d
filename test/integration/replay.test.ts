/**
 * Replay over HTTP, on both log backends: seeking by time, the state at a
 * moment, a full replay ending where the live board is, sessions and forks.
 */
import { randomBytes } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { foldRecords } from '../../server/board/fold.ts';
import { fromSnapshot, toSnapshot, type BoardSnapshot } from '../../server/board/snapshot.ts';
import type { ReplayLine } from '../../server/history/replay.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { converged, webClient, type TestClient } from '../support/board-client.ts';
import { startKafkaServer, startServer, type RunningServer } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const kafkaGroupPrefix = `replay-${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function replay(server: RunningServer, board: string, query: string): Promise<{ state: BoardSnapshot; records: LogRecord[]; end: number }> {
  const res = await fetch(`${server.http}/api/boards/${board}/replay?${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/ndjson/);
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as ReplayLine);
  expect(lines[0]!.t).toBe('state');
  expect(lines.at(-1)!.t).toBe('end');
  const state = (lines[0] as Extract<ReplayLine, { t: 'state' }>).state;
  const records = lines.filter((l) => l.t === 'rec').map((l) => (l as Extract<ReplayLine, { t: 'rec' }>).r);
  return { state, records, end: (lines.at(-1) as Extract<ReplayLine, { t: 'end' }>).records };
}

describe.each([
  ['embedded', () => startServer()],
  ['Kafka', () => startKafkaServer(brokers, `replay-${randomBytes(4).toString('hex')}`, kafkaGroupPrefix)],
])('replay on the %s log', (_backend, start) => {
  let server: RunningServer;
  let ann: TestClient;
  let history: LogRecord[];
  const BOARD = 'history';

  beforeAll(async () => {
    server = await start();
    ann = webClient(server.ws, BOARD, 'ann');
    const bob = webClient(server.ws, BOARD, 'bob');
    await Promise.all([ann.live(), bob.live()]);
    // Strokes a little apart in time, with an undo and an erase among them.
    for (let i = 0; i < 4; i++) {
      (i % 2 ? bob : ann).stroke([{ x: 10 + i * 40, y: 10 }, { x: 30 + i * 40, y: 60 }]);
      await converged([ann, bob]);
      await sleep(30);
    }
    bob.send({ k: 'undo' });
    await converged([ann, bob]);
    await sleep(30);
    ann.send({ k: 'erase', ids: [[...ann.state.strokes.keys()][0]!] });
    await converged([ann, bob]);
    bob.close();
    history = await readAll(server.log, BOARD);
  }, 60_000);
  afterAll(async () => {
    ann?.close();
    await server?.close();
  });

  it('a full replay ends identical to the live board', async () => {
    const { state, records } = await replay(server, BOARD, 'from=0');
    expect(state.strokes).toEqual([]);
    expect(records).toEqual(history);
    expect(toSnapshot(foldRecords(records, fromSnapshot(state)))).toEqual(ann.snapshot());
  });

  it('seeks at the boundaries: before the first record, between two, at one, after the last', async () => {
    const first = history[0]!;
    const lastRec = history.at(-1)!;
    const before = await replay(server, BOARD, `from=${first.ts - 1}`);
    expect(before.records[0]).toEqual(first);

    // Between two records of different times: starts at the later one.
    const i = history.findIndex((r, k) => k > 0 && r.ts > history[k - 1]!.ts + 1);
    const between = await replay(server, BOARD, `from=${history[i - 1]!.ts + 1}`);
    expect(between.records[0]).toEqual(history[i]);

    const at = await replay(server, BOARD, `from=${history[i]!.ts}`);
    expect(at.records[0]).toEqual(history.find((r) => r.ts === history[i]!.ts));

    const after = await replay(server, BOARD, `from=${lastRec.ts + 1}`);
    expect(after.records).toEqual([]);
    expect(toSnapshot(fromSnapshot(after.state))).toEqual(ann.snapshot());
  });

  it('the state at a time T is the fold of every record before T, and `to` ends the stream', async () => {
    const times = [...new Set(history.map((r) => r.ts))];
    for (const t of [times[1]!, times[Math.floor(times.length / 2)]!, times.at(-1)!]) {
      const { state, records } = await replay(server, BOARD, `from=${t}&to=${t + 5}`);
      expect(state).toEqual(toSnapshot(foldRecords(history.filter((r) => r.ts < t))));
      expect(records).toEqual(history.filter((r) => r.ts >= t && r.ts <= t + 5));
    }
  });

  it('lists drawing sessions with times, stroke counts and participants', async () => {
    const res = await fetch(`${server.http}/api/boards/${BOARD}/sessions`);
    const { sessions } = (await res.json()) as { sessions: { start: number; end: number; strokes: number; participants: { name: string }[] }[] };
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ start: history[0]!.ts, end: history.at(-1)!.ts, strokes: 4 });
    expect(sessions[0]!.participants.map((p) => p.name).sort()).toEqual(['ann', 'bob']);
    const split = (await (await fetch(`${server.http}/api/boards/${BOARD}/sessions?gap=1`)).json()) as { sessions: unknown[] };
    expect(split.sessions.length).toBeGreaterThan(1);
  });

  it('forks: a new board starting from the board as it was at a moment', async () => {
    const t = history.find((r) => r.op.k === 'undo')!.ts - 1; // before Bob's undo: all four strokes
    const res = await fetch(`${server.http}/api/boards/${BOARD}/fork`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ at: t }),
    });
    expect(res.status).toBe(201);
    const { board, url } = (await res.json()) as { board: string; url: string };
    expect(url).toBe(`/b/${board}`);
    const cat = webClient(server.ws, board, 'cat');
    await cat.live();
    const then = foldRecords(history.filter((r) => r.ts <= t));
    const visible = (strokes: Iterable<{ id: string; chunks: string[]; user: string; color: string; undone: boolean; hiddenBy: number[] }>) =>
      [...strokes].filter((s) => !s.undone && s.hiddenBy.length === 0).map((s) => ({ id: s.id, chunks: s.chunks, user: s.user, color: s.color }));
    expect(visible(cat.state.strokes.values())).toEqual(visible(then.strokes.values()));
    expect(visible(cat.state.strokes.values())).toHaveLength(4);
    cat.close();
    // The original board is untouched.
    expect(await readAll(server.log, BOARD)).toEqual(history);
  });

  it('refuses bad requests with a reason', async () => {
    expect((await fetch(`${server.http}/api/boards/${BOARD}/replay?from=-5`)).status).toBe(400);
    expect((await fetch(`${server.http}/api/boards/${BOARD}/replay?from=10&to=5`)).status).toBe(400);
    expect((await fetch(`${server.http}/api/boards/bad%20id/sessions`)).status).toBe(400);
    const fork = await fetch(`${server.http}/api/boards/${BOARD}/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(fork.status).toBe(400);
  });
});

describe('Kafka replay housekeeping', () => {
  it('leaves no consumer group behind', async () => {
    const admin = new Kafka({ brokers: [brokers], clientId: 'replay-groups' }).admin();
    await admin.connect();
    try {
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(kafkaGroupPrefix));
      expect(groups).toEqual([]); // neither read groups nor, after shutdown, the fan-out group
    } finally {
      await admin.disconnect();
    }
  });
});
