/**
 * Which stored states of a board to drop, so that their number stays at
 * most `keep` however long the board's history grows.
 *
 * The rule: the newest state is always kept (it bounds a room's load). Of
 * the others, the one dropped is the one whose neighbours are closest
 * together, counting the empty board before position 0 as a neighbour:
 * dropping it makes the smallest gap. States stored every so many records
 * then stay about evenly spread over the history, so a seek anywhere folds
 * at most about 2 x history / keep records from the state before it, and
 * the states of a board that grows steadily cost about keep / 2 times its
 * final state: a bounded multiple, not the square of its history.
 */
export function statesToDrop(positions: readonly number[], keep: number): number[] {
  const kept = [...positions].sort((a, b) => a - b);
  const dropped: number[] = [];
  while (kept.length > Math.max(1, keep)) {
    let best = 0;
    let bestGap = Infinity;
    for (let i = 0; i < kept.length - 1; i++) {
      const gap = kept[i + 1]! - (i > 0 ? kept[i - 1]! : -1);
      if (gap < bestGap) {
        bestGap = gap;
        best = i;
      }
    }
    dropped.push(...kept.splice(best, 1));
  }
  return dropped;
}
