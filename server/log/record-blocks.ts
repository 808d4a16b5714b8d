/**
 * How the embedded log packs a board's records: BLOCK_RECORDS consecutive
 * records in one value, compressed together.
 *
 * Why blocks: a record is small (2-4 points, about 75 bytes) and says much
 * of what its neighbours say (the same authors, pages, ids, a timestamp a
 * few ms on). Alone it does not compress; 256 of them compress about 8x
 * with Brotli, to about 14 bytes a record (BENCHMARKS.md, "Storage"). One
 * value per block also saves LMDB's per-entry overhead.
 *
 * A block is written once, when its last record is durable, and never
 * changed. Block n holds positions [n * BLOCK_RECORDS, (n + 1) *
 * BLOCK_RECORDS), so the block of a position is found without a lookup,
 * and a timestamp by a binary search over the blocks' headers.
 *
 * Layout: a 20-byte header, then Brotli of the records as a JSON array.
 *   0  u8   format (1)
 *   1  u8   reserved
 *   2  u16  record count (little-endian)
 *   4  f64  timestamp of the first record
 *   12 f64  timestamp of the last record
 */
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompressSync, constants } from 'node:zlib';
import type { LogRecord } from '../protocol/messages.ts';

/** A record as the embedded log stores it: without its board and position (the key says them). */
export type StoredBody = Omit<LogRecord, 'board' | 'pos'>;

export const BLOCK_RECORDS = 256;
const FORMAT = 1;
const HEADER = 20;

const compress = promisify(brotliCompress);

/**
 * Quality 5: within 1% of the best ratio on real boards at a tenth of the
 * time of quality 9; runs on libuv's thread pool, off the event loop.
 */
export async function encodeBlock(bodies: readonly StoredBody[]): Promise<Buffer> {
  const json = Buffer.from(JSON.stringify(bodies));
  const packed = await compress(json, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: json.length } });
  const header = Buffer.alloc(HEADER);
  header.writeUInt8(FORMAT, 0);
  header.writeUInt16LE(bodies.length, 2);
  header.writeDoubleLE(bodies[0]!.ts, 4);
  header.writeDoubleLE(bodies[bodies.length - 1]!.ts, 12);
  return Buffer.concat([header, packed]);
}

/** The block's records, oldest first. Throws on a value that is not a block of this format. */
export function decodeBlock(bytes: Uint8Array): StoredBody[] {
  return JSON.parse(blockText(bytes).toString('utf8')) as StoredBody[];
}

/** The block's records as the JSON text they were packed from: searched without parsing. */
export function blockText(bytes: Uint8Array): Buffer {
  if (bytes.length < HEADER || bytes[0] !== FORMAT) throw new Error('not a record block of a known format');
  return brotliDecompressSync(bytes.subarray(HEADER));
}

/** The timestamp of the block's last record, read from its header alone. */
export function lastTsOf(bytes: Uint8Array): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readDoubleLE(12);
}

/** The first block position of the block holding `pos`. */
export function blockStart(pos: number): number {
  return pos - (pos % BLOCK_RECORDS);
}
