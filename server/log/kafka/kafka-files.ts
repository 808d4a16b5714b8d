/**
 * Files on boards on Kafka, readable by every instance with nothing else to
 * run, in two compacted topics beside the boards' topic (the same layout as
 * stored board states, kafka-snapshots.ts):
 *
 *   <topic>-files       the bytes, in parts of at most 512 KB (a broker
 *                       takes 1 MB a batch by default), keyed `<hash>#<part>`.
 *   <topic>-file-index  one small JSON value per file, keyed `f/<hash>`:
 *                       its description and where its parts are; and one per
 *                       board and file, keyed `b/<board>/<hash>`: its bytes,
 *                       for the board's upload limit.
 *
 * A file's key is its content's hash, so compaction keeps one copy of each,
 * and two instances storing the same file write the same parts. The index
 * value is written after the parts: a file is readable once its index says
 * so. Every instance reads the whole index at open and follows it live
 * (through the fan-out consumer, kafka-log.ts); a read fetches the parts
 * from their offsets and checks their hash. Recently read files are kept in
 * memory, as pages ask for a board's pictures together.
 */
import { createHash } from 'node:crypto';
import type { KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import { FILE_HASH_PATTERN, FILE_TYPES, type FileInfo, type FileStore } from '../../files/file-store.ts';
import { LogUnavailableError } from '../board-log.ts';
import type { RangeReader } from './range-reader.ts';

export const FILE_INDEX_VERSION = 1;
const PART_BYTES = 512 * 1024;
/** Bytes of recently read files kept in memory. */
const CACHE_BYTES = 64 * 2 ** 20;
/** How long a read of a file not yet in the index waits for it (just stored through another instance). */
const UNKNOWN_WAIT_MS = 3_000;

export type FileTopics = { parts: string; index: string };

export type Entry = { info: FileInfo; first: number; last: number; parts: number };
type IndexValue = ({ kind: 'file' } & Entry) | { kind: 'use'; board: string; hash: string; bytes: number };

function parseIndexValue(value: Buffer | null): IndexValue | null {
  if (!value) return null;
  try {
    const v = JSON.parse(value.toString('utf8')) as { v?: unknown } & Partial<IndexValue> & Record<string, unknown>;
    if (v.v !== FILE_INDEX_VERSION) return null;
    if (v.kind === 'use' && typeof v.board === 'string' && typeof v.hash === 'string' && typeof v.bytes === 'number') return v as IndexValue;
    const info = v.info as FileInfo | undefined;
    if (v.kind === 'file' && info && FILE_HASH_PATTERN.test(info.hash) && (FILE_TYPES as readonly string[]).includes(info.type) && typeof v.first === 'number' && typeof v.last === 'number' && typeof v.parts === 'number') return v as IndexValue;
  } catch {
    // Not ours, or damaged: ignored, as the fold ignores what it cannot read.
  }
  return null;
}

export class KafkaFiles implements FileStore {
  private readonly entries = new Map<string, Entry>();
  private readonly uses = new Map<string, Map<string, number>>();
  private readonly cache = new Map<string, { info: FileInfo; data: Buffer }>();
  private cachedBytes = 0;
  /** Next offset of the index the fan-out will hand over, and reads waiting for it to pass an offset. */
  private indexed = 0;
  private readonly waiting: { offset: number; wake: () => void }[] = [];
  private closed = false;

  constructor(
    private readonly producer: Producer,
    private readonly reader: RangeReader,
    private readonly topics: FileTopics,
    /** The index topic's high watermark now. */
    private readonly indexEnd: () => Promise<number>,
    private readonly logger: Logger,
  ) {}

  /** A batch of the index handed over by the fan-out (ours or another instance's values); malformed values are ignored. */
  indexedBatch(messages: KafkaMessage[], nextOffset: number): void {
    for (const message of messages) {
      if (!message.value && message.key) this.forget(message.key.toString('utf8'));
      const value = parseIndexValue(message.value);
      if (value) this.remember(value);
    }
    this.indexed = nextOffset;
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]!.offset <= nextOffset) this.waiting.splice(i, 1)[0]!.wake();
    }
  }

  /** A tombstone of the index (an erasure, kafka-erase.ts): `f/<hash>` a file is gone, `b/<board>/<hash>` a board's use of it. */
  private forget(key: string): void {
    if (key.startsWith('f/')) {
      const hash = key.slice(2);
      this.entries.delete(hash);
      const cached = this.cache.get(hash);
      if (cached) this.cachedBytes -= cached.data.length;
      this.cache.delete(hash);
    } else if (key.startsWith('b/')) {
      const slash = key.lastIndexOf('/');
      const board = key.slice(2, slash);
      const files = this.uses.get(board);
      files?.delete(key.slice(slash + 1));
      if (files?.size === 0) this.uses.delete(board);
    }
  }

  /** Every file known and every board's files (kafka-erase.ts decides from these which bytes another board keeps). */
  known(): { files: ReadonlyMap<string, Readonly<Entry>>; uses: ReadonlyMap<string, ReadonlyMap<string, number>> } {
    return { files: this.entries, uses: this.uses };
  }

  private remember(value: IndexValue): void {
    if (value.kind === 'file') {
      const { info, first, last, parts } = value;
      this.entries.set(info.hash, { info, first, last, parts });
      return;
    }
    let files = this.uses.get(value.board);
    if (!files) this.uses.set(value.board, (files = new Map()));
    files.set(value.hash, value.bytes);
  }

  async put(board: string, info: FileInfo, data: Buffer): Promise<void> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    const values: { key: string; value: IndexValue }[] = [];
    if (!this.entries.has(info.hash)) {
      const parts = Math.max(1, Math.ceil(data.length / PART_BYTES));
      let first = -1;
      let last = -1;
      let written = 0;
      try {
        // One part per request: a batch may not exceed the topic's max.message.bytes.
        for (; written < parts; written++) {
          const [meta] = await this.producer.send({
            topic: this.topics.parts,
            acks: -1,
            messages: [{ key: `${info.hash}#${written}`, value: data.subarray(written * PART_BYTES, (written + 1) * PART_BYTES), partition: 0 }],
          });
          const offset = Number(meta!.baseOffset);
          if (first < 0) first = offset;
          last = offset;
        }
      } catch (err) {
        // Parts no index names are never read; tombstones let compaction remove them.
        const tombstones = Array.from({ length: written }, (_, i) => ({ key: `${info.hash}#${i}`, value: null, partition: 0 }));
        if (tombstones.length > 0) await this.producer.send({ topic: this.topics.parts, messages: tombstones }).catch(() => undefined);
        throw err;
      }
      values.push({ key: `f/${info.hash}`, value: { kind: 'file', info, first, last, parts } });
    }
    if (this.uses.get(board)?.get(info.hash) === undefined) values.push({ key: `b/${board}/${info.hash}`, value: { kind: 'use', board, hash: info.hash, bytes: info.bytes } });
    if (values.length === 0) return;
    await this.producer.send({
      topic: this.topics.index,
      acks: -1,
      messages: values.map(({ key, value }) => ({ key, value: JSON.stringify({ v: FILE_INDEX_VERSION, ...value }), partition: 0 })),
    });
    for (const { value } of values) this.remember(value);
  }

  async info(hash: string): Promise<FileInfo | null> {
    return (await this.entry(hash))?.info ?? null;
  }

  /** The index entry of a file, waiting briefly for the index when the file is unknown (stored a moment ago elsewhere). */
  private async entry(hash: string): Promise<Entry | null> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    const known = this.entries.get(hash);
    if (known || !FILE_HASH_PATTERN.test(hash)) return known ?? null;
    const end = await this.indexEnd();
    if (end > this.indexed) {
      await new Promise<void>((resolve) => {
        const waiter = { offset: end, wake: resolve };
        this.waiting.push(waiter);
        setTimeout(() => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) this.waiting.splice(i, 1);
          resolve();
        }, UNKNOWN_WAIT_MS).unref();
      });
    }
    return this.entries.get(hash) ?? null;
  }

  async get(hash: string): Promise<{ info: FileInfo; data: Buffer } | null> {
    const cached = this.cache.get(hash);
    if (cached) {
      // Most recently used last.
      this.cache.delete(hash);
      this.cache.set(hash, cached);
      return cached;
    }
    const entry = await this.entry(hash);
    if (!entry) return null;
    const parts: Buffer[] = [];
    for await (const page of this.reader.read(this.topics.parts, 0, entry.first, entry.last + 1)) {
      for (const m of page) if (m.value && m.key?.toString('utf8') === `${hash}#${parts.length}`) parts.push(m.value);
    }
    const data = Buffer.concat(parts);
    if (parts.length !== entry.parts || createHash('sha256').update(data).digest('hex') !== hash) {
      this.logger.warn({ hash }, 'a stored file is missing parts or does not match its hash');
      return null;
    }
    const file = { info: entry.info, data };
    this.keep(hash, file);
    return file;
  }

  private keep(hash: string, file: { info: FileInfo; data: Buffer }): void {
    if (file.data.length > CACHE_BYTES / 4) return;
    this.cache.set(hash, file);
    this.cachedBytes += file.data.length;
    for (const [oldest, old] of this.cache) {
      if (this.cachedBytes <= CACHE_BYTES) break;
      this.cache.delete(oldest);
      this.cachedBytes -= old.data.length;
    }
  }

  async boardFiles(board: string): Promise<ReadonlyMap<string, number>> {
    return new Map(this.uses.get(board) ?? []);
  }

  async boardsOf(hash: string): Promise<string[]> {
    return [...this.uses].filter(([, files]) => files.has(hash)).map(([board]) => board);
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.wake();
  }
}
