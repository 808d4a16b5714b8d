/**
 * Which instance owns each partition of the boards' topic: rendezvous
 * (highest random weight) hashing of (partition, instance URL). Every
 * partition goes to the member whose URL scores highest for it, so an
 * instance joining takes about 1/N of the partitions from the others and
 * one leaving hands only its own over; the rest stay where they were, and
 * so do their boards' clients. An instance restarted at the same URL gets
 * its partitions back.
 */
import { createHash } from 'node:crypto';

export type Member = { id: string; url: string };

function score(partition: number, url: string): Buffer {
  return createHash('sha256').update(`${partition}\n${url}`).digest();
}

/** The member owning `partition`: highest score, ties (one URL twice, a misconfiguration) broken by member id. */
export function ownerOf(partition: number, members: readonly Member[]): Member | null {
  let best: Member | null = null;
  let bestScore: Buffer | null = null;
  for (const member of members) {
    const s = score(partition, member.url);
    const order = bestScore === null ? 1 : Buffer.compare(s, bestScore) || (member.id > best!.id ? 1 : -1);
    if (order > 0) {
      best = member;
      bestScore = s;
    }
  }
  return best;
}

/** Each member's partitions (every member is listed, perhaps with none). */
export function assignPartitions(partitions: readonly number[], members: readonly Member[]): Map<string, number[]> {
  const assignment = new Map(members.map((m) => [m.id, [] as number[]]));
  for (const partition of partitions) {
    const owner = ownerOf(partition, members);
    if (owner) assignment.get(owner.id)!.push(partition);
  }
  return assignment;
}
