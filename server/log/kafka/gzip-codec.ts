/**
 * kafkajs's gzip codec, made cheap for the small batches a live board
 * writes and reads.
 *
 * kafkajs compresses with the promisified `zlib.gzip`: each call builds a
 * zlib stream and hops to libuv's thread pool and back. For a batch of a
 * few kilobytes (a produce request while people draw, a fan-out fetch)
 * that overhead is most of the cost: 150 µs of CPU against 30 µs done in
 * place, and 90 against 21 µs to decompress (BENCHMARKS.md, "gzip in
 * place"). Small buffers are therefore (de)compressed synchronously; large
 * ones (a catch-up read of a long board) still go to the thread pool so
 * that the event loop is not held for milliseconds. Same format, same
 * level: what is on the topic does not change.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
// kafkajs is CommonJS whose exports Node cannot all name: its table is read off the default export.
import kafkajs from 'kafkajs';

/** Up to this many bytes in, a buffer is (de)compressed in place: well under a millisecond. */
export const IN_PLACE_MAX_BYTES = 64 * 1024;

/** kafkajs's CompressionTypes.GZIP. */
const GZIP = 1;

const gzipAsync = promisify(zlib.gzip);
const unzipAsync = promisify(zlib.unzip);

/** The codec's two operations, as kafkajs calls them (an encoder holding the batch, a compressed buffer). */
export const gzipCodec = {
  async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
    const input = encoder.buffer;
    return input.length <= IN_PLACE_MAX_BYTES ? zlib.gzipSync(input) : gzipAsync(input);
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return buffer.length <= IN_PLACE_MAX_BYTES ? zlib.unzipSync(buffer) : unzipAsync(buffer);
  },
};

/** Puts the codec in kafkajs's table, for every client of this process (idempotent). */
export function installGzipCodec(): void {
  (kafkajs.CompressionCodecs as Record<number, () => typeof gzipCodec>)[GZIP] = () => gzipCodec;
}
