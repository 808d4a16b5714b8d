/**
 * Writes server/text/font-metrics.ts: the board font's vertical metrics and
 * the advance width of every character it maps, read from the font file the
 * app serves (so the table and the glyphs the browser draws come from the
 * same bytes). Text layout wraps from this table alone, never from a
 * browser's measureText, so every page, the replay and the server's SVG
 * export break lines alike.
 *
 *   npx tsx scripts/font-metrics.ts
 *
 * Run it again whenever the font (or its package's version) changes; the
 * unit test text-layout.test.ts fails until it is.
 *
 * The font is parsed here rather than with a font library: only four sfnt
 * tables are needed (head, hhea, hmtx, cmap), from a WOFF2 (brotli) or a
 * WOFF 1.0 (zlib) container, both of which node:zlib inflates. Kerning and
 * other shaping are ignored on purpose: line breaks depend on the table only.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync, inflateSync } from 'node:zlib';
import { boardFontPath, boardFontSource } from '../server/text/font-file.ts';

/** What layout needs of a font, in font units. */
export type FontMetrics = {
  unitsPerEm: number;
  ascender: number;
  descender: number;
  /** Code point → advance width, for every code point the cmap maps to a real glyph (not .notdef). */
  advances: Map<number, number>;
};

/** The generated module, relative to this script. */
const OUTPUT = new URL('../server/text/font-metrics.ts', import.meta.url);

// WOFF2's table directory names the common tables by index (WOFF2 spec, 5.1).
const WOFF2_TAGS = (
  'cmap head hhea hmtx maxp name OS/2 post cvt_ fpgm glyf loca prep CFF_ VORG EBDT EBLC gasp hdmx kern LTSH ' +
  'PCLT VDMX vhea vmtx BASE GDEF GPOS GSUB EBSC JSTF MATH CBDT CBLC COLR CPAL SVG_ sbix acnt avar bdat bloc ' +
  'bsln cvar fdsc feat fmtx fvar gvar hsty just lcar mort morx opbd prop trak Zapf Silf Glat Gloc Feat Sill'
)
  .split(' ')
  .map((t) => t.replace('_', ' '));

/** The sfnt tables of a WOFF2, WOFF or bare TrueType/OpenType file, uncompressed, by tag. */
function sfntTables(bytes: Uint8Array): Map<string, Buffer> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signature = buf.toString('latin1', 0, 4);
  const tables = new Map<string, Buffer>();
  if (signature === 'wOF2') {
    const numTables = buf.readUInt16BE(12);
    const compressedLength = buf.readUInt32BE(20);
    let pos = 48;
    const base128 = (): number => {
      let value = 0;
      for (let i = 0; i < 5; i++) {
        const b = buf.readUInt8(pos++);
        value = value * 128 + (b & 0x7f);
        if ((b & 0x80) === 0) return value;
      }
      throw new Error('WOFF2: bad UIntBase128');
    };
    const entries: { tag: string; length: number; transformed: boolean }[] = [];
    for (let i = 0; i < numTables; i++) {
      const flags = buf.readUInt8(pos++);
      let tag = WOFF2_TAGS[flags & 0x3f];
      if ((flags & 0x3f) === 0x3f) {
        tag = buf.toString('latin1', pos, pos + 4);
        pos += 4;
      }
      if (tag === undefined) throw new Error(`WOFF2: unknown table index ${flags & 0x3f}`);
      const version = flags >> 6;
      const origLength = base128();
      // glyf and loca are transformed at version 0; every other table at any version but 0.
      const transformed = tag === 'glyf' || tag === 'loca' ? version === 0 : version !== 0;
      entries.push({ tag, transformed, length: transformed ? base128() : origLength });
    }
    if (buf.toString('latin1', 4, 8) === 'ttcf') throw new Error('WOFF2: font collections are not supported');
    const data = brotliDecompressSync(buf.subarray(pos, pos + compressedLength));
    let offset = 0;
    for (const { tag, length, transformed } of entries) {
      // A transformed hmtx starts with a flags byte, then the advances as usual (WOFF2 spec, 5.4).
      const table = data.subarray(offset, offset + length);
      tables.set(tag, tag === 'hmtx' && transformed ? table.subarray(1) : table);
      offset += length;
    }
  } else if (signature === 'wOFF') {
    const numTables = buf.readUInt16BE(12);
    for (let i = 0; i < numTables; i++) {
      const at = 44 + i * 20;
      const offset = buf.readUInt32BE(at + 4);
      const compLength = buf.readUInt32BE(at + 8);
      const origLength = buf.readUInt32BE(at + 12);
      const stored = buf.subarray(offset, offset + compLength);
      tables.set(buf.toString('latin1', at, at + 4), compLength < origLength ? inflateSync(stored) : stored);
    }
  } else {
    const numTables = buf.readUInt16BE(4);
    for (let i = 0; i < numTables; i++) {
      const at = 12 + i * 16;
      const offset = buf.readUInt32BE(at + 8);
      tables.set(buf.toString('latin1', at, at + 4), buf.subarray(offset, offset + buf.readUInt32BE(at + 12)));
    }
  }
  return tables;
}

/** Code point → glyph id, from the best Unicode subtable: format 12 (full Unicode) if there is one, else format 4 (BMP). */
function readCmap(cmap: Buffer): Map<number, number> {
  const subtables: { format: number; offset: number }[] = [];
  for (let i = 0; i < cmap.readUInt16BE(2); i++) {
    const platform = cmap.readUInt16BE(4 + i * 8);
    const encoding = cmap.readUInt16BE(6 + i * 8);
    const offset = cmap.readUInt32BE(8 + i * 8);
    if (platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10))) {
      subtables.push({ format: cmap.readUInt16BE(offset), offset });
    }
  }
  const map = new Map<number, number>();
  const f12 = subtables.find((s) => s.format === 12);
  const f4 = subtables.find((s) => s.format === 4);
  if (f12) {
    const groups = cmap.readUInt32BE(f12.offset + 12);
    for (let g = 0; g < groups; g++) {
      const at = f12.offset + 16 + g * 12;
      const start = cmap.readUInt32BE(at);
      const end = cmap.readUInt32BE(at + 4);
      const glyph = cmap.readUInt32BE(at + 8);
      for (let c = start; c <= end; c++) map.set(c, glyph + c - start);
    }
  } else if (f4) {
    const at = f4.offset;
    const segments = cmap.readUInt16BE(at + 6) / 2;
    const ends = at + 14;
    const starts = ends + segments * 2 + 2;
    const deltas = starts + segments * 2;
    const rangeOffsets = deltas + segments * 2;
    for (let s = 0; s < segments; s++) {
      const end = cmap.readUInt16BE(ends + s * 2);
      const start = cmap.readUInt16BE(starts + s * 2);
      const delta = cmap.readUInt16BE(deltas + s * 2);
      const rangeOffset = cmap.readUInt16BE(rangeOffsets + s * 2);
      for (let c = start; c <= end && c !== 0xffff; c++) {
        let glyph: number;
        if (rangeOffset === 0) glyph = (c + delta) & 0xffff;
        else {
          // idRangeOffset is relative to its own slot in the array (the format's famous quirk).
          glyph = cmap.readUInt16BE(rangeOffsets + s * 2 + rangeOffset + (c - start) * 2);
          if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
        }
        map.set(c, glyph);
      }
    }
  } else {
    throw new Error('cmap: no Unicode subtable of format 4 or 12');
  }
  return map;
}

/** Reads a font file's metrics (WOFF2, WOFF or bare sfnt). */
export function readFontMetrics(bytes: Uint8Array): FontMetrics {
  const tables = sfntTables(bytes);
  const table = (tag: string): Buffer => {
    const t = tables.get(tag);
    if (!t) throw new Error(`font has no ${tag} table`);
    return t;
  };
  const head = table('head');
  const hhea = table('hhea');
  const hmtx = table('hmtx');
  const numberOfHMetrics = hhea.readUInt16BE(34);
  // Glyphs past the last long metric share its advance (monospaced tails).
  const advanceOf = (glyph: number): number => hmtx.readUInt16BE(Math.min(glyph, numberOfHMetrics - 1) * 4);
  const advances = new Map<number, number>();
  for (const [code, glyph] of [...readCmap(table('cmap'))].sort((a, b) => a[0] - b[0])) {
    if (glyph !== 0) advances.set(code, advanceOf(glyph));
  }
  return { unitsPerEm: head.readUInt16BE(18), ascender: hhea.readInt16BE(4), descender: hhea.readInt16BE(6), advances };
}

/**
 * The advances as runs of consecutive code points: each run is its first
 * code point followed by the advance of each code point in it. Compact
 * (a Latin font is a handful of runs) and still readable in a diff.
 */
export function advanceRuns(advances: ReadonlyMap<number, number>): number[][] {
  const runs: number[][] = [];
  let last = -2;
  for (const [code, advance] of [...advances].sort((a, b) => a[0] - b[0])) {
    const run = runs[runs.length - 1];
    if (run && code === last + 1) run.push(advance);
    else runs.push([code, advance]);
    last = code;
  }
  return runs;
}

/** The text of server/text/font-metrics.ts for these metrics. */
export function metricsModule(metrics: FontMetrics, source: string): string {
  const runs = advanceRuns(metrics.advances)
    .map(([first, ...rest]) => `    [0x${first!.toString(16).padStart(4, '0')}, ${rest.join(',')}],`)
    .join('\n');
  return `// Generated by \`npx tsx scripts/font-metrics.ts\` from ${source}: do not edit.
// The board font's metrics in font units; layout.ts wraps text from them alone.

/** Metrics of the board font, in font units (unitsPerEm to the em). */
export const FONT_METRICS = {
  unitsPerEm: ${metrics.unitsPerEm},
  ascender: ${metrics.ascender},
  descender: ${metrics.descender},
  /** Runs of consecutive code points: [first code point, advance of it, advance of the next, ...]. */
  advanceRuns: [
${runs}
  ] as readonly (readonly number[])[],
} as const;
`;
}

/** The module as it should be now, for the board font as installed. */
export function currentMetricsModule(): string {
  return metricsModule(readFontMetrics(readFileSync(boardFontPath())), boardFontSource());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = currentMetricsModule();
  writeFileSync(OUTPUT, text);
  console.log(`wrote ${OUTPUT.pathname} (${text.length} bytes)`);
}
