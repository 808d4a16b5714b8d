/**
 * Stored board states on Kafka, in two compacted topics beside the log:
 *
 *   <topic>-states  the encoded states (snapshots/snapshot-codec.ts), cut in
 *                   parts of at most 512 KB (a broker takes 1 MB a batch by
 *                   default), keyed `<board>@<pos>~<write id>#<part>`: two
 *                   instances storing the same state write two copies, and
 *                   compaction never removes a part an index value names.
 *   <topic>-index   one small JSON value per state, keyed `<board>@<pos>`:
 *                   where its parts are and `through`, the offset of the
 *                   board's partition up to which the state is complete.
 *
 * Keys name the state's position, so compaction keeps every state (a replay
 * seek starts from the newest one before its moment) and only drops
 * superseded index values of one state. Every instance reads the whole
 * index at open and follows it live (through the fan-out consumer), so a
 * load finds its state in memory and fetches only its parts.
 *
 * Why `through`: boards share partitions, and a load reads the board's
 * partition from `through + 1`. A board nobody draws on keeps its state
 * while other boards' records pile up behind it; so every second each
 * instance moves `through` of the boards it has watched stay unchanged
 * (a new index value for the same state, a hundred bytes), and a load never
 * reads more than about `every` offsets of its partition, however large the
 * topic grows. Boards that changed are stored again by whoever has them
 * loaded (snapshots/snapshot-keeper.ts, by `lag`) or on unload; one that
 * changed and then lost its instance (killed before it stored the board) is
 * loaded and stored by whichever instance gets to it first, once it is twice
 * `every` behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { KafkaMessage, Producer } from 'kafkajs';
import { applyRecord } from '../../board/fold.ts';
import type { BoardState } from '../../board/state.ts';
import type { Logger } from '../../logger.ts';
import type { LogRecord } from '../../protocol/messages.ts';
import { LogUnavailableError } from '../board-log.ts';
import { decodeState, encodeState } from '../snapshots/snapshot-codec.ts';
import type { SnapshotStore, StoredState } from '../snapshots/snapshot-store.ts';
import { statesToDrop } from '../snapshots/thinning.ts';
import { parseErasure } from './erasure-marks.ts';
import type { RangeReader } from './range-reader.ts';
import { boardOfKey, decodeMessage } from './record-format.ts';

export const INDEX_FORMAT_VERSION = 1;
const PART_BYTES = 512 * 1024;
const REFRESH_EVERY_MS = 1_000;
/** Older states tried when the newest cannot be read, before folding the whole log. */
const MAX_TRIES = 3;
/** The catch-up at open reads this many offsets at a time, so loads of the same partition get their turn. */
const CATCH_UP_STEP = 50_000;
/** Index values per produce request: a request must stay under the broker's 1 MB. */
const INDEX_BATCH = 500;

/** The log's topic and the two beside it. */
export type SnapshotTopics = { log: string; states: string; index: string };

/**
 * States kept per board on Kafka: 16 whole states, about 8 times the
 * board's last one, and a seek reads at most about an eighth of the board's
 * history past the state before it.
 */
export const KAFKA_STATES_KEPT = 16;

export type Entry = { pos: number; through: number; id: string; first: number; last: number; parts: number; bytes: number };
type IndexValue = Entry & { v: number; board: string };

/** What the store needs to know of the fan-out consumer of the log's topic. */
export type FanoutView = {
  partitionOf(board: string): number;
  /** The last offset of the partition handed to subscribers (-1: none). */
  covered(partition: number): number;
  /** Offsets of the log's partitions: low and high watermarks now. */
  bounds(partition: number): Promise<{ low: number; high: number }>;
};

export class KafkaSnapshots implements SnapshotStore {
  /**
   * A board that changed is stored again once `every` offsets of its
   * partition passed its stored state, and always when its room unloads:
   * nobody else would (refresh() moves along only boards that stayed
   * unchanged), and its loads would read ever more of its partition.
   */
  readonly policy: { every: number; onUnload: number };
  private readonly entries = new Map<string, Entry[]>();
  /** Boards erased, and the offset of their partition through which they were (kafka-erase.ts). */
  private readonly erased = new Map<string, number>();
  /** The newest offset of each board's records seen by the fan-out (or the catch-up). */
  private readonly lastSeen = new Map<string, number>();
  /** Per partition, the first offset from which every record was seen. */
  private readonly watchedFrom = new Map<number, number>();
  private readonly refreshTimer: NodeJS.Timeout;
  private refreshing = false;
  private closed = false;
  private readonly writes = new Set<Promise<unknown>>();
  private readonly jitters = new Map<string, number>();

  constructor(
    private readonly producer: Producer,
    private readonly reader: RangeReader,
    private readonly topics: SnapshotTopics,
    private readonly fanout: FanoutView,
    /** A load reads at most about this many offsets of its partition past a stored state. */
    private readonly every: number,
    /** Spreads refreshes of one board over instances, so they rarely write the same one. */
    private readonly instance: string,
    private readonly logger: Logger,
  ) {
    this.policy = { every, onUnload: 1 };
    this.refreshTimer = setInterval(() => void this.refresh(), REFRESH_EVERY_MS);
    this.refreshTimer.unref();
  }

  /** The fan-out starts handing over a partition at `offset`: every record from there on will be seen. */
  watching(partition: number, offset: number): void {
    this.watchedFrom.set(partition, offset);
  }

  /** A record of the log handed over by the fan-out. */
  observed(record: LogRecord): void {
    this.lastSeen.set(record.board, record.pos);
  }

  /**
   * A message of the index topic (ours or another instance's): a state, a
   * tombstone of one, or a board's erasure (kafka-erase.ts); malformed ones
   * are ignored.
   */
  indexed(message: KafkaMessage): void {
    const erased = parseErasure(message.value);
    if (erased) return this.erasedThrough(erased.board, erased.through);
    if (!message.value) return this.forget(message.key?.toString('utf8') ?? '');
    const value = parseIndexValue(message.value);
    if (value) this.remember(value.board, value);
  }

  /** A tombstone of the index: the state keyed `<board>@<pos>` is gone. */
  private forget(key: string): void {
    const at = key.lastIndexOf('@');
    const list = this.entries.get(key.slice(0, at));
    const pos = Number(key.slice(at + 1));
    const i = list?.findIndex((entry) => entry.pos === pos) ?? -1;
    if (i >= 0) list!.splice(i, 1);
    if (list?.length === 0) this.entries.delete(key.slice(0, at));
  }

  /** A board was erased through an offset of its partition: its states up to there are gone, and no load reads its records there. */
  erasedThrough(board: string, through: number): void {
    this.erased.set(board, Math.max(through, this.erased.get(board) ?? -1));
    const kept = (this.entries.get(board) ?? []).filter((entry) => entry.pos > through);
    if (kept.length > 0) this.entries.set(board, kept);
    else this.entries.delete(board);
    this.lastSeen.delete(board);
  }

  /** The offset through which the board was erased (-1: never). */
  erasedAt(board: string): number {
    return this.erased.get(board) ?? -1;
  }

  /** The board's stored states known here, oldest first: where their parts are (an erasure tombstones them). */
  storedStates(board: string): readonly Readonly<Entry>[] {
    return [...(this.entries.get(board) ?? [])];
  }

  private remember(board: string, entry: Entry): void {
    if (entry.pos <= this.erasedAt(board)) return;
    let list = this.entries.get(board);
    if (!list) this.entries.set(board, (list = []));
    let i = list.length;
    while (i > 0 && list[i - 1]!.pos > entry.pos) i--;
    const same = list[i - 1];
    if (same && same.pos === entry.pos) {
      if (entry.through > same.through) list[i - 1] = { ...same, through: entry.through };
    } else list.splice(i, 0, entry);
  }

  async load(board: string, atMost = Number.MAX_SAFE_INTEGER): Promise<StoredState | null> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    const list = this.entries.get(board) ?? [];
    let tries = 0;
    for (let i = list.length - 1; i >= 0 && tries < MAX_TRIES; i--) {
      const entry = list[i]!;
      if (entry.pos > atMost) continue;
      tries++;
      const fetched = await this.fetchState(board, entry);
      if (fetched) return { state: fetched.state, through: Math.min(entry.through, atMost), bytes: fetched.bytes };
      // Forgotten here, so that the board is stored again (lag) and never moved along.
      list.splice(i, 1);
      this.logger.warn({ board, pos: entry.pos }, 'stored board state unreadable; trying an older one');
    }
    return null;
  }

  private async fetchState(board: string, entry: Entry): Promise<{ state: BoardState; bytes: Buffer } | null> {
    const parts: Buffer[] = [];
    const prefix = `${board}@${entry.pos}~${entry.id}#`;
    try {
      for await (const page of this.reader.read(this.topics.states, 0, entry.first, entry.last + 1)) {
        for (const m of page) {
          if (m.value && m.key?.toString('utf8') === `${prefix}${parts.length}`) parts.push(m.value);
        }
      }
    } catch (err) {
      this.logger.warn({ board, err }, 'reading a stored board state failed');
      return null;
    }
    if (parts.length !== entry.parts) return null;
    const bytes = Buffer.concat(parts);
    const state = bytes.length === entry.bytes ? decodeState(bytes, entry.pos) : null;
    return state ? { state, bytes } : null;
  }

  lag(board: string, state: BoardState): number {
    const newest = this.entries.get(board)?.at(-1);
    if (!newest) return state.pos < 0 ? 0 : Infinity;
    // Unchanged since stored: refresh() moves `through` without storing it again.
    if (state.pos <= newest.pos) return 0;
    return this.fanout.covered(this.fanout.partitionOf(board)) - newest.through;
  }

  async save(board: string, state: BoardState): Promise<number | void> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    if (state.pos < 0) return;
    // A room that unloads as its board is erased stores nothing of it again.
    if (state.pos <= this.erasedAt(board)) return;
    const covered = this.fanout.covered(this.fanout.partitionOf(board));
    // The state holds every record of the board this process has seen, so it
    // is complete through everything the fan-out handed over.
    const through = (this.lastSeen.get(board) ?? -1) <= state.pos ? Math.max(state.pos, covered) : state.pos;
    const newest = this.entries.get(board)?.at(-1);
    if (newest && newest.pos === state.pos) {
      if (through > newest.through) await this.track(this.writeIndex([{ board, entry: { ...newest, through } }]));
      return;
    }
    const bytes = encodeState(state);
    await this.track(this.writeState(board, state.pos, through, bytes));
    return bytes.length;
  }

  private async writeState(board: string, pos: number, through: number, bytes: Buffer): Promise<void> {
    const parts = Math.max(1, Math.ceil(bytes.length / PART_BYTES));
    const id = randomBytes(6).toString('base64url');
    let first = -1;
    let last = -1;
    // One part per request: a record batch may not exceed the topic's
    // max.message.bytes. Parts of states saved at once may interleave;
    // a read picks its own by key.
    for (let i = 0; i < parts; i++) {
      const [meta] = await this.producer.send({
        topic: this.topics.states,
        acks: -1,
        // GZIP (kafkajs's code 1): a state's JSON takes about a third on the broker's disk.
        compression: 1,
        messages: [{ key: `${board}@${pos}~${id}#${i}`, value: bytes.subarray(i * PART_BYTES, (i + 1) * PART_BYTES), partition: 0 }],
      });
      const offset = Number(meta!.baseOffset);
      if (first < 0) first = offset;
      last = offset;
    }
    await this.writeIndex([{ board, entry: { pos, through, id, first, last, parts, bytes: bytes.length } }]);
    await this.thin(board);
  }

  /**
   * Drops the states thinning drops (snapshots/thinning.ts): tombstones of
   * their parts and index values, which compaction then removes. Here a
   * state is stored whole, so fewer are kept than on the embedded log.
   */
  private async thin(board: string): Promise<void> {
    const states = this.entries.get(board) ?? [];
    const dropped = new Set(statesToDrop(states.map((entry) => entry.pos), KAFKA_STATES_KEPT));
    if (dropped.size === 0) return;
    const gone = states.filter((entry) => dropped.has(entry.pos));
    const parts = gone.flatMap((entry) => Array.from({ length: entry.parts }, (_, i) => ({ key: `${board}@${entry.pos}~${entry.id}#${i}`, value: null, partition: 0 })));
    await this.producer.send({ topic: this.topics.states, acks: -1, messages: parts });
    await this.producer.send({ topic: this.topics.index, acks: -1, messages: gone.map((entry) => ({ key: `${board}@${entry.pos}`, value: null, partition: 0 })) });
    for (const entry of gone) this.forget(`${board}@${entry.pos}`);
  }

  private async writeIndex(updates: { board: string; entry: Entry }[]): Promise<void> {
    for (let i = 0; i < updates.length; i += INDEX_BATCH) {
      const chunk = updates.slice(i, i + INDEX_BATCH);
      await this.producer.send({
        topic: this.topics.index,
        acks: -1,
        messages: chunk.map(({ board, entry }) => ({
          key: `${board}@${entry.pos}`,
          value: JSON.stringify({ v: INDEX_FORMAT_VERSION, board, ...entry } satisfies IndexValue),
          partition: 0,
        })),
      });
      for (const { board, entry } of chunk) this.remember(board, entry);
    }
  }

  private track(write: Promise<void>): Promise<void> {
    this.writes.add(write);
    return write.finally(() => this.writes.delete(write));
  }

  /**
   * Moves `through` of every board that stayed unchanged since its newest
   * stored state while its partition grew by half of `every`: a new index
   * value for the same state. Only for boards this process watched the
   * whole time; the others are known after the catch-up (catchUp). Then
   * stores one board that changed and was left unstored (heal).
   */
  private async refresh(): Promise<void> {
    if (this.refreshing || this.closed) return;
    this.refreshing = true;
    try {
      const updates: { board: string; entry: Entry }[] = [];
      let orphan: { board: string; entry: Entry } | null = null;
      for (const [board, list] of this.entries) {
        const newest = list.at(-1)!;
        const partition = this.fanout.partitionOf(board);
        const covered = this.fanout.covered(partition);
        const behind = covered - newest.through;
        if (behind < this.every / 2) continue;
        const changed = (this.lastSeen.get(board) ?? -1) > newest.through;
        if (changed) {
          // Whoever has it loaded stores it at `every`; nobody has, past twice that.
          if (!orphan && behind >= 2 * this.every + this.jitter(board)) orphan = { board, entry: newest };
          continue;
        }
        if (behind < this.every / 2 + this.jitter(board)) continue;
        if ((this.watchedFrom.get(partition) ?? Infinity) > newest.through + 1) continue;
        updates.push({ board, entry: { ...newest, through: covered } });
      }
      await this.track(this.writeIndex(updates));
      if (orphan) await this.heal(orphan.board, orphan.entry);
    } catch (err) {
      this.logger.warn({ err }, 'refreshing stored board states failed; trying again');
    } finally {
      this.refreshing = false;
    }
  }

  /** Loads a board nobody stores (its newest state and the records after it) and stores it. */
  private async heal(board: string, entry: Entry): Promise<void> {
    const state = (await this.fetchState(board, entry))?.state;
    if (!state) return;
    const partition = this.fanout.partitionOf(board);
    const end = this.fanout.covered(partition) + 1;
    for await (const page of this.reader.read(this.topics.log, partition, entry.through + 1, end)) {
      for (const message of page) {
        const record = decodeMessage(message, board);
        if (record) applyRecord(state, record);
      }
    }
    this.logger.info({ board, from: entry.through, to: end - 1 }, 'storing a board nobody stored');
    await this.save(board, state);
  }

  /** Up to a quarter of `every`, fixed per board and instance. */
  private jitter(board: string): number {
    let jitter = this.jitters.get(board);
    if (jitter === undefined) {
      const hash = createHash('sha1').update(`${this.instance}/${board}`).digest();
      jitter = hash.readUInt32BE(0) % Math.max(1, Math.floor(this.every / 4));
      this.jitters.set(board, jitter);
    }
    return jitter;
  }

  /**
   * After open (or for partitions this instance gained): reads, key by key, the part of each partition between the
   * oldest `through` of its boards and where the fan-out began, so that
   * this process knows which boards stayed unchanged there and can refresh
   * them. Runs in the background, in steps.
   */
  async catchUp(partitions?: ReadonlySet<number>): Promise<void> {
    const oldest = new Map<number, number>();
    for (const [board, list] of this.entries) {
      const partition = this.fanout.partitionOf(board);
      if (partitions && !partitions.has(partition)) continue;
      oldest.set(partition, Math.min(oldest.get(partition) ?? Infinity, list.at(-1)!.through + 1));
    }
    for (const [partition, from] of oldest) {
      const end = this.watchedFrom.get(partition);
      if (end === undefined || from >= end) continue;
      const { low } = await this.fanout.bounds(partition);
      const seen = new Map<string, number>();
      for (let start = Math.max(from, low); start < end && !this.closed; start += CATCH_UP_STEP) {
        for await (const page of this.reader.read(this.topics.log, partition, start, Math.min(end, start + CATCH_UP_STEP))) {
          for (const m of page) if (m.key && m.value) seen.set(boardOfKey(m.key), Number(m.offset));
        }
      }
      if (this.closed) return;
      for (const [board, offset] of seen) this.lastSeen.set(board, Math.max(offset, this.lastSeen.get(board) ?? -1));
      this.watchedFrom.set(partition, Math.max(from, low));
    }
  }

  /** Stops refreshing and waits for the writes in flight. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.refreshTimer);
    await Promise.allSettled([...this.writes]);
  }
}

function parseIndexValue(value: Buffer | null): IndexValue | null {
  if (!value) return null;
  try {
    const v = JSON.parse(value.toString('utf8')) as Partial<IndexValue>;
    const ints = [v.pos, v.through, v.first, v.last, v.parts, v.bytes];
    if (v.v !== INDEX_FORMAT_VERSION || typeof v.board !== 'string' || typeof v.id !== 'string' || !ints.every((n) => Number.isSafeInteger(n) && n! >= 0)) return null;
    if (v.through! < v.pos! || v.last! < v.first!) return null;
    return v as IndexValue;
  } catch {
    return null;
  }
}
