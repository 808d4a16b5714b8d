// Bundles the web app (web/src, plus the protocol and fold it shares with
// the server) into web/dist, next to a copy of the page, its styles and its font.
import { copyFileSync, cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const web = new URL('../web/', import.meta.url);
const dist = new URL('dist/', web);
mkdirSync(dist, { recursive: true });
// WEB_MINIFY=0 keeps names, for reading a CPU profile of the page.
await build({
  entryPoints: {
    app: new URL('src/main.ts', web).pathname,
    replay: new URL('src/replay-main.ts', web).pathname,
    home: new URL('src/home-main.ts', web).pathname,
    'tile-worker': new URL('src/tile-worker.ts', web).pathname,
    // PDF import (pdf.js), loaded by the page only when a PDF is imported.
    'pdf-render': new URL('src/pdf-render.ts', web).pathname,
    'pdf-worker': createRequire(import.meta.url).resolve('pdfjs-dist/build/pdf.worker.mjs'),
  },
  outdir: dist.pathname,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  minify: process.env.WEB_MINIFY !== "0",
  keepNames: process.env.WEB_MINIFY === "0",
  logLevel: 'warning',
});
for (const file of ['index.html', 'replay.html', 'home.html', 'styles.css']) copyFileSync(new URL(file, web), new URL(file, dist));
// The board font, served from this origin (the CSP allows no other). The same
// package and file as BOARD_FONT in server/text/layout.ts, which this plain
// script cannot import; the text-layout unit test checks they agree.
const fontFile = 'atkinson-hyperlegible-latin-400-normal.woff2';
const fontPackage = dirname(createRequire(import.meta.url).resolve('@fontsource/atkinson-hyperlegible'));
mkdirSync(new URL('fonts/', dist), { recursive: true });
copyFileSync(join(fontPackage, 'files', fontFile), new URL(`fonts/${fontFile}`, dist));
// pdf.js's fonts, character maps and image decoders, fetched by its worker from this origin.
const pdfPackage = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
for (const dir of ['standard_fonts', 'cmaps', 'wasm']) cpSync(join(pdfPackage, dir), new URL(`pdf/${dir}/`, dist), { recursive: true });
console.log('web app built into web/dist');
