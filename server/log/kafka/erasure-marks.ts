/**
 * The mark an erasure leaves in the index of stored states (kafka-erase.ts):
 * key `<board>@erased`, value `{"v":1,"board","erased":<offset>}`, the
 * offset of the board's partition through which the board was erased.
 *
 * Tombstones take effect only when the log cleaner gets to them (days, by
 * the topics' settings), and until then a consumer still reads the erased
 * records. Every instance reads the whole index at open and follows it, so
 * with this mark each one reads the board as empty through that offset
 * from the moment of the erasure, however late it started. Records
 * appended after the erasure (a new board under the same id) are read.
 * Older versions ignore the value (it is not a stored state).
 */
export const ERASURE_MARK_VERSION = 1;

export function erasureKey(board: string): string {
  return `${board}@erased`;
}

export function erasureValue(board: string, through: number): string {
  return JSON.stringify({ v: ERASURE_MARK_VERSION, board, erased: through });
}

/** The board and offset of an erasure mark, or null for any other value of the index. */
export function parseErasure(value: Buffer | null): { board: string; through: number } | null {
  // Cheap test first: every value of the index passes through here.
  if (!value || value.indexOf('"erased":') < 0) return null;
  try {
    const v = JSON.parse(value.toString('utf8')) as { v?: unknown; board?: unknown; erased?: unknown };
    if (v.v !== ERASURE_MARK_VERSION || typeof v.board !== 'string' || !Number.isSafeInteger(v.erased)) return null;
    return { board: v.board, through: v.erased as number };
  } catch {
    return null;
  }
}
