/**
 * Nesting of a JSON text, measured before it is parsed: the edge's frames
 * (validate.ts), the binary frames' JSON bodies (wire/bytes.ts) and the
 * presence bus bound it, so no text makes JSON.parse build deep structures.
 * No dependencies: the web app's bundle takes it with the wire.
 */

/**
 * How deeply arrays and objects nest in a JSON text, without parsing it:
 * stops counting once past `limit`. Brackets inside strings do not count.
 */
export function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    }
  }
  return max;
}
