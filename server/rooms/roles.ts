/**
 * Owner, edit and view-only links. A board's view link is `/b/<board>`; its
 * edit link adds the board's edit key (`#edit=<key>`), its owner link the
 * owner key (`#owner=<key>`): fragments, so they never reach a server log.
 * The log holds only hashes of the keys (claim, own and rekey records), so
 * roles hold across restarts and instances and no link can be turned into
 * a stronger one.
 *
 * The edit key of an owned board is derived from the owner key and the
 * number of times the owner replaced it (`keyGen`): any browser holding the
 * owner link is told the current edit link, and replacing it makes a new
 * one nobody held. A board nobody claimed yet (drawn before edit links
 * existed) is open: anyone with its link draws until an editor claims or
 * owns it; a board with an edit link but no owner (made before owners
 * existed) is owned by the first editor who asks, from the share dialog.
 */
import { createHash, createHmac } from 'node:crypto';
import type { BoardState } from '../board/state.ts';
import type { ClientOp, Op, Role } from '../protocol/messages.ts';

/** What the log keeps of an edit key: its SHA-256, so the key cannot be recovered from the log. */
export function editKeyHash(key: string): string {
  return createHash('sha256').update(`whiteboard-edit-key:${key}`).digest('base64url');
}

export function ownerKeyHash(key: string): string {
  return createHash('sha256').update(`whiteboard-owner-key:${key}`).digest('base64url');
}

/** The edit key an owner key makes the `gen`th time (0: when the board was owned). */
export function derivedEditKey(ownerKey: string, gen: number): string {
  return createHmac('sha256', ownerKey).update(`edit:${gen}`).digest('base64url').slice(0, 24);
}

/** The keys a client presented in hello: hashes, and the keys themselves (kept in memory, to tell an owner its edit link). */
export type Keys = { editKey: string | null; keyHash: string | null; ownerKey: string | null; ownerHash: string | null };

export function keysOf(editKey: string | undefined, ownerKey: string | undefined): Keys {
  return { editKey: editKey ?? null, keyHash: editKey ? editKeyHash(editKey) : null, ownerKey: ownerKey ?? null, ownerHash: ownerKey ? ownerKeyHash(ownerKey) : null };
}

/** What a client with these keys may do on the board. */
export function roleOn(state: BoardState, keys: Pick<Keys, 'keyHash' | 'ownerHash'>): Role {
  if (keys.ownerHash !== null && state.owner === keys.ownerHash) return 'owner';
  return state.editKey === null || state.editKey === keys.keyHash ? 'editor' : 'viewer';
}

/**
 * The board's edit key as its owner may be told it: the one derived from
 * the owner key, or (a board with an edit link before it had an owner) the
 * edit key this client holds, when it is the board's. Else none is known.
 */
export function editKeyForOwner(state: BoardState, keys: Pick<Keys, 'ownerKey' | 'editKey' | 'keyHash'>): string | undefined {
  if (keys.ownerKey === null) return undefined;
  const key = derivedEditKey(keys.ownerKey, state.keyGen);
  if (editKeyHash(key) === state.editKey) return key;
  return keys.keyHash !== null && keys.keyHash === state.editKey ? keys.editKey! : undefined;
}

/**
 * A client's operation as the log holds it: claims, owning and owner
 * operations carry the hashes of the keys they were sent with. A string
 * says why it cannot be (a key missing from hello).
 */
export function toLogged(op: ClientOp, keys: Keys, state: BoardState): Op | string {
  switch (op.k) {
    case 'claim':
      return keys.keyHash ? { k: 'claim', key: keys.keyHash } : 'a claim needs an edit key in hello';
    case 'own':
      if (!keys.ownerKey || !keys.ownerHash) return 'owning a board needs an owner key in hello';
      // An open board's first edit key is derived, so every owner link can show it.
      return state.editKey === null ? { k: 'own', owner: keys.ownerHash, key: editKeyHash(derivedEditKey(keys.ownerKey, 0)) } : { k: 'own', owner: keys.ownerHash };
    case 'rekey':
      if (!keys.ownerKey || !keys.ownerHash) return 'only the owner link replaces the edit link';
      return { k: 'rekey', key: editKeyHash(derivedEditKey(keys.ownerKey, state.keyGen + 1)), gen: state.keyGen + 1, by: keys.ownerHash };
    case 'pause':
    case 'revert':
      if (!keys.ownerHash) return `only the owner link may ${op.k === 'pause' ? 'pause drawing' : "take back someone's work"}`;
      return { ...op, by: keys.ownerHash };
    default:
      return op;
  }
}
