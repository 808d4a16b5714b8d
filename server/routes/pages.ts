import { randomBytes } from 'node:crypto';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { isValidBoardId } from '../protocol/validate.ts';

/** A fresh, unguessable board id (URL-safe). */
export function newBoardId(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * The web app: `/` is the home page (this browser's recent boards), `/new`
 * opens a new board, `/b/<id>` serves the app for a board, everything else
 * under `/` is the built bundle.
 */
export async function pageRoutes(app: FastifyInstance, webRoot: string): Promise<void> {
  await app.register(fastifyStatic, { root: webRoot, index: false, wildcard: true });
  app.get('/', async (_req, reply) => reply.type('text/html').sendFile('home.html'));
  app.get('/new', async (_req, reply) => reply.redirect(`/b/${newBoardId()}`));
  app.get<{ Params: { board: string } }>('/b/:board', async (req, reply) => {
    if (!isValidBoardId(req.params.board)) {
      return reply.code(404).type('text/plain').send('No such board: board ids are 1-64 characters of A-Z a-z 0-9 _ -');
    }
    return reply.type('text/html').sendFile('index.html');
  });
  app.get<{ Params: { board: string } }>('/b/:board/replay', async (req, reply) => {
    if (!isValidBoardId(req.params.board)) return reply.code(404).type('text/plain').send('No such board');
    return reply.type('text/html').sendFile('replay.html');
  });
}
