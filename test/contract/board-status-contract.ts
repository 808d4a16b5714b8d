/**
 * The rules every board status store (server/log/board-status.ts) keeps,
 * run against each backend: board-status-lmdb.test.ts, board-status-kafka.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BoardStatus, BoardStatusStore } from '../../server/log/board-status.ts';

export type StatusBackend = {
  /** Opens a store on the backend's storage: a second one stands for another instance (or the CLI in another process). */
  open(): Promise<BoardStatusStore>;
  dispose(): Promise<void>;
};

const deleted = (at: number, extra: Partial<BoardStatus> = {}): BoardStatus => ({ deletedAt: at, by: 'owner-hash', restoreUntil: at + 7 * 86_400_000, ...extra });

export function registerBoardStatusContract(name: string, backend: () => Promise<StatusBackend>): void {
  describe(`board status store: ${name}`, () => {
    let storage: StatusBackend;
    const opened: BoardStatusStore[] = [];
    const open = async () => {
      const store = await storage.open();
      opened.push(store);
      return store;
    };

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await storage?.dispose();
    });

    it('a board nobody deleted is live', async () => {
      storage = await backend();
      const store = await open();
      expect(store.get('never-deleted')).toBeNull();
      expect(store.all().size).toBe(0);
    });

    it('a status set is answered by the store that set it as soon as set resolves, and told to its listeners', async () => {
      storage = await backend();
      const store = await open();
      const heard: [string, BoardStatus | null][] = [];
      store.onChange((board, status) => heard.push([board, status]));
      await store.set('b1', deleted(1_000));
      expect(store.get('b1')).toEqual(deleted(1_000));
      expect([...store.all().keys()]).toEqual(['b1']);
      expect(heard).toContainEqual(['b1', deleted(1_000)]);
    });

    it('another instance learns of a deletion and of a restore within a second or two, through onChange', async () => {
      storage = await backend();
      const [a, b] = [await open(), await open()];
      const heard: [string, BoardStatus | null][] = [];
      b.onChange((board, status) => heard.push([board, status]));
      const started = Date.now();
      await a.set('shared', deleted(2_000));
      await expect.poll(() => b.get('shared'), { timeout: 5_000 }).toEqual(deleted(2_000));
      expect(Date.now() - started).toBeLessThan(3_000);
      await a.set('shared', null);
      await expect.poll(() => b.get('shared'), { timeout: 5_000 }).toBeNull();
      expect(heard).toEqual([
        ['shared', deleted(2_000)],
        ['shared', null],
      ]);
    });

    it('statuses are durable: a store opened later knows every deleted and erased board, and not the restored ones', async () => {
      storage = await backend();
      const first = await open();
      await first.set('deleted', deleted(3_000));
      await first.set('erased', deleted(3_000, { erasedAt: 4_000 }));
      await first.set('restored', deleted(3_000));
      await first.set('restored', null);
      await first.close();
      const later = await open();
      expect(later.get('deleted')).toEqual(deleted(3_000));
      expect(later.get('erased')).toEqual(deleted(3_000, { erasedAt: 4_000 }));
      expect(later.get('restored')).toBeNull();
      expect(new Set(later.all().keys())).toEqual(new Set(['deleted', 'erased']));
    });

    it('the last status set wins, and setting the same status again tells nobody', async () => {
      storage = await backend();
      const store = await open();
      const heard: (BoardStatus | null)[] = [];
      store.onChange((_board, status) => heard.push(status));
      await store.set('b', deleted(5_000));
      await store.set('b', deleted(5_000, { erasedAt: 6_000 }));
      await store.set('b', deleted(5_000, { erasedAt: 6_000 }));
      expect(store.get('b')).toEqual(deleted(5_000, { erasedAt: 6_000 }));
      expect(heard).toEqual([deleted(5_000), deleted(5_000, { erasedAt: 6_000 })]);
    });

    it('close is safe to call twice', async () => {
      storage = await backend();
      const store = await storage.open();
      await store.close();
      await store.close();
    });
  });
}
