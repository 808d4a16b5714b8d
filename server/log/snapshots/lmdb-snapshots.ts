/**
 * Stored board states in the embedded log's LMDB environment. Living in the
 * same environment as the records, a stored state can never be ahead of
 * the log on disk; one that is (files copied by hand) is ignored.
 *
 *   snapshots   [board, pos]   -> a state's recipe (pos: its last record)
 *   state-parts [board, name]  -> a part of states of the board
 *
 * States are stored in parts (state-parts.ts): the states of a board share
 * every run of items that did not change between them, so keeping many
 * states costs little more than keeping one. Recipes and parts are
 * compressed (DEFLATE) on libuv's thread pool, off the event loop.
 *
 * Older states are kept, thinned (thinning.ts): a replay seek or a fork
 * starts from the newest state at or before its moment. The keeper stores
 * a loaded board every 20,000 of its records. A part no kept state uses is
 * removed with the state that last used it.
 *
 * A value of `snapshots` that begins with `{` is a whole state stored as
 * JSON (by code before parts, or by tests and benchmarks that write one).
 */
import { promisify } from 'node:util';
import { deflateRaw, deflateRawSync, inflateRaw, inflateRawSync } from 'node:zlib';
import type { Database, RootDatabase } from 'lmdb';
import type { BoardState } from '../../board/state.ts';
import { LogUnavailableError } from '../board-log.ts';
import { decodeState } from './snapshot-codec.ts';
import type { SnapshotStore, StoredState } from './snapshot-store.ts';
import { assembleState, partsOf, stateInParts, type RecipeStep } from './state-parts.ts';
import { statesToDrop } from './thinning.ts';

type Key = [string, number];
type PartKey = [string, string];

/** The sub-database's name (benchmarks and tests set up stored states through it). */
export const SNAPSHOTS_DB = 'snapshots';
const PARTS_DB = 'state-parts';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);
/** Marks a recipe: a whole JSON state begins with `{`. */
const RECIPE = 0x02;

/**
 * States kept per board. Stored every 20,000 records, a board keeps one
 * state per 20,000 records up to 1.3 million records (about 3 million
 * points), and a seek folds at most about 2 x its history / 64 records
 * past that (BENCHMARKS.md, "Storage").
 */
export const DEFAULT_STATES_KEPT = 64;

const MAX = Number.MAX_SAFE_INTEGER;

export class LmdbSnapshots implements SnapshotStore {
  private readonly db: Database<Buffer, Key>;
  private readonly parts: Database<Buffer, PartKey>;
  private readonly writes = new Set<Promise<unknown>>();
  /** Position of each board's newest stored state (-1: none), as far as this process asked or stored. */
  private readonly newest = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly root: RootDatabase,
    /** The position of a board's last record in the log, -1 for none. */
    private readonly lastPosition: (board: string) => number,
    private readonly keep = DEFAULT_STATES_KEPT,
  ) {
    this.db = root.openDB({ name: SNAPSHOTS_DB, encoding: 'binary' });
    this.parts = root.openDB({ name: PARTS_DB, encoding: 'binary' });
  }

  async load(board: string, atMost = MAX): Promise<StoredState | null> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    const last = Math.min(this.lastPosition(board), atMost);
    let found: StoredState | null = null;
    for (let cursor = last; cursor >= 0; ) {
      let entry: [number, Buffer] | null = null;
      // A copy: LMDB may reuse the buffer it read into, and we wait below.
      for (const { key, value } of this.db.getRange({ start: [board, cursor], end: [board, -1], reverse: true, limit: 1 })) entry = [key[1], Buffer.from(value)];
      if (!entry) break;
      const [pos, stored] = entry;
      const bytes = await this.unpack(board, stored);
      const state = bytes && decodeState(bytes, pos);
      if (state && bytes) {
        found = { state, through: pos, bytes };
        break;
      }
      cursor = pos - 1;
    }
    // What the newest load found is what counts as stored (lag): a state
    // that cannot be read (another version, damaged) is stored over.
    if (atMost >= MAX) this.newest.set(board, found?.through ?? -1);
    return found;
  }

  /** The state's JSON from what `snapshots` holds, or null when it cannot be put together. */
  private async unpack(board: string, stored: Buffer): Promise<Buffer | null> {
    if (stored[0] !== RECIPE) return stored;
    try {
      const recipe = JSON.parse((await inflate(stored.subarray(1))).toString('utf8')) as RecipeStep[];
      const packed = new Map<string, Buffer>();
      for (const name of partsOf(recipe)) {
        const part = this.parts.getBinary([board, name]);
        if (!part) return null;
        packed.set(name, Buffer.from(part));
      }
      const texts = new Map<string, Buffer>();
      await Promise.all([...packed].map(async ([name, part]) => texts.set(name, await inflate(part))));
      return assembleState(recipe, (name) => texts.get(name)!);
    } catch {
      return null;
    }
  }

  lag(board: string, state: BoardState): number {
    let newest = this.newest.get(board);
    if (newest === undefined) {
      newest = -1;
      for (const key of this.db.getKeys({ start: [board, MAX], end: [board, -1], reverse: true, limit: 1 })) newest = key[1];
      this.newest.set(board, newest);
    }
    return newest < 0 ? Infinity : Math.max(0, state.pos - newest);
  }

  save(board: string, state: BoardState): Promise<number | void> {
    if (this.closed) return Promise.reject(new LogUnavailableError('log is closed'));
    const pos = state.pos;
    if (pos < 0) return Promise.resolve();
    const { recipe, parts } = stateInParts(state);
    const write = this.store(board, pos, recipe, parts);
    this.writes.add(write);
    return write.then(
      (written) => {
        this.writes.delete(write);
        this.newest.set(board, Math.max(pos, this.newest.get(board) ?? -1));
        return written;
      },
      (err: unknown) => {
        this.writes.delete(write);
        throw err;
      },
    );
  }

  /** Writes a state's new parts and its recipe, and drops what thinning drops, in one transaction. */
  private async store(board: string, pos: number, recipe: RecipeStep[], parts: Map<string, string>): Promise<number> {
    const fresh = [...parts].filter(([name]) => this.parts.doesExist([board, name]) === false);
    const packed = await Promise.all(fresh.map(async ([name, text]) => [name, await deflate(text)] as const));
    const packedRecipe = Buffer.concat([Buffer.of(RECIPE), await deflate(JSON.stringify(recipe))]);
    await this.root.transaction(() => {
      for (const [name, part] of packed) this.parts.put([board, name], part);
      // A part seen stored above may have gone since with a state another save dropped.
      for (const [name, text] of parts) if (!this.parts.doesExist([board, name])) this.parts.put([board, name], deflateRawSync(text));
      this.db.put([board, pos], packedRecipe);
      const positions = [...this.db.getKeys({ start: [board, -1], end: [board, MAX] })].map((key) => key[1]);
      const dropped = statesToDrop(positions, this.keep);
      if (dropped.length === 0) return;
      for (const old of dropped) this.db.remove([board, old]);
      this.removeUnusedParts(board);
    });
    // What this state added: the parts no earlier state had, and its recipe.
    return packed.reduce((sum, [, part]) => sum + part.length, packedRecipe.length);
  }

  /** Inside a transaction: removes the parts of the board no stored state uses. */
  private removeUnusedParts(board: string): void {
    const used = new Set<string>();
    for (const { value } of this.db.getRange({ start: [board, -1], end: [board, MAX] })) {
      if (value[0] !== RECIPE) continue;
      for (const name of partsOf(JSON.parse(inflateRawSync(value.subarray(1)).toString('utf8')) as RecipeStep[])) used.add(name);
    }
    for (const key of this.parts.getKeys({ start: [board, ''], end: [board, '\uffff'] })) if (!used.has(key[1])) this.parts.remove(key);
  }

  /**
   * Removes every state of a board; called inside the log's erasing
   * transactions, first to overwrite them with zeros, then to remove them.
   */
  eraseIn(board: string, phase: 'zero' | 'remove'): void {
    const ranges = [
      { db: this.db as Database<Buffer, Key | PartKey>, start: [board, -1] as Key, end: [board, MAX] as Key },
      { db: this.parts as Database<Buffer, Key | PartKey>, start: [board, ''] as PartKey, end: [board, '\uffff'] as PartKey },
    ];
    for (const { db, start, end } of ranges) {
      const entries = [...db.getRange({ start, end })].map(({ key, value }) => [key, value.length] as const);
      for (const [key, bytes] of entries) {
        if (phase === 'zero') db.put(key, Buffer.alloc(bytes));
        else db.remove(key);
      }
    }
    this.newest.delete(board);
  }

  /** Refuses new work and waits for the writes in flight (before the environment closes). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.writes]);
  }
}
