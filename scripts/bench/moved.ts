/**
 * What a page pays for landing on an instance that does not own its board
 * (partition ownership): the time from opening the socket to `synced`,
 * straight at the owner against through the other instance, which answers
 * `moved` (docs/scaling.md). Trials alternate; medians.
 *
 *   npx tsx scripts/bench/moved.ts [--trials 40]
 *
 * KAFKA_BROKERS, or a broker started by scripts/kafka-local.ts. Two
 * instances in this process, on a fresh topic, as server/main.ts builds
 * them with KAFKA_PLACEMENT=ownership.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import WebSocket from 'ws';
import { buildApp } from '../../server/app.ts';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { partitionFinder } from '../../server/log/kafka/record-format.ts';
import { DEFAULT_PARTITIONS } from '../../server/log/kafka/settings.ts';
import { PROTOCOL_VERSION } from '../../server/protocol/messages.ts';
import { benchBrokers, freePort } from '../kafka-local.ts';
import { median } from './standard-load.ts';

const { values: args } = parseArgs({ options: { trials: { type: 'string', default: '40' } } });
const trials = Number(args.trials);
const deadline = setTimeout(() => {
  process.stderr.write('over the deadline: stopping\n');
  process.exit(1);
}, 300_000);
deadline.unref();

const { brokers, local } = await benchBrokers();
const topic = `bench-moved-${randomBytes(4).toString('hex')}`;
const logger = pino({ level: 'warn' });
const webRoot = fileURLToPath(new URL('../../web/dist', import.meta.url));

async function instance(name: string) {
  const port = await freePort();
  const settings = { brokers: brokers.split(','), clientId: `bench-${name}`, topic, partitions: DEFAULT_PARTITIONS, replicationFactor: 1, groupPrefix: `bench-${topic}-${name}`, ssl: false };
  const log = await KafkaLog.open(settings, logger, { mode: 'ownership', publicUrl: `http://127.0.0.1:${port}` });
  const app = await buildApp({ log, logger, webRoot });
  await app.listen({ host: '127.0.0.1', port });
  return { ws: `ws://127.0.0.1:${port}`, log, close: async () => (await app.close(), await log.close()) };
}

/** Opens the board's socket at `url`, follows `moved`, and resolves with the ms until `synced` and the moves taken. */
function join(url: string, board: string): Promise<{ ms: number; moves: number }> {
  const started = performance.now();
  let moves = 0;
  return new Promise((resolve, reject) => {
    const open = (at: string) => {
      const socket = new WebSocket(at);
      socket.on('error', reject);
      socket.on('open', () => socket.send(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, user: 'bench', cid: randomBytes(6).toString('hex'), name: 'bench' })));
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        const message = JSON.parse(data.toString()) as { t: string; url?: string };
        if (message.t === 'moved') {
          moves++;
          socket.terminate();
          open(message.url!);
        } else if (message.t === 'synced') {
          socket.terminate();
          resolve({ ms: performance.now() - started, moves });
        }
      });
    };
    open(`${url}/ws/${board}`);
  });
}

const [a, b] = [await instance('a'), await instance('b')];
try {
  await new Promise((r) => setTimeout(r, 3_000)); // both in the group, the map settled
  const partitionOf = partitionFinder(topic, DEFAULT_PARTITIONS);
  const owned = a.log.placement!.view.mine;
  const boards = Array.from({ length: 400 }, (_, i) => `moved-${i}`).filter((board) => owned.includes(partitionOf(board))).slice(0, 5);
  // Boards loaded at the owner (someone is on them), as a class's board is when the next page opens it.
  for (const board of boards) await join(a.ws, board);
  const direct: number[] = [];
  const moved: number[] = [];
  for (let i = 0; i < trials; i++) {
    const board = boards[i % boards.length]!;
    const first = i % 2 === 0;
    for (const via of first ? ['owner', 'other'] : ['other', 'owner']) {
      const result = await join(via === 'owner' ? a.ws : b.ws, board);
      if (via === 'owner') direct.push(result.ms);
      else if (result.moves === 1) moved.push(result.ms);
      else throw new Error(`a page through the other instance took ${result.moves} moves`);
    }
  }
  const row = (name: string, xs: number[]) => `| ${name} | ${median(xs).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`;
  console.log(`\n${trials} trials each, alternating; ms from opening the socket to synced (a loaded board)\n`);
  console.log('| page opens the board at | median ms | max ms |\n| --- | ---: | ---: |');
  console.log(row('its owner', direct));
  console.log(row('the other instance (moved once)', moved));
  console.log(`\nmoved ÷ direct: ${(median(moved) / median(direct)).toFixed(2)}×, +${(median(moved) - median(direct)).toFixed(1)} ms`);
} finally {
  await b.close();
  await a.close();
  await local?.stop(5_000);
}
