/**
 * The binary frames of protocol 4 (docs/protocol.md says them byte by
 * byte): operations and cursors from a page, records and cursors to it.
 * Everything else (hello, welcome, synced, presence, errors, acks) stays
 * JSON text: rare, and easy to read.
 *
 * Each connection carries a context that both ends build up identically
 * from the frames they exchange, and forget when the socket closes:
 * - people: an author or cursor is named by a small number, defined once
 *   per connection (`person` item) instead of its user and client ids on
 *   every record;
 * - strokes in progress: a `begin` binds the stroke id to a small number
 *   until its `end`; its extensions name the number, and their first point
 *   is a delta from the stroke's last point, so a live two-point record
 *   costs ~9 bytes instead of ~90 in JSON;
 * - the last record's position and time, and each person's last sequence
 *   number: records carry differences, usually one byte, often none (flags
 *   in the tag say "the next position", "the author's next sequence
 *   number", "the same author as before").
 * The log's records are unchanged: text points (points.ts) inside JSON
 * (server/log/kafka/record-format.ts).
 *
 * - wire/bytes.ts: numbers and strings;
 * - wire/points.ts: a points chunk, relative to its stroke's last point;
 * - wire/operations.ts: operations, and the strokes bound to numbers;
 * - wire/up.ts: page → server, one message a frame;
 * - wire/down.ts: server → page, items a frame, encoded once per board.
 *
 * Decoders never throw on the server's side: a frame they cannot read gives
 * a reason. Shared by the server and the web app: no Node APIs.
 */
export { WireError } from './wire/bytes.ts';
export { MAX_BOUND } from './wire/operations.ts';
export { UpDecoder, UpEncoder, type Decoded } from './wire/up.ts';
export { DownDecoder, DownEncoder, MAX_PEOPLE, type DownMessage } from './wire/down.ts';
