/**
 * permessage-deflate settings (WS_COMPRESSION=on), shared by the server, the
 * bench's relay and its load generators. Browsers negotiate the extension
 * on their own.
 *
 * Our frames are small (a record is ~200 bytes of JSON) and alike: the same
 * keys, board, author ids and stroke id again and again. With the deflate
 * context kept between messages those repeats shrink to back-references: a
 * two-point record costs ~12 bytes on the wire per point instead of ~90.
 * Hence a threshold of 0 (ws compresses only messages of 1 KiB and up by
 * default). The server's 4 KiB window holds many records and keeps zlib's
 * deflate memory per socket near 80 KB; a 32 KiB window saved only ~5% more.
 * The client's window is left to the client: ws refuses the handshake of a
 * browser that offers plain `permessage-deflate` (Firefox does) when the
 * server insists on `client_max_window_bits`.
 *
 * It is off by default: ws deflates each message of each socket on the
 * libuv thread pool, and at thousands of small messages a second that costs
 * more CPU than everything else the server does (BENCHMARKS.md). It suits
 * a small board on a slow network, not a busy server.
 */
import type { PerMessageDeflateOptions } from 'ws';

export const PER_MESSAGE_DEFLATE: PerMessageDeflateOptions = {
  threshold: 0,
  serverMaxWindowBits: 12,
  zlibDeflateOptions: { memLevel: 7 },
};
