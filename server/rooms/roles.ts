/**
 * Edit and view-only links. A board's view link is `/b/<board>`; its edit
 * link adds the board's edit key (`#edit=<key>`, a fragment, so it never
 * reaches a server log). The log holds only a hash of the key, in the
 * board's claim record, so it works across restarts and instances and a
 * view link cannot be turned into the edit link. A board nobody claimed
 * yet (every board drawn before edit links existed) is open: anyone with
 * its link draws, until an editor claims it.
 */
import { createHash } from 'node:crypto';
import type { BoardState } from '../board/state.ts';
import type { Role } from '../protocol/messages.ts';

/** What the log keeps of an edit key: its SHA-256, so the key cannot be recovered from the log. */
export function editKeyHash(key: string): string {
  return createHash('sha256').update(`whiteboard-edit-key:${key}`).digest('base64url');
}

/** Whether a client holding the key with this hash (or none) may draw on the board. */
export function roleOn(state: BoardState, keyHash: string | null): Role {
  return state.editKey === null || state.editKey === keyHash ? 'editor' : 'viewer';
}
