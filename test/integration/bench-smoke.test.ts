/**
 * `npm run bench` end to end on a tiny load: every figure is produced, for
 * the relay, the embedded log and Kafka, and the classrooms for the peer. Speed itself is measured by the
 * benchmark, never asserted here.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import type { BrowserFigures } from '../../scripts/bench/browser.ts';
import type { ClassroomFigures, LoadFigures, ScaleSteps } from '../../scripts/bench/run.ts';
import { tempDir } from '../support/server.ts';

const run = promisify(execFile);

describe('benchmark smoke run', () => {
  // Three targets started, loaded, seeded and restarted, a peer, and a browser: 2 minutes on an idle
  // machine, nearly 4 with a second test suite running beside it; one more where the peer's native
  // addon is not built yet (.ci/run builds it up front).
  it('produces every figure for every target', { timeout: 600_000 }, async () => {
    const dir = await tempDir('bench-smoke-');
    const json = `${dir.path}/bench.json`;
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/bench/run.ts', '--smoke', '--json', json], {
        env: { ...process.env, KAFKA_BROKERS: inject('kafkaBrokers') },
        maxBuffer: 10 * 1024 * 1024,
      });
      expect(stdout).toMatch(/\| relay \|/);
      const { report, classrooms, browser, storage } = JSON.parse(await readFile(json, 'utf8')) as {
        storage: { embedded: number; kafka: number | null };
        report: Record<string, { standard: LoadFigures; scale: ScaleSteps; big?: Record<string, number> }>;
        classrooms: Record<string, Record<string, ClassroomFigures>>;
        browser: { seeded: BrowserFigures[]; empty: BrowserFigures[] };
      };
      // The board page in Chromium: live, inked, and frames measured while drawing, panning and zooming.
      const [page] = browser.seeded;
      expect(page!.liveMs).toBeGreaterThan(0);
      expect(page!.firstInkMs).toBeGreaterThan(0);
      expect(page!.inkedMs).toBeGreaterThanOrEqual(page!.firstInkMs);
      for (const activity of ['drawing', 'panning', 'zooming'] as const) {
        expect(page!.frames[activity].frames, activity).toBeGreaterThan(10);
        expect(page!.frames[activity].interval.p95, activity).toBeGreaterThan(0);
      }
      expect(stdout).toMatch(/all ink on screen/);
      expect(stdout).toMatch(/\| embedded \(log.lmdb\) \|/);
      expect(storage.embedded).toBeGreaterThan(0);
      // A board of 20,000 points carries the file's fixed costs (about 60
      // bytes a point here); unpacked records alone would be over 200.
      // test/integration/storage.test.ts holds a class hour to 20.
      expect(storage.embedded).toBeLessThan(150);
      expect(Object.keys(report)).toEqual(['relay', 'embedded', 'kafka']);
      // Classrooms: one board where everyone draws, one where a few draw and the rest watch.
      // The peers, Hocuspocus and tldraw, on the same classrooms through their own clients, and our ratios to them.
      expect(Object.keys(classrooms)).toEqual(['relay', 'embedded', 'kafka', 'hocuspocus', 'tldraw']);
      expect(stdout).toMatch(/\| 4 people, 4 drawing \| kafka \|/);
      expect(stdout).toMatch(/Against hocuspocus, same run/);
      expect(stdout).toMatch(/Against tldraw, same run/);
      expect(stdout).toMatch(/\| 6 people, 2 drawing \| embedded \| \d+\.\d\d× \| \d+\.\d\d× \| \d+\.\d\d× \|/);
      for (const [kind, rooms] of Object.entries(classrooms)) {
        expect(Object.keys(rooms), kind).toEqual(['all drawing', 'few drawing']);
        for (const [room, c] of Object.entries(rooms)) {
          expect(c.errors, `${kind} ${room}`).toEqual([]);
          expect(c.clients, `${kind} ${room}`).toBe(room === 'all drawing' ? 4 : 6);
          for (const figure of ['p50', 'p99', 'batchesPerS', 'rssMB', 'bytesPerPointUp', 'bytesPerPointDown'] as const) {
            expect(c[figure], `${kind} ${room} ${figure}`).toBeGreaterThan(0);
          }
          expect(c.p50).toBeLessThanOrEqual(c.p99);
        }
      }
      for (const [kind, r] of Object.entries(report)) {
        const s = r.standard;
        expect(s.errors, kind).toEqual([]);
        for (const figure of ['p50', 'p95', 'p99', 'max', 'batchesPerS', 'pointsPerS', 'rssMB', 'bytesPerPointUp', 'bytesPerPointDown'] as const) {
          expect(s[figure], `${kind} ${figure}`).toBeGreaterThan(0);
        }
        expect(s.cpuPercent, `${kind} cpu`).toBeGreaterThanOrEqual(0);
        expect(s.p50).toBeLessThanOrEqual(s.p99);
        expect(r.scale.steps.length, `${kind} scale steps`).toBeGreaterThan(0);
        for (const step of r.scale.steps) expect(step.p99, `${kind} scale p99`).toBeGreaterThan(0);
        if (kind === 'relay') continue;
        for (const figure of ['restartMs', 'coldFirstByteMs', 'coldCompleteMs', 'warmFirstByteMs', 'warmCompleteMs', 'replaySeekMs', 'seededReplaySeekMs']) {
          expect(r.big?.[figure], `${kind} ${figure}`).toBeGreaterThan(0);
        }
      }
    } finally {
      await dir.remove();
    }
  });
});
