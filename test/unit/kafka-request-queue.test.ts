/**
 * kafkajs's request queue with our fix (request-queue-fix.ts): no timer
 * while nothing is held back, and what is held back (throttled, too many
 * in flight) still goes out. The queue is kafkajs's own class; requests
 * are recorded instead of written to a socket.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { installRequestQueueFix } from '../../server/log/kafka/request-queue-fix.ts';

interface Queue {
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  push(request: { entry: { correlationId: number; resolve(): void; reject(): void }; expectResponse: boolean; sendRequest(): void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}

const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as new (options: object) => Queue;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function queue(maxInFlightRequests: number | null = null) {
  installRequestQueueFix();
  const sent: number[] = [];
  const q = new RequestQueue({ maxInFlightRequests, requestTimeout: 10_000, enforceRequestTimeout: false, clientId: 't', broker: 'b:1', logger: silent });
  const push = (correlationId: number) => q.push({ entry: { correlationId, resolve() {}, reject() {} }, expectResponse: true, sendRequest: () => sent.push(correlationId) });
  const answer = (correlationId: number) => q.fulfillRequest({ correlationId, payload: Buffer.alloc(0), size: 0 });
  return { q, sent, push, answer };
}

describe('kafkajs request queue, fixed', () => {
  it('sets no timer once a request is answered and nothing waits (kafkajs 2.2.4 set a 1 ms one, again and again)', () => {
    const { q, sent, push, answer } = queue();
    push(1);
    expect(sent).toEqual([1]);
    answer(1);
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('sends a request held back by the broker\'s throttle when the throttle ends', async () => {
    const { q, sent, push } = queue();
    q.maybeThrottle(40);
    const at = Date.now();
    push(1);
    expect(sent).toEqual([]);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    await expect.poll(() => sent, { timeout: 2_000, interval: 5 }).toEqual([1]);
    expect(Date.now() - at).toBeGreaterThanOrEqual(35);
    expect(q.pending).toEqual([]);
    q.destroy();
  });

  it('sends requests held back by the in-flight limit as the ones before them are answered, in order', async () => {
    const { q, sent, push, answer } = queue(1);
    push(1);
    push(2);
    push(3);
    expect(sent).toEqual([1]);
    answer(1);
    expect(sent).toEqual([1, 2]);
    answer(2);
    expect(sent).toEqual([1, 2, 3]);
    answer(3);
    // The check set while 2 and 3 waited runs once, finds nothing, and sets no other.
    await new Promise((r) => setTimeout(r, 30));
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });
});
