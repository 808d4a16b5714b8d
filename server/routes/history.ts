/**
 * A board's history over HTTP:
 *   GET  /api/boards/:board/sessions?gap=ms         drawing sessions
 *   GET  /api/boards/:board/replay?from=ms&to=ms    NDJSON: state, records, end
 *   POST /api/boards/:board/fork {"at": ms}         new board from a moment
 *   GET  /api/boards/:board/export.svg?at=ms        SVG of the board at a moment (&paper=0: without its paper)
 *
 * Each reads a whole board, so each is rate limited per address; a fork
 * also writes one, so it pays in points (quotas/fork-budget.ts), may not
 * exceed a board's size limit and stops when the disk runs low.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { recordWeight } from '../board/weight.ts';
import { exportFileName, picturesOf, svgDocument } from '../history/export-svg.ts';
import { svgFontFace } from '../text/font-file.ts';
import { appendFork, planFork } from '../history/fork.ts';
import { boardAt, replayLines } from '../history/replay.ts';
import { addToSessions, emptySessions, listSessions, SESSION_GAP_MS } from '../board/sessions.ts';
import type { BoardState } from '../board/state.ts';
import { loadBoard } from '../history/load-board.ts';
import type { BoardLog } from '../log/board-log.ts';
import { ID_PATTERN } from '../protocol/messages.ts';
import { ForkBudget } from '../quotas/fork-budget.ts';
import type { Quotas } from '../quotas/quotas.ts';
import { derivedEditKey, editKeyHash, ownerKeyHash } from '../rooms/roles.ts';
import { newBoardId } from './pages.ts';

const boardParams = {
  type: 'object',
  required: ['board'],
  properties: { board: { type: 'string', pattern: ID_PATTERN.source } },
} as const;
const millis = { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000 } as const;

export type HistoryOptions = {
  defaultGapMs: number;
  quotas: Quotas;
  storageProblem(): string | null;
  /** A board's state when a room has it loaded in this process. */
  loadedState?(board: string): BoardState | null;
};

export function historyRoutes(app: FastifyInstance, log: BoardLog, options: HistoryOptions): void {
  const { quotas } = options;
  const rateLimit = { max: quotas.apiRequestsPerMinute, timeWindow: 60_000 };
  const forkBudget = new ForkBudget(quotas.forkPointsPerHour);

  app.get<{ Params: { board: string }; Querystring: { gap?: number } }>(
    '/api/boards/:board/sessions',
    {
      config: { rateLimit },
      schema: { params: boardParams, querystring: { type: 'object', properties: { gap: { ...millis, minimum: 1 } } } },
    },
    async (req) => {
      const { board } = req.params;
      const gapMs = req.query.gap ?? options.defaultGapMs;
      // Every board state holds its sessions at SESSION_GAP_MS: a loaded
      // room's, or a stored state's plus the records after it. A shorter
      // gap needs the whole history.
      if (gapMs >= SESSION_GAP_MS) {
        const state = options.loadedState?.(board) ?? (await loadBoard(log, board, { logger: req.log })).state;
        return { board, gapMs, sessions: listSessions(state.sessions, gapMs) };
      }
      const sessions = emptySessions();
      for await (const page of log.read(board, 0)) for (const rec of page) addToSessions(sessions, rec, gapMs);
      return { board, gapMs, sessions: listSessions(sessions, gapMs) };
    },
  );

  app.get<{ Params: { board: string }; Querystring: { from?: number; to?: number } }>(
    '/api/boards/:board/replay',
    {
      config: { rateLimit },
      schema: { params: boardParams, querystring: { type: 'object', properties: { from: millis, to: millis } } },
    },
    async (req, reply) => {
      const { from = 0, to } = req.query;
      if (to !== undefined && to < from) return reply.code(400).send({ error: 'to must not be before from' });
      const stream = Readable.from(replayLines(log, req.params.board, from, to), { objectMode: false });
      return reply.type('application/x-ndjson').header('cache-control', 'no-store').send(stream);
    },
  );

  app.get<{ Params: { board: string }; Querystring: { at?: number; paper?: 0 | 1 } }>(
    '/api/boards/:board/export.svg',
    {
      config: { rateLimit },
      schema: { params: boardParams, querystring: { type: 'object', properties: { at: millis, paper: { type: 'integer', enum: [0, 1] } } } },
    },
    async (req, reply) => {
      const { board } = req.params;
      const at = req.query.at ?? Date.now();
      const state = await boardAt(log, board, at);
      // The pictures go inside the document, so that it shows them wherever it is opened.
      const pictures = new Map<string, string>();
      for (const hash of picturesOf(state)) {
        const file = await log.files.get(hash);
        if (file) pictures.set(hash, `data:${file.info.type};base64,${file.data.toString('base64')}`);
      }
      // Pulled stroke by stroke as the response drains (history/export-svg.ts).
      const stream = Readable.from(svgDocument(state, { board, at, fontFace: svgFontFace(), pictures, paper: req.query.paper !== 0 }), { objectMode: false });
      return reply
        .type('image/svg+xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${exportFileName(board, at)}"`)
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );

  app.post<{ Params: { board: string }; Body: { at: number } }>(
    '/api/boards/:board/fork',
    {
      config: { rateLimit: { max: quotas.forksPerMinute, timeWindow: 60_000 } },
      schema: {
        params: boardParams,
        body: { type: 'object', required: ['at'], additionalProperties: false, properties: { at: millis } },
      },
    },
    async (req, reply) => {
      const storage = options.storageProblem();
      if (storage) return reply.code(507).send({ error: storage });
      const board = newBoardId();
      // The new board's owner key: handed to whoever forked, never stored (only its hash is); the edit key derives from it.
      const owner = randomBytes(18).toString('base64url');
      const key = derivedEditKey(owner, 0);
      const records = await planFork(log, req.params.board, req.body.at, board, { owner: ownerKeyHash(owner), key: editKeyHash(key) });
      // The drawing must fit a board; the claim and the strokes' ends come on top, so a full board can be forked.
      const drawn = records.reduce((sum, r) => sum + (r.op.k === 'begin' || r.op.k === 'ext' ? recordWeight(r.op) : 0), 0);
      if (drawn > quotas.maxBoardPoints) {
        return reply.code(413).send({ error: `the drawing weighs ${drawn} points, more than a board holds (${quotas.maxBoardPoints})` });
      }
      const points = records.reduce((sum, r) => sum + recordWeight(r.op), 0);
      const waitMs = forkBudget.spend(req.ip, points);
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1_000);
        return reply.code(429).header('retry-after', String(seconds)).send({ error: `too many forks from your address; try again in ${seconds} s` });
      }
      await appendFork(log, records, req.log);
      return reply.code(201).send({ board, url: `/b/${board}`, editUrl: `/b/${board}#edit=${key}`, ownerUrl: `/b/${board}#owner=${owner}`, records: records.length });
    },
  );
}
