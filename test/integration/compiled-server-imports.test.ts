/**
 * What `npm start` loads on the embedded log: the compiled server
 * (dist/server.mjs, built by the global setup) and the chunks it imports
 * statically. Kafka's client, sharp and pino-pretty are loaded when first
 * needed (a Kafka log, an upload, pretty lines), so a server that needs
 * none of them does not carry them: about 12 MB of resident memory
 * (BENCHMARKS.md, "Against the peers, with memory cut").
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dist = new URL('../../dist/', import.meta.url);

/** Every file of ours the entry imports statically, and the packages they import statically. */
function staticGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (files.includes(file)) continue;
    files.push(file);
    const text = readFileSync(new URL(file, dist), 'utf8');
    // Static imports only: `import x from "y"`, `export … from "y"`, `} from "y"` closing a
    // multi-line one, and a bare `import "y"`; not `import("y")`.
    for (const [, specifier] of text.matchAll(/^(?:(?:import|export)\s[^;]*?from\s+|\}\s*from\s+|import\s*)"([^"]+)";?$/gm)) {
      if (specifier!.startsWith('./')) queue.push(new URL(specifier!, new URL(file, dist)).pathname.slice(dist.pathname.length));
      else packages.add(specifier!.split('/')[0]!.startsWith('@') ? specifier!.split('/').slice(0, 2).join('/') : specifier!.split('/')[0]!);
    }
  }
  return { files, packages };
}

describe('the compiled server', () => {
  it('loads the Kafka client, sharp and pino-pretty only when a server needs them', () => {
    const { files, packages } = staticGraph('server.mjs');
    // The graph is read right: what every server needs is in it.
    expect(packages).toContain('fastify');
    expect(packages).toContain('lmdb');
    expect(files.length).toBeGreaterThan(1);
    expect(packages).not.toContain('kafkajs');
    expect(packages).not.toContain('sharp');
    expect(packages).not.toContain('pino-pretty');
    // The Kafka backend is a chunk of its own, imported when KAFKA_BROKERS is set.
    const entry = readFileSync(new URL('server.mjs', dist), 'utf8');
    const kafkaChunk = entry.match(/import\("\.\/(chunks\/kafka-log-[^"]+)"\)/)?.[1];
    expect(kafkaChunk).toBeDefined();
    expect(existsSync(new URL(kafkaChunk!, dist))).toBe(true);
    expect(staticGraph(kafkaChunk!).packages).toContain('kafkajs');
  });
});
