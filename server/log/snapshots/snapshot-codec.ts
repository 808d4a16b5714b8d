/**
 * How a board state is stored: `{"v":<SNAPSHOT_VERSION>,"state":<BoardSnapshot>}`
 * as UTF-8 JSON, the same snapshot a late joiner receives. JSON because
 * it is what the welcome sends anyway and V8 parses it fastest: a board of
 * a million points (4.3 MB) parses in 10-20 ms here, msgpack took longer.
 */
import { fromSnapshot, READABLE_SNAPSHOT_VERSIONS, SNAPSHOT_VERSION, toSnapshot, type BoardSnapshot } from '../../board/snapshot.ts';
import type { BoardState } from '../../board/state.ts';

export function encodeState(state: BoardState): Buffer {
  return Buffer.from(`{"v":${SNAPSHOT_VERSION},"state":${JSON.stringify(toSnapshot(state))}}`);
}

/**
 * The state in `bytes`, or null when they are not a snapshot of this
 * version at position `pos` (damaged, written by other code). Never throws.
 */
export function decodeState(bytes: Uint8Array, pos: number): BoardState | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || !('v' in parsed) || typeof parsed.v !== 'number' || !READABLE_SNAPSHOT_VERSIONS.includes(parsed.v) || !('state' in parsed)) return null;
  const state = parsed.state;
  // The parts the load relies on; the rest is what this same code wrote.
  if (!isSnapshot(state) || state.pos !== pos) return null;
  return fromSnapshot(state);
}

/**
 * The `<BoardSnapshot>` part of bytes encodeState wrote (of a version this
 * code reads), to send on as they are; null for anything else.
 */
export function stateJsonOf(bytes: Uint8Array): Uint8Array | null {
  for (const v of READABLE_SNAPSHOT_VERSIONS) {
    const prefix = Buffer.from(`{"v":${v},"state":`);
    if (bytes.length > prefix.length + 1 && Buffer.from(bytes.buffer, bytes.byteOffset, prefix.length).equals(prefix) && bytes[bytes.length - 1] === 0x7d) {
      return bytes.subarray(prefix.length, bytes.length - 1);
    }
  }
  return null;
}

function isSnapshot(value: unknown): value is BoardSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(s.pos) &&
    typeof s.ts === 'number' &&
    typeof s.size === 'number' &&
    (s.editKey === null || typeof s.editKey === 'string') &&
    Array.isArray(s.strokes) &&
    Array.isArray(s.shapes) &&
    Array.isArray(s.actions) &&
    Array.isArray(s.history) &&
    Array.isArray(s.seqs) &&
    typeof s.sessions === 'object' &&
    s.sessions !== null &&
    Array.isArray((s.sessions as Record<string, unknown>).closed) &&
    Array.isArray((s.sessions as Record<string, unknown>).names)
  );
}
