/**
 * Erasing a board from Kafka (BoardLog.erase). Records cannot be removed
 * from a topic; a compacted topic removes those a later tombstone (a null
 * value under the same key) names, when the log cleaner gets to them. So:
 *
 * 1. The erasure mark (erasure-marks.ts) goes into the index of stored
 *    states first: from then on every instance reads the board as empty
 *    through the partition's end as it is now, long before the cleaner runs.
 * 2. Records: the board's partition is read from its start (every record
 *    key is needed, so no stored state helps) and every key of the board
 *    gets a tombstone, in the same partition. Keys are unique per record
 *    (record-format.ts), so nothing else is touched and no offset changes.
 *    Records that landed meanwhile are read and tombstoned too, a few
 *    times over. On a topic made by an older version (cleanup.policy=
 *    delete, topic-settings.ts) tombstones would remove nothing: records
 *    stay, and the rest is still done.
 * 3. Stored states: every state the index names, its index value and its
 *    parts, and any other part of the board in the states topic since its
 *    first record (a copy written twice, a write cut short).
 * 4. Pictures: the board's uses always; a file's bytes (and its smaller
 *    copies) only when no other board has it. Uses are written by uploads
 *    only, while a fork or a paste names a file in its records without
 *    one, so the whole topic is searched for the file's hash in other
 *    boards' records (only when some file is on no other board by the
 *    index); a board found with it gets the use it lacked, so that erasing
 *    it later removes the bytes in turn.
 *
 * Idempotent, and two instances erasing one board write the same
 * tombstones twice. What stays where until when: README, "Erasure on Kafka".
 */
import type { Admin, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import { ID_PATTERN } from '../../protocol/messages.ts';
import { erasureKey, erasureValue } from './erasure-marks.ts';
import { FILE_INDEX_VERSION, type KafkaFiles } from './kafka-files.ts';
import type { KafkaSnapshots } from './kafka-snapshots.ts';
import type { RangeReader } from './range-reader.ts';
import { boardOfKey, keyOfBoard } from './record-format.ts';

/** Tombstones per produce request (a tombstone is a key of about 40 bytes). */
const TOMBSTONE_BATCH = 5_000;
/** Passes over records appended while the board was erased (its rooms should be closed: usually none). */
const MAX_PASSES = 5;
/** States are stamped by their writers' clocks: read the states topic from this long before the board's first record. */
const CLOCK_MARGIN_MS = 3_600_000;
/** Partitions searched at once for a picture's hash. */
const SEARCH_PARALLEL = 4;

export type EraseDeps = {
  topics: { log: string; states: string; index: string; fileParts: string; fileIndex: string };
  /** Whether the log's topic is compacted (false: a topic of an older version, whose records stay). */
  logCompacted: boolean;
  partitionOf(board: string): number;
  bounds(partition: number): Promise<{ low: number; high: number }>;
  admin: Admin;
  reader: RangeReader;
  producer: Producer;
  snapshots: KafkaSnapshots;
  files: KafkaFiles;
  logger: Logger;
};

type Tombstone = { key: string; value: null; partition: number };

async function sendAll(producer: Producer, topic: string, messages: { key: string; value: string | null; partition: number }[]): Promise<void> {
  for (let i = 0; i < messages.length; i += TOMBSTONE_BATCH) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + TOMBSTONE_BATCH) });
  }
}

export async function eraseBoard(deps: EraseDeps, board: string): Promise<void> {
  // Keys are split at '/' and '@': a board id holds neither.
  if (!ID_PATTERN.test(board)) throw new Error(`not a board id: ${board}`);
  const partition = deps.partitionOf(board);
  const states = deps.snapshots.storedStates(board);
  let { low, high } = await deps.bounds(partition);
  await mark(deps, board, high - 1);

  let firstTs: number | null = null;
  if (!deps.logCompacted) deps.logger.warn({ board, topic: deps.topics.log }, "erased from the app, but the boards' topic is not compacted: its records stay there");
  for (let pass = 0; deps.logCompacted && pass < MAX_PASSES; pass++) {
    let found = 0;
    for await (const page of deps.reader.read(deps.topics.log, partition, low, high)) {
      const tombstones: Tombstone[] = [];
      for (const m of page) {
        if (!m.key || !m.value || !keyOfBoard(m.key, board)) continue;
        firstTs ??= Number(m.timestamp);
        tombstones.push({ key: m.key.toString('utf8'), value: null, partition });
      }
      found += tombstones.length;
      await sendAll(deps.producer, deps.topics.log, tombstones);
    }
    if (found === 0 && pass > 0) break;
    const before = high;
    ({ high } = await deps.bounds(partition));
    if (high === before) break;
    low = before;
    // Records that landed meanwhile: tombstoned next pass, and read as erased from now.
    await mark(deps, board, high - 1);
  }

  await eraseStates(deps, board, states, firstTs);
  await eraseFiles(deps, board);
  deps.logger.info({ board, partition, through: high - 1 }, 'board erased from Kafka');
}

/** Writes the erasure mark and applies it here at once (the fan-out brings it to the other instances). */
async function mark(deps: EraseDeps, board: string, through: number): Promise<void> {
  await deps.producer.send({ topic: deps.topics.index, acks: -1, messages: [{ key: erasureKey(board), value: erasureValue(board, through), partition: 0 }] });
  deps.snapshots.erasedThrough(board, through);
}

async function eraseStates(deps: EraseDeps, board: string, states: ReturnType<KafkaSnapshots['storedStates']>, firstTs: number | null): Promise<void> {
  const parts = new Set<string>();
  for (const state of states) for (let i = 0; i < state.parts; i++) parts.add(`${board}@${state.pos}~${state.id}#${i}`);
  // Parts no index value names: searched from where the board's first state could be.
  const [bounds] = await deps.admin.fetchTopicOffsets(deps.topics.states);
  let from = Math.min(...states.map((s) => s.first), Number(bounds!.high));
  if (firstTs !== null) {
    const [atTime] = await deps.admin.fetchTopicOffsetsByTimestamp(deps.topics.states, firstTs - CLOCK_MARGIN_MS);
    from = Math.min(from, Number(atTime!.offset));
  }
  const prefix = Buffer.from(`${board}@`);
  for await (const page of deps.reader.read(deps.topics.states, 0, Math.max(from, Number(bounds!.low)), Number(bounds!.high))) {
    for (const m of page) if (m.key && m.value && m.key.subarray(0, prefix.length).equals(prefix)) parts.add(m.key.toString('utf8'));
  }
  await sendAll(deps.producer, deps.topics.states, [...parts].map((key) => ({ key, value: null, partition: 0 })));
  await sendAll(deps.producer, deps.topics.index, states.map((s) => ({ key: `${board}@${s.pos}`, value: null, partition: 0 })));
}

async function eraseFiles(deps: EraseDeps, board: string): Promise<void> {
  const { files, uses } = deps.files.known();
  const mine = [...(uses.get(board)?.keys() ?? [])];
  if (mine.length === 0) return;
  const parentOf = new Map<string, string>();
  for (const [hash, entry] of files) for (const variant of Object.values(entry.info.variants ?? {})) parentOf.set(variant, hash);
  // A file, or the picture it is a smaller copy of, put on another board stays.
  const usedElsewhere = (hash: string) =>
    [...uses].some(([other, hashes]) => other !== board && (hashes.has(hash) || hashes.has(parentOf.get(hash) ?? '')));
  const alone = mine.filter((hash) => !usedElsewhere(hash));
  const kept = await searchRecords(deps, board, alone, parentOf);

  const index: { key: string; value: string | null; partition: number }[] = mine.map((hash) => ({ key: `b/${board}/${hash}`, value: null, partition: 0 }));
  for (const [hash, other] of kept) {
    const bytes = files.get(hash)?.info.bytes ?? uses.get(board)?.get(hash) ?? 0;
    index.push({ key: `b/${other}/${hash}`, value: JSON.stringify({ v: FILE_INDEX_VERSION, kind: 'use', board: other, hash, bytes }), partition: 0 });
  }
  const gone = alone.filter((hash) => !kept.has(hash));
  const parts: Tombstone[] = [];
  for (const hash of gone) {
    for (let i = 0; i < (files.get(hash)?.parts ?? 0); i++) parts.push({ key: `${hash}#${i}`, value: null, partition: 0 });
    index.push({ key: `f/${hash}`, value: null, partition: 0 });
  }
  await sendAll(deps.producer, deps.topics.fileParts, parts);
  await sendAll(deps.producer, deps.topics.fileIndex, index);
  if (kept.size > 0) deps.logger.info({ board, kept: Object.fromEntries(kept) }, 'pictures of an erased board kept: other boards name them');
}

/**
 * Which of the files (and their smaller copies) other boards' records
 * name, and a board that does: every partition of the log is read, and
 * each value searched for the hashes as bytes (never parsed). Records of
 * boards erased already do not count.
 */
async function searchRecords(deps: EraseDeps, board: string, hashes: string[], parentOf: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const kept = new Map<string, string>();
  if (hashes.length === 0) return kept;
  // What each hash found keeps: the file itself, its smaller copies, or the copy found through its picture.
  const needles = new Map<string, string[]>();
  const add = (needle: string, hash: string) => needles.set(needle, [...(needles.get(needle) ?? []), hash]);
  for (const hash of hashes) add(parentOf.get(hash) ?? hash, hash);
  const searched = [...needles].map(([needle, keeps]) => ({ bytes: Buffer.from(needle, 'latin1'), keeps }));
  const open = () => searched.some((s) => s.keeps.some((hash) => !kept.has(hash)));

  const found = (m: KafkaMessage) => {
    if (!m.key || !m.value || keyOfBoard(m.key, board)) return;
    for (const s of searched) {
      if (!m.value.includes(s.bytes)) continue;
      const other = boardOfKey(m.key);
      if (Number(m.offset) <= deps.snapshots.erasedAt(other)) continue;
      for (const hash of s.keeps) if (!kept.has(hash)) kept.set(hash, other);
    }
  };
  const partitions = (await deps.admin.fetchTopicOffsets(deps.topics.log)).map((o) => o.partition);
  let next = 0;
  const worker = async () => {
    while (next < partitions.length && open()) {
      const partition = partitions[next++]!;
      const { low, high } = await deps.bounds(partition);
      for await (const page of deps.reader.read(deps.topics.log, partition, low, high)) {
        for (const m of page) found(m);
        if (!open()) break;
      }
    }
  };
  await Promise.all(Array.from({ length: SEARCH_PARALLEL }, worker));
  return kept;
}
