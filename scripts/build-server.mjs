// Compiles the server (server/main.ts and what it imports of ours) into
// dist/server.mjs and the chunks it imports (dist/chunks/; the Kafka
// backend's only when KAFKA_BROKERS is set), which `npm start` runs with
// plain node. Run through tsx instead, the process also holds tsx's loader
// and esbuild's transform: about a third more memory and a slower start
// (BENCHMARKS.md, "The server compiled ahead of time"). Packages stay
// imports, resolved from node_modules as before (lmdb and sharp are native;
// kafkajs is patched in place, request-queue-fix.ts), except those in
// BUNDLED. One level below the repository, like server/, so that main.ts
// finds web/dist at the same relative place. What imports what is written
// to dist/meta.json (esbuild's metafile; a test reads it).
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

/**
 * Packages compiled into the server. TypeBox is some three hundred small
 * modules: loaded one by one from node_modules they held 16 MB of memory
 * and took 300 ms to start; compiled in, what the server uses of them holds
 * under 7 MB (BENCHMARKS.md, "Against the peers, with memory cut").
 */
const BUNDLED = ['typebox'];

/** Every other package stays an import. */
const packagesAsImports = {
  name: 'packages-as-imports',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path }) => {
      const name = path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0];
      return BUNDLED.includes(name) ? undefined : { path, external: true };
    });
  },
};

const { metafile } = await build({
  // Paths in the metafile are relative to the repository, wherever the build is run from.
  absWorkingDir: new URL('..', import.meta.url).pathname,
  entryPoints: ['server/main.ts'],
  outdir: new URL('../dist', import.meta.url).pathname,
  entryNames: 'server',
  outExtension: { '.js': '.mjs' },
  // What only some servers need (the Kafka backend) is imported when first
  // needed, from a chunk of its own: a server on the embedded log never
  // loads kafkajs.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [packagesAsImports],
  // Readable as is: a stack trace names our functions and lines close to the source's.
  minify: false,
  keepNames: true,
  logLevel: 'warning',
  metafile: true,
});

// Chunks are named by their content: last build's would pile up. Removed
// once this build is written, so a failed build leaves the last one whole.
const chunks = new URL('../dist/chunks/', import.meta.url);
const written = new Set(Object.keys(metafile.outputs).map((path) => path.split('/').pop()));
for (const file of readdirSync(chunks)) if (!written.has(file)) rmSync(new URL(file, chunks));
writeFileSync(new URL('../dist/meta.json', import.meta.url), JSON.stringify(metafile));
console.log('server built into dist/server.mjs');
