// Bundles the web app (web/src, plus the protocol and fold it shares with
// the server) into web/dist, next to a copy of the page and its styles.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const web = new URL('../web/', import.meta.url);
const dist = new URL('dist/', web);
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: {
    app: new URL('src/main.ts', web).pathname,
    replay: new URL('src/replay-main.ts', web).pathname,
    'tile-worker': new URL('src/tile-worker.ts', web).pathname,
  },
  outdir: dist.pathname,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
for (const file of ['index.html', 'replay.html', 'styles.css']) copyFileSync(new URL(file, web), new URL(file, dist));
console.log('web app built into web/dist');
