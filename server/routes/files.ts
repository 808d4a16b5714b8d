/**
 * Pictures on boards over HTTP:
 *   POST /api/boards/:board/files   the bytes of a PNG, JPEG, WebP or GIF;
 *                                   answers the stored file's description
 *   GET  /files/:hash               a stored file, by the SHA-256 of its bytes
 *
 * An upload needs the board's edit link (its key in `x-edit-key`, as the
 * socket's hello carries it), is checked and encoded again
 * (files/image-intake.ts), and counts against the address's uploads per
 * hour, the board's bytes of files and the disk's free space. The page then
 * adds an image element naming the hash: the log never holds the bytes.
 * Files are immutable, so they are served with a year of caching.
 */
import type { FastifyInstance } from 'fastify';
import { FILE_HASH_PATTERN, VARIANT_SIDES, type FileStore } from '../files/file-store.ts';
import { intakeImage, IntakeError } from '../files/image-intake.ts';
import type { BoardState } from '../board/state.ts';
import { loadBoard } from '../history/load-board.ts';
import type { BoardLog } from '../log/board-log.ts';
import { canDraw, ID_PATTERN } from '../protocol/messages.ts';
import { PerAddress } from '../quotas/per-address.ts';
import type { Quotas } from '../quotas/quotas.ts';
import { TokenBucket } from '../quotas/token-bucket.ts';
import { keysOf, roleOn } from '../rooms/roles.ts';


export type FileRouteOptions = {
  quotas: Quotas;
  storageProblem(): string | null;
  /** A board's state when a room has it loaded in this process. */
  loadedState(board: string): BoardState | null;
};

const YEAR_S = 365 * 24 * 3600;

export async function fileRoutes(app: FastifyInstance, log: BoardLog, options: FileRouteOptions): Promise<void> {
  const { quotas } = options;
  const files: FileStore = log.files;
  const uploads = new PerAddress(() => new TokenBucket(quotas.uploadsPerHour / 3600, quotas.uploadsPerHour));

  await app.register(async (scope) => {
    // Any body is taken as bytes: what it is, the bytes say, not its Content-Type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: quotas.maxFileBytes + 1 }, (_req, body, done) => done(null, body));

    scope.post<{ Params: { board: string }; Body: Buffer }>(
      '/api/boards/:board/files',
      {
        bodyLimit: quotas.maxFileBytes + 1,
        schema: { params: { type: 'object', required: ['board'], properties: { board: { type: 'string', pattern: ID_PATTERN.source } } } },
        errorHandler: (err, _req, reply) => {
          const tooLarge = (err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE';
          void reply.code(tooLarge ? 413 : (err.statusCode ?? 500)).send({ error: tooLarge ? `the file is larger than ${quotas.maxFileBytes / 2 ** 20} MB` : err.message });
        },
      },
      async (req, reply) => {
        const { board } = req.params;
        const storage = options.storageProblem();
        if (storage) return reply.code(507).send({ error: storage });
        const header = (name: string) => (typeof req.headers[name] === 'string' && ID_PATTERN.test(req.headers[name]) ? req.headers[name] : undefined);
        const state = options.loadedState(board) ?? (await loadBoard(log, board, { logger: req.log })).state;
        if (!canDraw(roleOn(state, keysOf(header('x-edit-key'), header('x-owner-key'))))) {
          return reply.code(403).send({ error: 'this link only views the board: pictures need its edit link' });
        }
        if (!Buffer.isBuffer(req.body)) return reply.code(400).send({ error: 'send the file as the request body' });
        const bucket = uploads.get(req.ip);
        if (!bucket.trySpend(1)) {
          const seconds = Math.ceil(bucket.waitFor(1) / 1_000);
          return reply.code(429).header('retry-after', String(seconds)).send({ error: `too many uploads from your address; try again in ${seconds} s` });
        }
        let file;
        try {
          file = await intakeImage(req.body, { maxBytes: quotas.maxFileBytes, maxInputPixels: quotas.maxImagePixels, maxSide: quotas.maxImageSide });
        } catch (err) {
          if (err instanceof IntakeError) return reply.code(err.status).send({ error: err.message });
          throw err;
        }
        const onBoard = await files.boardFiles(board);
        const bytes = [...onBoard.values()].reduce((sum, b) => sum + b, 0);
        const adding = [file, ...file.variants].filter((f) => !onBoard.has(f.info.hash)).reduce((sum, f) => sum + f.info.bytes, 0);
        if (adding > 0 && bytes + adding > quotas.maxBoardFileBytes) {
          return reply.code(413).send({ error: `the board's pictures would take more than ${quotas.maxBoardFileBytes / 2 ** 20} MB` });
        }
        // The smaller copies first: a file is served once its description is stored, and it names them.
        for (const variant of file.variants) await files.put(board, variant.info, variant.data);
        await files.put(board, file.info, file.data);
        return reply.code(201).send(file.info);
      },
    );
  });

  // `side`: its smaller copy of that long side, if it has one (a page drawing it small), else the file itself.
  app.get<{ Params: { hash: string }; Querystring: { side?: string } }>('/files/:hash', async (req, reply) => {
    const { hash } = req.params;
    if (!FILE_HASH_PATTERN.test(hash)) return reply.code(404).send({ error: 'no such file' });
    const side = req.query.side;
    const copy = side !== undefined && (VARIANT_SIDES as readonly number[]).includes(Number(side)) ? (await files.info(hash))?.variants?.[String(Number(side))] : undefined;
    const served = copy !== undefined && FILE_HASH_PATTERN.test(copy) ? copy : hash;
    if (req.headers['if-none-match'] === `"${served}"`) return reply.code(304).send();
    const file = await files.get(served);
    if (!file) return reply.code(404).send({ error: 'no such file' });
    return reply
      .type(file.info.type)
      .header('cache-control', `public, max-age=${YEAR_S}, immutable`)
      .header('etag', `"${served}"`)
      .header('x-content-type-options', 'nosniff')
      // A picture opened on its own runs nothing and loads nothing.
      .header('content-security-policy', "default-src 'none'; img-src 'self'; sandbox")
      .send(file.data);
  });
}
