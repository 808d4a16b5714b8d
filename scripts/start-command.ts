/**
 * What `npm start` runs, read from package.json: `node [flags]
 * dist/server.mjs`. Tests and benchmarks start the compiled server with the
 * same flags, so what they check and measure is what is deployed.
 */
import { readFileSync } from 'node:fs';

/** node's flags in `npm start`, before the compiled server. */
export function startFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const words = scripts.start.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/server.mjs') throw new Error(`npm start must run node [flags] dist/server.mjs; it runs: ${scripts.start}`);
  return words.slice(1, -1);
}
