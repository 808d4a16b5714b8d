/**
 * Hands each partition's records to the rooms once, in offset order, from
 * two sources: the produce acknowledgements of this instance's own appends
 * (at once: no wait for the consumer to fetch them back) and the consumer,
 * for records written elsewhere (a fork on another instance, a client not
 * moved yet, a former owner's last appends).
 *
 * Per partition it knows `next`, the offset it hands over next. An
 * acknowledged record at `next` goes out at once; one past it waits until
 * the consumer has filled the gap; one before it went out already. A
 * consumed batch is the partition's truth from its first offset to its
 * last: offsets it lacks (compacted away) do not exist, so `next` moves
 * past its end.
 */
import type { LogRecord } from '../../../protocol/messages.ts';

export type Via = 'consumer' | 'ack';

type Partition = { next: number; waiting: Map<number, LogRecord> };

export class OrderedDelivery {
  private readonly partitions = new Map<number, Partition>();
  /** Records handed over, by where they came from. */
  readonly counts: Record<Via, number> = { consumer: 0, ack: 0 };

  constructor(private readonly deliver: (record: LogRecord, partition: number, via: Via) => void) {}

  /** From now on the partition's records from `offset` are handed over. */
  start(partition: number, offset: number): void {
    this.partitions.set(partition, { next: offset, waiting: new Map() });
  }

  /** The partition is no longer followed here. */
  stop(partition: number): void {
    this.partitions.delete(partition);
  }

  follows(partition: number): boolean {
    return this.partitions.has(partition);
  }

  followed(): number[] {
    return [...this.partitions.keys()];
  }

  /** The offset handed over next, or undefined for a partition not followed. */
  next(partition: number): number | undefined {
    return this.partitions.get(partition)?.next;
  }

  /** This instance's own record, acknowledged by Kafka at offset `record.pos`. */
  acked(partition: number, record: LogRecord): void {
    const p = this.partitions.get(partition);
    if (!p || record.pos < p.next) return;
    if (record.pos > p.next) {
      p.waiting.set(record.pos, record);
      return;
    }
    this.handOver(p, partition, record, 'ack');
    this.drain(p, partition);
  }

  /**
   * A batch the consumer fetched: `records` (decoded, in offset order; the
   * batch's messages that were not records are simply absent) and the
   * batch's last offset.
   */
  consumed(partition: number, records: readonly LogRecord[], lastOffset: number): void {
    const p = this.partitions.get(partition);
    if (!p) return;
    for (const record of records) {
      if (record.pos < p.next) continue;
      p.waiting.delete(record.pos);
      this.handOver(p, partition, record, 'consumer');
    }
    if (lastOffset + 1 > p.next) p.next = lastOffset + 1;
    for (const offset of p.waiting.keys()) if (offset < p.next) p.waiting.delete(offset);
    this.drain(p, partition);
  }

  private handOver(p: Partition, partition: number, record: LogRecord, via: Via): void {
    p.next = record.pos + 1;
    this.counts[via]++;
    this.deliver(record, partition, via);
  }

  private drain(p: Partition, partition: number): void {
    for (let record = p.waiting.get(p.next); record; record = p.waiting.get(p.next)) {
      p.waiting.delete(record.pos);
      this.handOver(p, partition, record, 'ack');
    }
  }
}
