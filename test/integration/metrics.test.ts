/**
 * What an operator's Prometheus sees: a real server, a scripted session on
 * real sockets, then /metrics read by a strict parser of the text format.
 * The metrics port, the public port's token, the entry point's wiring, and
 * on Kafka the fan-out's lag and stored states.
 */
import { randomBytes } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { startMetricsServer } from '../../server/metrics/metrics-server.ts';
import { Metrics } from '../../server/metrics/metrics.ts';
import { ERROR } from '../../server/protocol/messages.ts';
import { DiskGuard } from '../../server/quotas/disk-guard.ts';
import { editKeyHash } from '../../server/rooms/roles.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { converged, rawSocket, webClient, type TestClient } from '../support/board-client.ts';
import { parsePrometheusText, sampleValue, type Family } from '../support/prometheus-text.ts';
import { freePort, kafkaTestSettings, ServerProcess, startServer, tempDir, type RunningServer } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const silent = pino({ level: 'silent' });
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function join(server: RunningServer, board: string, name: string, key?: string): TestClient {
  const client = webClient(server.ws, board, name, name, key);
  cleanup.push(() => client.close());
  return client;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const response = await fetch(`${url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

/** Samples of a histogram's _count, summed over its series. */
const observations = (families: Map<string, Family>, name: string) => sampleValue(families, `${name}_count`);

describe('metrics', () => {
  it('count a session on the metrics port: operations, refusals, bytes, latencies, boards and clients by role', async () => {
    const metrics = new Metrics();
    const diskGuard = await DiskGuard.start(tmpdir(), 0, silent);
    cleanup.push(() => diskGuard.close());
    // Four sockets from this one address; a fifth is turned away by the quota.
    const server = await startServer(undefined, { metrics, diskGuard, quotas: { maxConnectionsPerIp: 4 } });
    cleanup.push(() => server.close());
    const listener = await startMetricsServer(metrics, { host: '127.0.0.1', port: 0 }, silent);
    cleanup.push(() => listener.close());

    const board = 'metered';
    const key = randomBytes(18).toString('base64url');
    const ann = join(server, board, 'ann', key);
    await ann.live();
    ann.send({ k: 'claim' });
    await expect.poll(() => ann.state.editKey).toBe(editKeyHash(key));
    const bob = join(server, board, 'bob', key);
    await bob.live();
    ann.stroke();
    bob.stroke();
    await converged([ann, bob]);

    // A watcher without the key tries to draw: refused once, as view-only.
    const viewer = await rawSocket(server.ws, board);
    cleanup.push(() => viewer.socket.close());
    await viewer.hello();
    viewer.op(1, { k: 'clear' });
    expect(await viewer.next((m) => m.t === 'error' && m.s === 1)).toMatchObject({ code: ERROR.viewOnly });

    // A late joiner is sent the board.
    const carol = join(server, board, 'carol', key);
    await carol.live();
    await converged([ann, bob, carol]);
    const turnedAway = await rawSocket(server.ws, board);
    expect((await turnedAway.closed).code).toBe(4429);

    const appended = (await readAll(server.log, board)).length;
    expect(appended).toBe(7); // the claim and two strokes of three operations
    const m = await scrape(listener.url);
    expect(sampleValue(m, 'logboard_ops_admitted_total')).toBe(appended);
    expect(sampleValue(m, 'logboard_ops_refused_total', { code: ERROR.viewOnly })).toBe(1);
    expect(sampleValue(m, 'logboard_ops_refused_total', { code: ERROR.badMessage })).toBe(0);
    expect(sampleValue(m, 'logboard_appends_failed_total')).toBe(0);
    expect(observations(m, 'logboard_append_duration_seconds')).toBe(appended);
    expect(sampleValue(m, 'logboard_append_duration_seconds_sum')).toBeGreaterThan(0);
    // Every record went out to the board's clients, each timed once.
    expect(observations(m, 'logboard_fanout_duration_seconds')).toBe(appended);
    expect(observations(m, 'logboard_board_load_duration_seconds')).toBe(1);
    expect(sampleValue(m, 'logboard_boards_loaded')).toBe(1);
    expect(sampleValue(m, 'logboard_clients', { role: 'editor' })).toBe(3);
    expect(sampleValue(m, 'logboard_clients', { role: 'viewer' })).toBe(1);
    expect(sampleValue(m, 'logboard_clients', { role: 'owner' })).toBe(0);
    expect(sampleValue(m, 'logboard_socket_received_bytes_total')).toBeGreaterThan(0);
    // Four pages were each sent the board's records: more bytes out than in.
    expect(sampleValue(m, 'logboard_socket_sent_bytes_total')).toBeGreaterThan(sampleValue(m, 'logboard_socket_received_bytes_total'));
    expect(sampleValue(m, 'logboard_quota_throttles_total', { quota: 'connections_per_ip' })).toBe(1);
    expect(sampleValue(m, 'logboard_quota_throttles_total', { quota: 'write_points' })).toBe(0);
    const { bavail, bsize } = await statfs(tmpdir());
    expect(sampleValue(m, 'logboard_disk_free_bytes') / (bavail * bsize)).toBeCloseTo(1, 1);
    // Not on the embedded log.
    expect(m.get('logboard_kafka_fanout_lag')?.samples).toEqual([]);
    // The process's own, as prom-client names them.
    expect(sampleValue(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(m.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    for (const family of m.values()) expect(family.help, family.name).not.toBeNull();

    // Everyone leaves: no clients, the board stays loaded a while for a reload.
    for (const c of [ann, bob, carol]) c.close();
    viewer.socket.close();
    await expect.poll(async () => sampleValue(await scrape(listener.url), 'logboard_clients', { role: 'editor' })).toBe(0);
  });

  it('on the public port: 404 without METRICS_TOKEN; with it, 401 without or with a wrong bearer, 200 with the right one', async () => {
    const open = await startServer();
    cleanup.push(() => open.close());
    expect((await fetch(`${open.http}/metrics`)).status).toBe(404);

    const token = randomBytes(24).toString('base64url');
    const guarded = await startServer(undefined, { metricsToken: token });
    cleanup.push(() => guarded.close());
    const absent = await fetch(`${guarded.http}/metrics`);
    expect(absent.status).toBe(401);
    expect(absent.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(`${guarded.http}/metrics`, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    expect((await fetch(`${guarded.http}/metrics`, { headers: { authorization: token } })).status).toBe(401);
    const m = await scrape(guarded.http, { authorization: `Bearer ${token}` });
    expect(sampleValue(m, 'logboard_boards_loaded')).toBe(0);
  });

  it('the entry point serves them on METRICS_PORT, not on the public port, and logs JSON when stdout is no terminal', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const metricsPort = await freePort();
    const server = new ServerProcess(await freePort(), dir.path, { METRICS_PORT: String(metricsPort), KAFKA_BROKERS: '' });
    cleanup.push(() => server.stop('SIGTERM'));
    await server.start();
    const ann = webClient(server.ws, 'entry', 'ann');
    cleanup.push(() => ann.close());
    await ann.live();
    ann.stroke();
    await converged([ann]);

    const m = await scrape(`http://127.0.0.1:${metricsPort}`);
    expect(sampleValue(m, 'logboard_ops_admitted_total')).toBe(3);
    expect(sampleValue(m, 'logboard_disk_free_bytes')).toBeGreaterThan(0);
    expect((await fetch(`${server.http}/metrics`)).status).toBe(404);
    const lines = server.output.trim().split('\n');
    const parsed = lines.map((line) => JSON.parse(line) as { msg?: string; url?: string });
    expect(parsed.find((l) => l.msg === 'metrics listening')?.url).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
  });

  it('on Kafka: the fan-out lag per partition, back to 0 after a session, and stored states with their bytes', async () => {
    const topic = `metrics-${randomBytes(6).toString('hex')}`;
    // A state stored every few offsets, so that a short session stores one.
    const log = await KafkaLog.open({ ...kafkaTestSettings(brokers, topic, 'metrics'), snapshotEvery: 4 }, silent);
    const metrics = new Metrics();
    const server = await startServer(log, { metrics });
    cleanup.push(() => server.close());
    const listener = await startMetricsServer(metrics, { host: '127.0.0.1', port: 0 }, silent);
    cleanup.push(() => listener.close());

    const ann = join(server, 'lagged', 'ann');
    const bob = join(server, 'lagged', 'bob');
    await Promise.all([ann.live(), bob.live()]);
    for (let i = 0; i < 3; i++) {
      ann.stroke();
      bob.stroke();
    }
    await converged([ann, bob]);

    const settled = async () => {
      const m = await scrape(listener.url);
      const lag = m.get('logboard_kafka_fanout_lag')!.samples.map((s) => [s.labels.partition, s.value]);
      return { lag, stored: sampleValue(m, 'logboard_stored_states_total'), m };
    };
    await expect.poll(async () => (await settled()).lag.sort()).toEqual([['0', 0], ['1', 0], ['2', 0]]);
    await expect.poll(async () => (await settled()).stored).toBeGreaterThanOrEqual(1);
    const { m } = await settled();
    expect(sampleValue(m, 'logboard_stored_state_bytes_total')).toBeGreaterThan(0);
    expect(sampleValue(m, 'logboard_ops_admitted_total')).toBe(18);
    expect(observations(m, 'logboard_append_duration_seconds')).toBe(18);
    // Timed from the broker's stamp: each record, once.
    expect(observations(m, 'logboard_fanout_duration_seconds')).toBe(18);
    // Appends made while a request is out share the next one: at least one request, never more than appends.
    expect(sampleValue(m, 'logboard_kafka_produce_requests_total')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'logboard_kafka_produce_requests_total')).toBeLessThanOrEqual(18);
    // Kafka keeps its own disks: no gauge that would read as a full one.
    expect(m.has('logboard_disk_free_bytes')).toBe(false);
  });
});
