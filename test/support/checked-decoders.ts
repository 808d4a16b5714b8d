/**
 * The server's decoders (server/protocol/wire.ts), each paired with one
 * written from docs/protocol.md alone (doc-decoder.ts): every frame must
 * read the same with both, or be refused by both. A disagreement means the
 * document and the server no longer say the same thing; it throws
 * `ProtocolMismatch`.
 */
import { isDeepStrictEqual } from 'node:util';
import { DownDecoder, UpDecoder, type Decoded, type DownMessage } from '../../server/protocol/wire.ts';
import { DocDecodeError, DocDownDecoder, DocUpDecoder, type UpTextMessage } from './doc-decoder.ts';

export class ProtocolMismatch extends Error {}

const hex = (frame: Uint8Array) => Buffer.from(frame.subarray(0, 200)).toString('hex');

function mismatch(what: string, frame: Uint8Array, ours: unknown, doc: unknown): never {
  throw new ProtocolMismatch(`${what}: the server's decoder and the document's disagree on ${hex(frame)}\n  server:   ${JSON.stringify(ours)}\n  document: ${JSON.stringify(doc)}`);
}

type Outcome<T> = { value: T } | { error: unknown };
function attempt<T>(read: () => T): Outcome<T> {
  try {
    return { value: read() };
  } catch (error) {
    return { error };
  }
}
const describeOutcome = (o: Outcome<unknown>) => ('value' in o ? o.value : `refused: ${(o.error as Error).message}`);

/** A page's side: the server's frames. */
export class CheckedDownDecoder extends DownDecoder {
  private readonly doc: DocDownDecoder;

  constructor(board: string) {
    super(board);
    this.doc = new DocDownDecoder(board);
  }

  override decode(frame: Uint8Array): DownMessage[] {
    const ours = attempt(() => super.decode(frame));
    const doc = attempt(() => this.doc.decode(frame));
    if ('value' in ours !== 'value' in doc || ('value' in ours && 'value' in doc && !isDeepStrictEqual(ours.value, doc.value))) {
      mismatch('server → page', frame, describeOutcome(ours), describeOutcome(doc));
    }
    if ('error' in ours) throw ours.error;
    return ours.value;
  }
}

/** The server's side: a page's frames, binary and (for the context) JSON. */
export class CheckedUpDecoder extends UpDecoder {
  private readonly doc = new DocUpDecoder();

  override decode(frame: Uint8Array): Decoded {
    const ours = super.decode(frame);
    const doc = attempt(() => this.doc.decode(frame));
    if ('value' in doc) {
      if (!ours.ok || !isDeepStrictEqual(ours.value, doc.value)) mismatch('page → server', frame, ours, doc.value);
    } else {
      const s = doc.error instanceof DocDecodeError ? doc.error.s : undefined;
      // The server refuses it too, naming the same sequence number.
      if (ours.ok || ours.s !== s) mismatch('page → server', frame, ours, describeOutcome(doc));
    }
    return ours;
  }

  override text(parsed: Parameters<UpDecoder['text']>[0]): void {
    super.text(parsed);
    if (parsed.ok) {
      const message = parsed.value as UpTextMessage | { t: 'hello' | 'name' };
      if (message.t === 'op' || message.t === 'cursor') this.doc.text(message);
    } else if (parsed.s !== undefined) {
      this.doc.text({ t: 'op', s: parsed.s, o: { k: 'undo' } });
    }
  }
}
