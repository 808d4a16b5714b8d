/**
 * The gzip codec our Kafka clients use (gzip-codec.ts): the same gzip as
 * kafkajs's own, done in place for small batches and on the thread pool
 * for large ones. Batches on a real broker go through it in the Kafka
 * contract tests (gzip is the default compression).
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { IN_PLACE_MAX_BYTES, gzipCodec } from '../../server/log/kafka/gzip-codec.ts';
import { kafkaClientConfig } from '../../server/log/kafka/client-config.ts';

/** Records as a board's batch holds them: alike, so that they compress; some random bytes so that a large one stays large. */
function batchOf(bytes: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const part = Buffer.concat([Buffer.from(`{"t":"stroke","board":"b1","seq":${i},"pts":[`), randomBytes(24), Buffer.from(']}')]);
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

describe('Kafka gzip codec', () => {
  for (const bytes of [0, 300, 4_000, IN_PLACE_MAX_BYTES, IN_PLACE_MAX_BYTES + 1, 900_000]) {
    it(`round-trips a ${bytes}-byte batch as plain gzip`, async () => {
      const batch = batchOf(bytes);
      const compressed = await gzipCodec.compress({ buffer: batch });
      // Any Kafka client reads it: it is gzip.
      expect(gunzipSync(compressed).equals(batch)).toBe(true);
      // And ours reads any client's gzip.
      expect((await gzipCodec.decompress(gzipSync(batch))).equals(batch)).toBe(true);
      expect((await gzipCodec.decompress(compressed)).equals(batch)).toBe(true);
    });
  }

  it('is the codec kafkajs uses for gzip once a client of ours is configured', () => {
    kafkaClientConfig({ brokers: ['127.0.0.1:1'], topic: 't', clientId: 'c', groupPrefix: 'g', partitions: 1, replicationFactor: 1, ssl: false });
    const codecs = kafkajs.CompressionCodecs as Record<number, () => unknown>;
    expect(codecs[kafkajs.CompressionTypes.GZIP]!()).toBe(gzipCodec);
  });

  it('rejects bytes that are not gzip, small or large, with an error', async () => {
    await expect(gzipCodec.decompress(Buffer.from('not gzip at all'))).rejects.toThrow();
    await expect(gzipCodec.decompress(randomBytes(IN_PLACE_MAX_BYTES + 10))).rejects.toThrow();
  });
});
