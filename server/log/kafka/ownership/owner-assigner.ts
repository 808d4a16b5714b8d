/**
 * The ownership group's partition assigner (kafkajs): every member puts its
 * public URL in its subscription's user data; the group's leader gives each
 * partition of the boards' topic to the member rendezvous hashing picks
 * (rendezvous.ts). Kafka runs the assigner of the protocol every member
 * names, so all instances of a deployment must run this one.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import { assignPartitions, type Member } from './rendezvous.ts';

export const OWNER_ASSIGNER = 'logboard-rendezvous';
const VERSION = 1;

/**
 * The URL a member announced, from its subscription metadata; '' when it has
 * none to read: while the group rebalances, the broker describes members
 * with empty metadata, and a member of another protocol sends what we cannot
 * decode.
 */
export function memberUrl(metadata: Buffer): string {
  if (metadata.length === 0) return '';
  try {
    const userData = AssignerProtocol.MemberMetadata.decode(metadata)?.userData;
    return userData ? userData.toString('utf8') : '';
  } catch {
    return '';
  }
}

/** A member's partitions of `topic`, from its assignment (none while it has no assignment to read). */
export function memberPartitions(assignment: Buffer, topic: string): number[] {
  if (assignment.length === 0) return [];
  try {
    return AssignerProtocol.MemberAssignment.decode(assignment)?.assignment[topic] ?? [];
  } catch {
    return [];
  }
}

export function ownerAssigner(publicUrl: string): PartitionAssigner {
  return ({ cluster }) => ({
    name: OWNER_ASSIGNER,
    version: VERSION,
    protocol: ({ topics }) => ({
      name: OWNER_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: Buffer.from(publicUrl, 'utf8') }),
    }),
    async assign({ members, topics }) {
      const urls: Member[] = members.map((m) => ({ id: m.memberId, url: memberUrl(m.memberMetadata) }));
      const byMember = new Map(members.map((m) => [m.memberId, {} as Record<string, number[]>]));
      for (const topic of topics) {
        const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
        for (const [id, owned] of assignPartitions(partitions, urls)) byMember.get(id)![topic] = owned;
      }
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: VERSION, assignment: byMember.get(m.memberId)!, userData: Buffer.alloc(0) }),
      }));
    },
  });
}
