/**
 * A board's history over HTTP:
 *   GET  /api/boards/:board/sessions?gap=ms         drawing sessions
 *   GET  /api/boards/:board/replay?from=ms&to=ms    NDJSON: state, records, end
 *   POST /api/boards/:board/fork {"at": ms}         new board from a moment
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { forkBoard } from '../history/fork.ts';
import { replayLines } from '../history/replay.ts';
import { SessionSplitter } from '../history/sessions.ts';
import type { BoardLog } from '../log/board-log.ts';
import { ID_PATTERN } from '../protocol/messages.ts';
import { newBoardId } from './pages.ts';

const boardParams = {
  type: 'object',
  required: ['board'],
  properties: { board: { type: 'string', pattern: ID_PATTERN.source } },
} as const;
const millis = { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000 } as const;

export function historyRoutes(app: FastifyInstance, log: BoardLog, defaultGapMs: number): void {
  app.get<{ Params: { board: string }; Querystring: { gap?: number } }>(
    '/api/boards/:board/sessions',
    { schema: { params: boardParams, querystring: { type: 'object', properties: { gap: { ...millis, minimum: 1 } } } } },
    async (req) => {
      const gapMs = req.query.gap ?? defaultGapMs;
      const splitter = new SessionSplitter(gapMs);
      for await (const page of log.read(req.params.board, 0)) for (const rec of page) splitter.add(rec);
      return { board: req.params.board, gapMs, sessions: splitter.finish() };
    },
  );

  app.get<{ Params: { board: string }; Querystring: { from?: number; to?: number } }>(
    '/api/boards/:board/replay',
    { schema: { params: boardParams, querystring: { type: 'object', properties: { from: millis, to: millis } } } },
    async (req, reply) => {
      const { from = 0, to } = req.query;
      if (to !== undefined && to < from) return reply.code(400).send({ error: 'to must not be before from' });
      const stream = Readable.from(replayLines(log, req.params.board, from, to), { objectMode: false });
      return reply.type('application/x-ndjson').header('cache-control', 'no-store').send(stream);
    },
  );

  app.post<{ Params: { board: string }; Body: { at: number } }>(
    '/api/boards/:board/fork',
    {
      schema: {
        params: boardParams,
        body: { type: 'object', required: ['at'], additionalProperties: false, properties: { at: millis } },
      },
    },
    async (req, reply) => {
      const board = newBoardId();
      const records = await forkBoard(log, req.params.board, req.body.at, board);
      return reply.code(201).send({ board, url: `/b/${board}`, records });
    },
  );
}
