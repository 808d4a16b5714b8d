/**
 * What `npm start` loads on the embedded log: the compiled server
 * (dist/server.mjs, built by the global setup) and the chunks it imports
 * statically. Kafka's client, sharp and pino-pretty are loaded when first
 * needed (a Kafka log, an upload, pretty lines), so a server that needs
 * none of them does not carry them: about 12 MB of resident memory
 * (BENCHMARKS.md, "Against the peers, with memory cut").
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** What the build wrote (dist/meta.json, esbuild's metafile): each output file and what it imports, statically or when first needed. */
type Meta = { outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }> };
const meta = JSON.parse(readFileSync(new URL('../../dist/meta.json', import.meta.url), 'utf8')) as Meta;

const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Every file of ours the entry imports statically, and the packages they import statically. */
function staticGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (files.includes(file)) continue;
    files.push(file);
    for (const { path, kind, external } of meta.outputs[file]!.imports) {
      if (kind !== 'import-statement') continue;
      if (external) packages.add(packageOf(path));
      else queue.push(path);
    }
  }
  return { files, packages };
}

describe('the compiled server', () => {
  it('loads the Kafka client, sharp and pino-pretty only when a server needs them', () => {
    const { files, packages } = staticGraph('dist/server.mjs');
    // The graph is read right: what every server needs is in it.
    expect(packages).toContain('fastify');
    expect(packages).toContain('lmdb');
    expect(files.length).toBeGreaterThan(1);
    expect(packages).not.toContain('kafkajs');
    expect(packages).not.toContain('sharp');
    expect(packages).not.toContain('pino-pretty');
    // The Kafka backend is a chunk of its own, imported when KAFKA_BROKERS is set.
    const kafkaChunk = meta.outputs['dist/server.mjs']!.imports.find((i) => i.kind === 'dynamic-import' && /\/kafka-log-[^/]+$/.test(i.path))?.path;
    expect(kafkaChunk).toBeDefined();
    expect(staticGraph(kafkaChunk!).packages).toContain('kafkajs');
  });
});
