/**
 * The pure parts of partition ownership: who owns each partition
 * (rendezvous.ts) and handing records over once and in order from two
 * sources (ordered-delivery.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignPartitions, ownerOf, type Member } from '../../server/log/kafka/ownership/rendezvous.ts';
import { OrderedDelivery } from '../../server/log/kafka/ownership/ordered-delivery.ts';
import { boardSocketUrl, parsePublicUrl } from '../../server/log/kafka/ownership/public-url.ts';
import { memberPartitions, memberUrl } from '../../server/log/kafka/ownership/owner-assigner.ts';
import { AssignerProtocol } from 'kafkajs';
import type { LogRecord } from '../../server/protocol/messages.ts';

const PARTITIONS = Array.from({ length: 64 }, (_, p) => p);
const members = (n: number): Member[] => Array.from({ length: n }, (_, i) => ({ id: `m${i}`, url: `http://10.0.0.${i + 1}:3000` }));
const owners = (ms: Member[]) => new Map(PARTITIONS.map((p) => [p, ownerOf(p, ms)!.url]));

describe('rendezvous ownership', () => {
  it('gives every partition to exactly one member, each a fair share', () => {
    for (const n of [1, 2, 3, 5, 8]) {
      const assignment = assignPartitions(PARTITIONS, members(n));
      const all = [...assignment.values()].flat().sort((a, b) => a - b);
      expect(all).toEqual(PARTITIONS);
      for (const owned of assignment.values()) {
        expect(owned.length).toBeGreaterThan(64 / n / 3);
        expect(owned.length).toBeLessThan((64 / n) * 2 + 2);
      }
    }
  });

  it('moves only the newcomer’s share when an instance joins, and only the leaver’s when one leaves', () => {
    for (const n of [1, 2, 3, 4, 6]) {
      const before = owners(members(n));
      const grown = members(n + 1);
      const after = owners(grown);
      const newcomer = grown.at(-1)!.url;
      const moved = PARTITIONS.filter((p) => before.get(p) !== after.get(p));
      expect(moved.every((p) => after.get(p) === newcomer)).toBe(true);
      // And back when it leaves.
      expect(owners(grown.slice(0, -1))).toEqual(before);
    }
  });

  it('does not depend on the order members are listed in, and a member restarted at its URL gets its partitions back', () => {
    const ms = members(4);
    expect(owners([...ms].reverse())).toEqual(owners(ms));
    const restarted = ms.map((m, i) => (i === 2 ? { id: 'restarted', url: m.url } : m));
    expect(owners(restarted)).toEqual(owners(ms));
  });
});

describe('ordered delivery of acknowledged and consumed records', () => {
  const record = (pos: number): LogRecord => ({ board: 'b', pos, ts: pos, user: 'u', cid: 'c', seq: pos + 1, op: { k: 'undo' } });

  it('hands each record over once, in offset order, however acknowledgements and fetches interleave', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 60 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 200 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        (count, choices, ours) => {
          // Offsets start at 10; some records are this instance's own (acknowledged), the rest written elsewhere.
          const offsets = Array.from({ length: count }, (_, i) => 10 + i);
          const own = offsets.filter((_, i) => ours[i] ?? false);
          const delivered: number[] = [];
          const delivery = new OrderedDelivery((r) => delivered.push(r.pos));
          delivery.start(0, 10);
          let consumedTo = 10; // the consumer fetches in offset order, in batches
          const acks = [...own]; // acknowledgements come in offset order (one request in flight per partition)
          let step = 0;
          while (consumedTo < 10 + count || acks.length > 0) {
            const choice = choices[step++ % choices.length]!;
            if (acks.length > 0 && (choice % 2 === 0 || consumedTo >= 10 + count)) {
              delivery.acked(0, record(acks.shift()!));
            } else if (consumedTo < 10 + count) {
              const size = 1 + (choice % 7);
              const batch = offsets.slice(consumedTo - 10, consumedTo - 10 + size);
              delivery.consumed(0, batch.map(record), batch.at(-1)!);
              consumedTo += batch.length;
            }
          }
          expect(delivered).toEqual(offsets);
          expect(delivery.next(0)).toBe(10 + count);
        },
      ),
    );
  });

  it('waits for the consumer to fill a gap before an acknowledged record, and skips offsets a batch lacks', () => {
    const delivered: number[] = [];
    const delivery = new OrderedDelivery((r) => delivered.push(r.pos));
    delivery.start(3, 100);
    delivery.acked(3, record(102)); // 100 and 101 were written elsewhere
    expect(delivered).toEqual([]);
    delivery.consumed(3, [record(100)], 101); // 101 was compacted away
    expect(delivered).toEqual([100, 102]);
    delivery.acked(7, record(5)); // not followed here
    expect(delivered).toEqual([100, 102]);
    expect(delivery.counts).toEqual({ consumer: 1, ack: 1 });
  });
});

describe('public URLs', () => {
  it('turns an instance URL into its board sockets, keeping a path prefix', () => {
    expect(boardSocketUrl('http://10.0.0.1:3000', 'b1')).toBe('ws://10.0.0.1:3000/ws/b1');
    expect(boardSocketUrl(parsePublicUrl('https://board.example.org/i/2/'), 'b1')).toBe('wss://board.example.org/i/2/ws/b1');
    expect(() => parsePublicUrl('ftp://x')).toThrow(/PUBLIC_URL/);
    expect(() => parsePublicUrl('not a url')).toThrow(/PUBLIC_URL/);
  });
});

describe('reading the group description', () => {
  it('reads a member’s URL and partitions, and nothing (no throw) from the empty or foreign metadata a rebalancing group describes', () => {
    const metadata = AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['boards'], userData: Buffer.from('http://10.0.0.1:3000') });
    const assignment = AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: { boards: [3, 7] }, userData: Buffer.alloc(0) });
    expect(memberUrl(metadata)).toBe('http://10.0.0.1:3000');
    expect(memberPartitions(assignment, 'boards')).toEqual([3, 7]);
    for (const junk of [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 1, 0, 0, 0, 9])]) {
      expect(memberUrl(junk)).toBe('');
      expect(memberPartitions(junk, 'boards')).toEqual([]);
    }
  });
});
