/**
 * The whole map of partition ownership, as this instance knows it: which
 * instance (by public URL) owns each partition of the boards' topic. kafkajs
 * tells a member only its own partitions, so after every join of the group
 * the map is read from the group's description: each member's URL (its
 * subscription) and partitions (its assignment).
 *
 * A socket for a board of one of our partitions is served at once. One for
 * another partition waits while the group rebalances, then is told where
 * the board is served. When a rebalance takes partitions away, the rooms
 * of their boards are told (onMovedAway) and send their clients on.
 */
import type { GroupDescription } from 'kafkajs';
import type { Logger } from '../../../logger.ts';
import { LogUnavailableError, type BoardPlacement, type MovedAwayListener } from '../../board-log.ts';
import { memberPartitions, memberUrl } from './owner-assigner.ts';
import { boardSocketUrl, originOf } from './public-url.ts';

/** How long a socket waits for a rebalance to settle before it is told to come back later. */
const SETTLE_WAIT_MS = 15_000;
/** Tries at reading a settled description of the group after a join. */
const DESCRIBE_TRIES = 20;
const DESCRIBE_PAUSE_MS = 100;
/** How long a clean shutdown waits for the others to take its partitions. */
const HANDOVER_WAIT_MS = 10_000;

export class PartitionOwners implements BoardPlacement {
  private owners = new Map<number, string>();
  private mine = new Set<number>();
  private origins = new Set<string>();
  private settled = false;
  private leaving = false;
  private generation = 0;
  private waiters = new Set<() => void>();
  private readonly movedAway = new Set<MovedAwayListener>();

  constructor(
    readonly publicUrl: string,
    private readonly topic: string,
    private readonly partitionOf: (board: string) => number,
    private readonly describe: () => Promise<GroupDescription | undefined>,
    /** Leaves the group (the consumer of the boards' topic disconnects). */
    private readonly leave: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** A rebalance began: sockets for partitions not ours wait for the new map. */
  rebalancing(): void {
    this.settled = false;
  }

  /** This instance joined the group again and was given `assigned`: reads the rest of the map. */
  async joined(assigned: readonly number[]): Promise<void> {
    const generation = ++this.generation;
    this.settled = false;
    const before = this.mine;
    const mine = new Set(assigned);
    // The fan-out stopped the lost partitions already: their rooms go now,
    // before the map is read (a later join may give one back, and its rooms
    // must then load again rather than resume across the records they missed).
    // Their pages reconnect, and are sent on once the map is known.
    this.mine = mine;
    const lost = [...before].filter((p) => !mine.has(p));
    if (lost.length > 0) this.sendAway(new Set(lost), new Map());
    let owners = new Map<number, string>();
    let origins = new Set<string>();
    for (let attempt = 0; attempt < DESCRIBE_TRIES; attempt++) {
      try {
        const map = mapOf(await this.describe(), this.topic);
        ({ owners, origins } = map);
        if (map.settled) break;
      } catch (err) {
        this.logger.debug({ err }, 'describing the ownership group failed; trying again');
      }
      if (generation !== this.generation) return;
      await new Promise((r) => setTimeout(r, DESCRIBE_PAUSE_MS));
    }
    if (generation !== this.generation) return;
    // What this instance was given is certain; the description may lag it.
    for (const partition of mine) owners.set(partition, this.publicUrl);
    this.owners = owners;
    // A description never read (the coordinator moving, say) keeps the origins known before.
    if (origins.size > 0) this.origins = origins;
    this.settled = true;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    this.logger.info({ partitions: mine.size, gained: [...mine].filter((p) => !before.has(p)).length, lost: lost.length, instances: origins.size }, 'partition ownership settled');
  }

  /** Whether this instance serves `board` now (a room opens only for a board of one of its partitions). */
  servesHere(board: string): boolean {
    return this.mine.has(this.partitionOf(board));
  }

  /** Tells the rooms of boards in `gone` where they are served now. */
  private sendAway(gone: ReadonlySet<number>, owners: ReadonlyMap<number, string>): void {
    for (const listener of this.movedAway) {
      listener((board) => {
        const partition = this.partitionOf(board);
        if (!gone.has(partition)) return 'here';
        const url = owners.get(partition);
        return { url: url ? boardSocketUrl(url, board) : null };
      });
    }
  }

  /**
   * A clean shutdown: leaves the group, so that the others share this
   * instance's partitions out now rather than after the session timeout,
   * waits (a few seconds at most) until they have, and sends every page
   * here to its board's new owner.
   */
  async handOver(): Promise<void> {
    const held = new Set(this.mine);
    await this.leave();
    const deadline = Date.now() + HANDOVER_WAIT_MS;
    let owners = new Map<number, string>();
    while (Date.now() < deadline) {
      const group = await this.describe().catch((err: unknown) => {
        this.logger.debug({ err }, 'describing the ownership group failed; trying again');
        return undefined;
      });
      if (group?.state === 'Empty' || group?.state === 'Dead') break;
      const map = mapOf(group, this.topic);
      if (map.settled) {
        owners = map.owners;
        if ([...held].every((p) => owners.has(p) && owners.get(p) !== this.publicUrl)) break;
      }
      await new Promise((r) => setTimeout(r, DESCRIBE_PAUSE_MS));
    }
    this.logger.info({ partitions: held.size, taken: [...held].filter((p) => owners.has(p)).length }, 'handed partitions over');
    this.sendAway(held, owners);
  }

  /** This instance left the group: it serves no new page, and the ones it has go once their boards' new owners are known. */
  left(): void {
    this.generation++;
    this.leaving = true;
    this.mine = new Set();
    this.settled = false;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  async whereIs(board: string): Promise<string | null> {
    const partition = this.partitionOf(board);
    if (this.mine.has(partition)) return null;
    if (!this.settled && !this.leaving) await this.settle();
    if (this.leaving) throw new LogUnavailableError('this instance is shutting down');
    if (this.mine.has(partition)) return null;
    const url = this.owners.get(partition);
    if (!url) throw new LogUnavailableError(`no instance owns partition ${partition} yet`);
    return boardSocketUrl(url, board);
  }

  instanceOrigins(): ReadonlySet<string> {
    return this.origins;
  }

  onMovedAway(listener: MovedAwayListener): () => void {
    this.movedAway.add(listener);
    return () => this.movedAway.delete(listener);
  }

  /** Partitions this instance owns now, and the instances it knows of (for tests and logs). */
  get view(): { mine: number[]; owners: ReadonlyMap<number, string> } {
    return { mine: [...this.mine].sort((a, b) => a - b), owners: this.owners };
  }

  private settle(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new LogUnavailableError('the instances are still sharing out the boards'));
      }, SETTLE_WAIT_MS);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.add(wake);
    });
  }
}

/** The map a description of the group gives: each partition's owner URL, the instances' origins, and whether every member had its assignment (the group settled). */
function mapOf(group: GroupDescription | undefined, topic: string): { owners: Map<number, string>; origins: Set<string>; settled: boolean } {
  const owners = new Map<number, string>();
  const origins = new Set<string>();
  let settled = group?.state === 'Stable';
  for (const member of group?.members ?? []) {
    const url = memberUrl(member.memberMetadata);
    if (!url) settled = false;
    const origin = originOf(url);
    if (origin) origins.add(origin);
    if (member.memberAssignment.length === 0) settled = false;
    for (const partition of memberPartitions(member.memberAssignment, topic)) owners.set(partition, url);
  }
  return { owners, origins, settled };
}
