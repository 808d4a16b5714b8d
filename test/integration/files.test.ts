/**
 * Pictures uploaded to a real server and served back: the bytes decide what
 * a file is, pixel bombs are refused before decoding, metadata does not
 * survive, limits answer with their reason, and a view-only link uploads
 * nothing.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { editKeyHash } from '../../server/rooms/roles.ts';
import { startKafkaServer, startServer, type RunningServer } from '../support/server.ts';
import type { Quotas } from '../../server/quotas/quotas.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(quotas: Partial<Quotas> = {}): Promise<RunningServer> {
  const s = await startServer(undefined, { quotas });
  cleanup.push(() => s.close());
  return s;
}

function upload(s: RunningServer, board: string, body: Buffer, headers: Record<string, string> = {}): Promise<Response> {
  // The browser's word on the type is deliberately wrong here and there: it must not matter.
  return fetch(`${s.http}/api/boards/${board}/files`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'image/png', ...headers } });
}

const png = (width: number, height: number, seed = 0) =>
  sharp({ create: { width, height, channels: 3, background: { r: seed % 256, g: 120, b: 200 } } })
    .png()
    .toBuffer();

/** A PNG whose header claims `width` × `height` with a few rows of data: kilobytes that would decode to gigabytes. */
function pixelBomb(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = deflateSync(Buffer.alloc(16 * (width + 1)));
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', ihdr), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))]);
}

describe('uploading pictures', () => {
  it('stores a PNG once by the hash of its bytes and serves it with its true type, no sniffing, a year of caching and a strict policy', async () => {
    const s = await server();
    const picture = await png(300, 200);
    const first = await upload(s, 'pics', picture, { 'content-type': 'application/octet-stream' });
    expect(first.status).toBe(201);
    const info = (await first.json()) as { hash: string; type: string; width: number; height: number; bytes: number };
    expect(info).toMatchObject({ type: 'image/png', width: 300, height: 200 });
    expect(info.hash).toMatch(/^[0-9a-f]{64}$/);

    const again = await upload(s, 'pics', picture);
    expect(((await again.json()) as { hash: string }).hash).toBe(info.hash);
    expect([...(await s.log.files.boardFiles('pics')).keys()]).toEqual([info.hash]);

    const served = await fetch(`${s.http}/files/${info.hash}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(served.headers.get('content-security-policy')).toContain("default-src 'none'");
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(bytes.length).toBe(info.bytes);
    expect((await sharp(bytes).metadata()).width).toBe(300);
    expect((await fetch(`${s.http}/files/${info.hash}`, { headers: { 'if-none-match': `"${info.hash}"` } })).status).toBe(304);
    expect((await fetch(`${s.http}/files/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${s.http}/files/not-a-hash`)).status).toBe(404);
  });

  it('takes JPEG, WebP and GIF (its first frame, kept as a PNG), whatever the browser says they are', async () => {
    const s = await server();
    const base = sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } });
    const cases: [Buffer, string][] = [
      [await base.clone().jpeg().toBuffer(), 'image/jpeg'],
      [await base.clone().webp().toBuffer(), 'image/webp'],
      [await base.clone().gif().toBuffer(), 'image/png'],
    ];
    for (const [bytes, kept] of cases) {
      const res = await upload(s, 'kinds', bytes, { 'content-type': 'text/plain' });
      expect(res.status).toBe(201);
      const info = (await res.json()) as { hash: string; type: string };
      expect(info.type).toBe(kept);
      const served = await fetch(`${s.http}/files/${info.hash}`);
      expect(served.headers.get('content-type')).toBe(kept);
    }
  });

  it('refuses what the bytes say is not a picture, and files that are one thing to us and another to the decoder', async () => {
    const s = await server();
    const refusals: [Buffer, RegExp][] = [
      [Buffer.from('<html><script>alert(1)</script></html>'), /not a PNG, JPEG, WebP or GIF/],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), /not a PNG, JPEG, WebP or GIF/],
      [Buffer.from('%PDF-1.7\n1 0 obj'), /not a PNG, JPEG, WebP or GIF/],
      // A PNG signature in front of a GIF: the decoder would see a GIF.
      [Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).gif().toBuffer()]), /starts as a PNG/],
      [Buffer.alloc(0), /empty/],
    ];
    for (const [bytes, reason] of refusals) {
      const res = await upload(s, 'bad', bytes);
      expect(res.status, reason.source).toBeGreaterThanOrEqual(400);
      expect(((await res.json()) as { error: string }).error).toMatch(reason);
    }
    expect((await s.log.files.boardFiles('bad')).size).toBe(0);
  });

  it('keeps nothing of a polyglot but its picture: a GIF that is also a script is served as a plain PNG', async () => {
    const s = await server();
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } }).gif().toBuffer();
    const polyglot = Buffer.concat([gif, Buffer.from('\n/*polyglot*/alert(document.cookie)//')]);
    const res = await upload(s, 'poly', polyglot);
    expect(res.status).toBe(201);
    const info = (await res.json()) as { hash: string };
    const served = Buffer.from(await (await fetch(`${s.http}/files/${info.hash}`)).arrayBuffer());
    expect(served.subarray(0, 8).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
    expect(served.includes(Buffer.from('alert'))).toBe(false);
  });

  it('refuses a 50,000 × 50,000 PNG of a few kilobytes by its pixel count, before decoding it', async () => {
    const s = await server();
    const bomb = pixelBomb(50_000, 50_000);
    expect(bomb.length).toBeLessThan(10_000);
    const rssBefore = process.memoryUsage().rss;
    const res = await upload(s, 'bomb', bomb);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/50000 × 50000 pixels/);
    // Decoded, it would be 2.5 GB.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 2 ** 20);
    // The server goes on serving.
    expect((await upload(s, 'bomb', await png(10, 10))).status).toBe(201);
  });

  it('removes a phone photo’s metadata (its GPS position) and turns it upright as its orientation said', async () => {
    const s = await server();
    const photo = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#88aa44' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExifMerge({ IFD0: { Make: 'PhoneMaker' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2964/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4020/100' } })
      .toBuffer();
    /** The EXIF tag that points at the GPS position (0x8825), little-endian as written here. */
    const GPS_POINTER = Buffer.from([0x25, 0x88]);
    const original = await sharp(photo).metadata();
    expect(original.orientation).toBe(6);
    expect(original.exif?.includes(Buffer.from('PhoneMaker'))).toBe(true);
    expect(original.exif?.includes(GPS_POINTER)).toBe(true);
    const res = await upload(s, 'photo', photo, { 'content-type': 'image/jpeg' });
    const info = (await res.json()) as { hash: string; width: number; height: number };
    // Orientation 6: the camera was turned; the pixels are now upright.
    expect([info.width, info.height]).toEqual([80, 120]);
    const served = Buffer.from(await (await fetch(`${s.http}/files/${info.hash}`)).arrayBuffer());
    const meta = await sharp(served).metadata();
    expect(meta.exif).toBeUndefined();
    expect(served.includes(Buffer.from('PhoneMaker'))).toBe(false);
    expect(meta.orientation).toBeUndefined();
  });

  it('keeps smaller copies of a large picture, served by their long side; a small picture has none', async () => {
    const s = await server();
    const info = (await (await upload(s, 'copies', await png(3_000, 1_500))).json()) as { hash: string; variants: Record<string, string> };
    expect(Object.keys(info.variants).sort()).toEqual(['2048', '512']);
    const sizeOf = async (query: string) => {
      const res = await fetch(`${s.http}/files/${info.hash}${query}`);
      expect(res.headers.get('cache-control')).toContain('immutable');
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      return [meta.width, meta.height];
    };
    expect(await sizeOf('?side=512')).toEqual([512, 256]);
    expect(await sizeOf('?side=2048')).toEqual([2048, 1024]);
    expect(await sizeOf('')).toEqual([3000, 1500]);
    expect(await sizeOf('?side=77')).toEqual([3000, 1500]);
    // Whatever a side says, only a stored copy's hash is ever looked up.
    for (const odd of ['constructor', '__proto__', 'toString', '512abc', '']) expect(await sizeOf(`?side=${odd}`)).toEqual([3000, 1500]);
    const small = (await (await upload(s, 'copies', await png(300, 200))).json()) as { variants?: object };
    expect(small.variants).toBeUndefined();
  });

  it('scales a picture down past the long side allowed', async () => {
    const s = await server({ maxImageSide: 1_000 });
    const res = await upload(s, 'big', await png(2_500, 400));
    expect((await res.json()) as object).toMatchObject({ width: 1_000, height: 160 });
  });

  it('answers each limit with its reason: bytes per file, bytes per board, uploads per address', async () => {
    const perFile = await server({ maxFileBytes: 2 ** 20 });
    const large = await sharp(randomBytes(700 * 700 * 3), { raw: { width: 700, height: 700, channels: 3 } }).png().toBuffer();
    expect(large.length).toBeGreaterThan(2 ** 20);
    const tooBig = await upload(perFile, 'lim', large);
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { error: string }).error).toMatch(/larger than 1 MB/);

    const perBoard = await server({ maxBoardFileBytes: 2 ** 20 });
    const noise = (seed: number) => sharp(randomBytes(350 * 350 * 3), { raw: { width: 350, height: 350, channels: 3 } }).png().toBuffer();
    const first = await noise(1);
    expect((await upload(perBoard, 'full', first)).status).toBe(201);
    expect((await upload(perBoard, 'full', await noise(2))).status).toBe(201);
    const over = await upload(perBoard, 'full', await noise(3));
    expect(over.status).toBe(413);
    expect(((await over.json()) as { error: string }).error).toMatch(/board's pictures would take more than 1 MB/);
    // The same file again costs the board nothing; another board has room.
    expect((await upload(perBoard, 'full', first)).status).toBe(201);
    expect((await upload(perBoard, 'other', await noise(4))).status).toBe(201);

    const perAddress = await server({ uploadsPerHour: 3 });
    const small = await png(4, 4);
    for (let i = 0; i < 3; i++) expect((await upload(perAddress, 'rate', small)).status).toBe(201);
    const limited = await upload(perAddress, 'rate', small);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: string }).error).toMatch(/too many uploads/);
  });

  it('takes uploads only through the edit link of a claimed board', async () => {
    const s = await server();
    const key = randomBytes(16).toString('base64url');
    await s.log.append({ board: 'claimed', user: 'owner', cid: 'c', seq: 1, op: { k: 'claim', key: editKeyHash(key) } });
    const picture = await png(20, 20);
    const viewer = await upload(s, 'claimed', picture);
    expect(viewer.status).toBe(403);
    expect(((await viewer.json()) as { error: string }).error).toMatch(/edit link/);
    expect((await upload(s, 'claimed', picture, { 'x-edit-key': 'a-guess' })).status).toBe(403);
    expect((await s.log.files.boardFiles('claimed')).size).toBe(0);
    expect((await upload(s, 'claimed', picture, { 'x-edit-key': key })).status).toBe(201);
  });
});

describe('pictures on Kafka', () => {
  it('a picture uploaded through one instance is served by another, and by an instance started after it', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `files-${randomBytes(6).toString('hex')}`;
    const a = await startKafkaServer(brokers, topic, 'a');
    cleanup.push(() => a.close());
    const b = await startKafkaServer(brokers, topic, 'b');
    cleanup.push(() => b.close());
    // Over a part (512 KB) of the files topic: noise does not compress.
    const picture = await sharp(randomBytes(500 * 500 * 3), { raw: { width: 500, height: 500, channels: 3 } }).png().toBuffer();
    expect(picture.length).toBeGreaterThan(512 * 1024);
    const res = await upload(a, 'shared', picture);
    expect(res.status).toBe(201);
    const info = (await res.json()) as { hash: string; bytes: number };
    const fromB = await fetch(`${b.http}/files/${info.hash}`);
    expect(fromB.status).toBe(200);
    expect(fromB.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await fromB.arrayBuffer());
    expect(bytes.length).toBe(info.bytes);
    expect((await sharp(bytes).metadata()).width).toBe(500);

    const c = await startKafkaServer(brokers, topic, 'c');
    cleanup.push(() => c.close());
    expect(Buffer.from(await (await fetch(`${c.http}/files/${info.hash}`)).arrayBuffer()).equals(bytes)).toBe(true);
    // The board's bytes are known everywhere: the same file through b costs nothing more.
    expect([...(await b.log.files.boardFiles('shared')).keys()]).toEqual([info.hash]);
  });
});
