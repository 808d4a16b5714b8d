import { execFileSync } from 'node:child_process';

/** The browser tests load the built web app; build it once per run. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
}
