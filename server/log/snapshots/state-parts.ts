/**
 * A stored state in parts, so that the states of one board share what did
 * not change between them.
 *
 * A board's items (strokes, shapes) and actions make up nearly all of its
 * state, and most of them are the same from one stored state to the next:
 * only the newest items, and the few an undo, an erase or a move touched,
 * differ. So the state's JSON is cut into a recipe and parts: each of those
 * arrays is cut into runs of items, each run stored once as a part named
 * by the hash of its text, and the recipe lists the literal JSON around
 * them and the parts' names. A state stored 20,000 records after another
 * then costs its recipe and the few parts that changed, not a whole copy.
 *
 * A run ends after an item whose key (an item's id, an action's position)
 * hashes to 0 modulo the run length wanted: where runs end depends only on
 * the items themselves, so an item added or dropped elsewhere does not
 * shift every run after it.
 *
 * The recipe and parts put together are exactly encodeState's bytes, so
 * a reader sends them on to a late joiner as they are.
 */
import { createHash } from 'node:crypto';
import { SNAPSHOT_VERSION, toSnapshot } from '../../board/snapshot.ts';
import type { BoardState } from '../../board/state.ts';

/** Literal JSON, or the name of a part. */
export type RecipeStep = string | { p: string };

export type StateInParts = { recipe: RecipeStep[]; parts: Map<string, string> };

/** Items per run, on average, by array: a run compresses well at 10-25 KB of JSON. */
const RUNS: Record<string, number> = { strokes: 64, shapes: 64, actions: 256 };

function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function keyOf(item: unknown): string {
  const o = item as { id?: unknown; pos?: unknown };
  return String(o.id ?? o.pos ?? '');
}

/** Cuts the state, as it is now, into a recipe and its parts. */
export function stateInParts(state: BoardState): StateInParts {
  const snapshot = toSnapshot(state) as unknown as Record<string, unknown>;
  const recipe: RecipeStep[] = [];
  const parts = new Map<string, string>();
  let literal = `{"v":${SNAPSHOT_VERSION},"state":{`;
  let first = true;
  for (const key of Object.keys(snapshot)) {
    const value = snapshot[key];
    if (value === undefined) continue;
    literal += `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    const run = RUNS[key];
    if (!run || !Array.isArray(value)) {
      literal += JSON.stringify(value);
      continue;
    }
    literal += '[';
    let text = '';
    let partsHere = 0;
    const flush = () => {
      if (text === '') return;
      const name = createHash('sha1').update(text).digest('base64url');
      parts.set(name, text);
      recipe.push(literal + (partsHere > 0 ? ',' : ''), { p: name });
      literal = '';
      text = '';
      partsHere++;
    };
    for (const item of value) {
      text += (text === '' ? '' : ',') + JSON.stringify(item);
      if (fnv(keyOf(item)) % run === 0) flush();
    }
    flush();
    literal += ']';
  }
  recipe.push(`${literal}}}`);
  return { recipe, parts };
}

/** The state's bytes (encodeState's) from its recipe and the parts' texts. */
export function assembleState(recipe: readonly RecipeStep[], part: (name: string) => Buffer): Buffer {
  return Buffer.concat(recipe.map((step) => (typeof step === 'string' ? Buffer.from(step) : part(step.p))));
}

/** The names of the parts a recipe uses. */
export function partsOf(recipe: readonly RecipeStep[]): string[] {
  return recipe.flatMap((step) => (typeof step === 'string' ? [] : [step.p]));
}
