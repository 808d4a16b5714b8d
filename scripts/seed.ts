/**
 * `npm run seed -- --board <id> --points <n>`: writes a realistic board
 * (scripts/seed/realistic-board.ts) into the log the server uses, opened
 * from the same settings as `npm start` (DATA_DIR, or KAFKA_*).
 */
import { parseArgs } from 'node:util';
import { configFromEnv } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { openLog } from '../server/log/open-log.ts';
import { ID_PATTERN } from '../server/protocol/messages.ts';
import { seedBoard } from './seed/realistic-board.ts';
import { storeBoardState } from './seed/store-state.ts';

const HELP = `Usage: npm run seed -- --board <id> --points <n> [options]

Writes a board drawn as a room of people draws: several authors, strokes of
20-200 points in records of 2-4 points, colours, widths, pressure pens, undo
and erase, spread over a simulated session. The same --seed gives the same
board. It writes into the log \`npm start\` would use: the embedded log in
DATA_DIR (default ./data), or Kafka when KAFKA_BROKERS is set (and the other
KAFKA_* settings). The board must not exist yet. On the embedded log it then
stores the board's state, as the server does after loading a board. Seed the
embedded log while the server is stopped: a running server would not see the
new records of a board it has loaded until it loads it again.

Options:
  --board <id>      board id (letters, digits, - and _; at most 64)
  --points <n>      points to draw in all
  --seed <n>        random seed (default 1)
  --minutes <n>     length of the simulated session (default 60)
  --users <n>       authors (default: 6 to 30, chosen by the seed)
  --width <n>       width of the canvas region, world units (default 4000)
  --start <time>    session start, ISO time or epoch ms (default: ending now)
  --in-flight <n>   appends in flight at once (default 20000)
  --elements <n>    element operations among the ink: shapes, arrows stuck to
                    them, lines, sticky notes and text, some moved or
                    recoloured (default 0)

Timestamps: the embedded log stamps each record with its simulated time in
the session. Kafka stamps records itself when it appends them (the topic
uses LogAppendTime), so on Kafka the board's timestamps are those of this
run, a few seconds apart, and replay and drawing sessions show it so.
`;

const { values: args } = parseArgs({
  options: {
    board: { type: 'string' },
    points: { type: 'string' },
    seed: { type: 'string', default: '1' },
    minutes: { type: 'string', default: '60' },
    users: { type: 'string' },
    width: { type: 'string', default: '4000' },
    start: { type: 'string' },
    'in-flight': { type: 'string', default: '20000' },
    elements: { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}`);
  process.exit(2);
}

function positive(name: string, raw: string | undefined, min = 1): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isSafeInteger(n) || n < min) fail(`--${name} must be an integer of at least ${min}, got ${raw}`);
  return n;
}

if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
if (!args.board || !ID_PATTERN.test(args.board)) fail(`--board must be a board id (${ID_PATTERN.source}), got ${args.board}`);
const board = args.board;
const points = positive('points', args.points);
const seedNumber = positive('seed', args.seed, 0);
const minutes = positive('minutes', args.minutes);
const users = args.users === undefined ? undefined : positive('users', args.users);
const width = positive('width', args.width, 100);
const elements = positive('elements', args.elements, 0);
const inFlight = positive('in-flight', args['in-flight']);
const start = args.start === undefined ? undefined : /^\d+$/.test(args.start) ? Number(args.start) : Date.parse(args.start);
if (start !== undefined && !Number.isFinite(start)) fail(`--start must be an ISO time or epoch milliseconds, got ${args.start}`);

const config = configFromEnv();
const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
// The embedded log reads this clock at each append; seedBoard sets it to the record's simulated time.
let simulated = Date.now();
const log = await openLog(config, logger, { now: () => simulated });
try {
  await seed();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  await log.close();
}

async function seed(): Promise<void> {
  for await (const page of log.read(board, 0)) {
    if (page.length > 0) throw new Error(`board ${board} already has records; seed a new board id`);
  }
  const started = performance.now();
  const summary = await seedBoard(log, board, {
    points,
    seed: seedNumber,
    minutes,
    width,
    inFlight,
    elements,
    ...(users === undefined ? {} : { users }),
    ...(start === undefined ? {} : { start }),
    stamp: (ts) => (simulated = ts),
    ...(process.stderr.isTTY ? { progress: (records: number) => process.stderr.write(`  ${records.toLocaleString('en')} records\r`) } : {}),
  });
  if (process.stderr.isTTY) process.stderr.write('\x1b[2K');
  const seconds = (performance.now() - started) / 1_000;
  const stored = await storeBoardState(log, board);
  const iso = (ts: number) => new Date(ts).toISOString();
  const span = (summary.lastTs - summary.firstTs) / 60_000;
  const where = config.kafka ? `Kafka topic ${config.kafka.topic} (${config.kafka.brokers.join(',')})` : `embedded log in ${config.dataDir}`;
  console.log(`Seeded board ${board} in the ${where}:
  records   ${summary.records.toLocaleString('en')}
  points    ${summary.points.toLocaleString('en')}
  strokes   ${summary.strokes.toLocaleString('en')} (${summary.pressureStrokes.toLocaleString('en')} with pressure, ${summary.precisionStrokes.toLocaleString('en')} drawn zoomed in)
  actions   ${summary.undos} undo, ${summary.redos} redo, ${summary.erases} erase
  elements  ${summary.elements.toLocaleString('en')} operations (shapes, arrows, notes, text, moves)
  authors   ${summary.authors.length}: ${summary.authors.map((a) => `${a.name} (${a.strokes})`).join(', ')}
  time span ${iso(summary.firstTs)} to ${iso(summary.lastTs)} (${span.toFixed(1)} min)
  written in ${seconds.toFixed(1)} s (${Math.round(summary.records / seconds).toLocaleString('en')} records/s), seed ${seedNumber}
  stored    ${stored}`);
}
