/**
 * The peers `npm run bench` measures us against (Hocuspocus, tldraw's sync
 * server, and their client libraries), installed on demand into
 * .cache/peers (not dependencies of the whiteboard: nothing of theirs runs
 * in it). Versions are pinned so that runs compare like with like.
 *
 *   npx tsx scripts/bench/peers/install.ts    installs them now (CI does, up front)
 *
 * better-sqlite3 (under Hocuspocus's SQLite extension) is a native addon
 * whose prebuilt binaries are downloaded from GitHub; where that fails it
 * compiles with node-gyp, pointed at the running Node's own headers so
 * that nothing else is downloaded.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PEER_PACKAGES = {
  '@hocuspocus/server': '4.7.0',
  '@hocuspocus/extension-sqlite': '4.7.0',
  '@hocuspocus/provider': '4.7.0',
  yjs: '13.6.33',
  '@tldraw/sync-core': '5.4.2',
  '@tldraw/tlschema': '5.4.2',
  '@tldraw/store': '5.4.2',
  '@tldraw/state': '5.4.2',
} as const;

const root = fileURLToPath(new URL('../../..', import.meta.url));
/** One directory per Node ABI: the native addon is built for one. */
export const PEERS_DIR = join(root, '.cache', 'peers', `node-abi${process.versions.modules}`);
const manifest = join(PEERS_DIR, 'package.json');

/** Where Node's headers are for a node-gyp build: the running Node's prefix (the Node package, a distribution's /usr). */
function nodeHeadersDir(): string | undefined {
  for (const prefix of [dirname(dirname(process.execPath)), '/usr']) if (existsSync(join(prefix, 'include', 'node', 'node.h'))) return prefix;
  return undefined;
}

/** Installs the peers once (per Node ABI). */
export function ensurePeers(): void {
  const stamp = join(PEERS_DIR, `installed-${Object.entries(PEER_PACKAGES).map(([n, v]) => `${n.replace(/[@/]/g, '_')}@${v}`).join(',')}`);
  if (existsSync(stamp)) return;
  mkdirSync(PEERS_DIR, { recursive: true });
  writeFileSync(manifest, JSON.stringify({ name: 'bench-peers', private: true }));
  const headers = nodeHeadersDir();
  process.stderr.write(`installing the peers into ${PEERS_DIR} (once)\n`);
  try {
    // Hocuspocus 4.7 asks for Node 22 in its manifest; it runs on 20, where it was measured too.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...Object.entries(PEER_PACKAGES).map(([name, v]) => `${name}@${v}`)], {
      cwd: PEERS_DIR,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...(headers ? { npm_config_nodedir: headers } : {}) },
    });
  } catch (error) {
    throw new Error(`installing the peers failed:\n${String((error as { stderr?: Buffer }).stderr ?? error).slice(-4_000)}`);
  }
  // The addon must load, or the bench would fail later and less clearly.
  execFileSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: PEERS_DIR, stdio: 'inherit' });
  writeFileSync(stamp, '');
}

/**
 * A peer package as ESM, imported from within .cache/peers (through a
 * one-line module there), so that it and its dependencies resolve as its
 * own code would: one copy of yjs for the provider and for us.
 */
export async function importPeer<T>(name: keyof typeof PEER_PACKAGES): Promise<T> {
  const shim = join(PEERS_DIR, `import-${name.replace(/[@/]/g, '_')}.mjs`);
  if (!existsSync(shim)) writeFileSync(shim, `export * from '${name}';\n`);
  return (await import(pathToFileURL(shim).href)) as T;
}

// Run as a script (not when compiled into a peer's server, scripts/bench/targets.ts).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && import.meta.url.endsWith('/install.ts')) ensurePeers();
