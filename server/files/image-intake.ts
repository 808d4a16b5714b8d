/**
 * What an uploaded picture must be, and what we keep of it. The browser's
 * word on a file's type is ignored: its first bytes say what it is, and the
 * decoder must agree. The pixel count is read from the header and checked
 * before anything is decoded, so a 50,000 × 50,000 PNG of a few kilobytes
 * is refused for what it would become. Every image is then decoded and
 * encoded again: metadata (a phone photo's GPS position, its camera, its
 * thumbnail) does not survive, an EXIF orientation is applied to the pixels,
 * and a picture larger than `maxSide` on its long side is scaled down. A
 * GIF keeps its first frame, as a PNG.
 *
 * sharp (libvips, prebuilt binaries in the npm registry) does the decoding
 * and encoding: a decoder of our own for four formats would be the attack
 * surface this module exists to keep small.
 */
import { createHash } from 'node:crypto';
import type SharpFactory from 'sharp';
import { VARIANT_SIDES, type FileInfo, type FileType } from './file-store.ts';

export type ImageLimits = {
  /** Bytes of an upload (MAX_FILE_MB). */
  maxBytes: number;
  /** Pixels of a picture as uploaded, read from its header before decoding. */
  maxInputPixels: number;
  /** Long side, in pixels, past which a picture is scaled down (MAX_IMAGE_SIDE). */
  maxSide: number;
};

/** A refusal, with the HTTP status the route answers and a reason for the person who uploaded. */
export class IntakeError extends Error {
  override name = 'IntakeError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Sniffed = 'png' | 'jpeg' | 'webp' | 'gif';

const startsWith = (bytes: Buffer, at: number, ascii: string) => bytes.length >= at + ascii.length && bytes.toString('latin1', at, at + ascii.length) === ascii;

/** The format a file's first bytes announce, or null. */
export function sniffImage(bytes: Buffer): Sniffed | null {
  if (startsWith(bytes, 0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (startsWith(bytes, 0, 'GIF87a') || startsWith(bytes, 0, 'GIF89a')) return 'gif';
  if (startsWith(bytes, 0, 'RIFF') && startsWith(bytes, 8, 'WEBP')) return 'webp';
  return null;
}

/** What each format is kept as: a GIF's first frame becomes a PNG. */
const KEPT_AS: Record<Sniffed, FileType> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/png' };

export type Intake = { info: FileInfo; data: Buffer; variants: { side: number; info: FileInfo; data: Buffer }[] };
type Sharp = ReturnType<typeof SharpFactory>;

let loading: Promise<typeof SharpFactory> | null = null;
/**
 * sharp is loaded with the first upload: libvips is memory a server whose
 * boards have no pictures never needs. A load that fails (a broken install)
 * fails that upload and is tried again with the next.
 */
function loadSharp(): Promise<typeof SharpFactory> {
  loading ??= import('sharp').then(
    (module) => module.default,
    (err: unknown) => {
      loading = null;
      throw err;
    },
  );
  return loading;
}

/**
 * Checks an upload and encodes it again; the result is what is stored and
 * served, with its smaller copies (VARIANT_SIDES) made from it. Throws
 * IntakeError with the reason when the upload is refused.
 */
export async function intakeImage(upload: Buffer, limits: ImageLimits): Promise<Intake> {
  if (upload.length === 0) throw new IntakeError(400, 'the file is empty');
  if (upload.length > limits.maxBytes) throw new IntakeError(413, `the file is larger than ${Math.round(limits.maxBytes / 2 ** 20)} MB`);
  const format = sniffImage(upload);
  if (!format) throw new IntakeError(415, 'the file is not a PNG, JPEG, WebP or GIF image (SVG and PDF are turned into pictures by the page before upload)');
  // pages: 1 reads a GIF's (or an animated WebP's) first frame only.
  const options = { limitInputPixels: limits.maxInputPixels, pages: 1, failOn: 'error' } as const;
  const sharp = await loadSharp();
  let meta: Awaited<ReturnType<Sharp['metadata']>>;
  try {
    // The header only: nothing is decoded yet, so no pixel limit applies here; ours comes next.
    meta = await sharp(upload, { ...options, limitInputPixels: false }).metadata();
  } catch {
    throw new IntakeError(415, `the file starts as a ${format.toUpperCase()} but does not read as one`);
  }
  // The decoder must see the format the bytes announce: a file that is one thing to us and another to it is refused.
  if (meta.format !== format) throw new IntakeError(415, `the file starts as a ${format.toUpperCase()} but reads as ${meta.format ?? 'something else'}`);
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width === 0 || height === 0) throw new IntakeError(415, 'the image has no size');
  if (width * height > limits.maxInputPixels) {
    throw new IntakeError(413, `the image is ${width} × ${height} pixels, more than ${Math.round(limits.maxInputPixels / 1e6)} million`);
  }
  const type = KEPT_AS[format];
  let data: Buffer;
  let info: { width: number; height: number };
  try {
    // rotate() with no angle applies the EXIF orientation; no withMetadata(): nothing of the original's metadata is written.
    const image = sharp(upload, options).rotate().resize({ width: limits.maxSide, height: limits.maxSide, fit: 'inside', withoutEnlargement: true });
    ({ data, info } = await encode(image, type).toBuffer({ resolveWithObject: true }));
  } catch {
    throw new IntakeError(415, `the ${format.toUpperCase()} image could not be decoded`);
  }
  // Smaller copies, from the picture as stored (metadata already gone).
  const variants: Intake['variants'] = [];
  for (const side of VARIANT_SIDES) {
    if (Math.max(info.width, info.height) <= side) break;
    const small = await encode(sharp(data).resize({ width: side, height: side, fit: 'inside' }), type).toBuffer({ resolveWithObject: true });
    variants.push({ side, info: describe(small.data, type, small.info), data: small.data });
  }
  const main = describe(data, type, info);
  if (variants.length > 0) main.variants = Object.fromEntries(variants.map((v) => [String(v.side), v.info.hash]));
  return { info: main, data, variants };
}

function encode(image: Sharp, type: FileType): Sharp {
  return type === 'image/jpeg' ? image.jpeg({ quality: 85 }) : type === 'image/webp' ? image.webp({ quality: 85 }) : image.png({ compressionLevel: 8 });
}

function describe(data: Buffer, type: FileType, size: { width: number; height: number }): FileInfo {
  return { hash: createHash('sha256').update(data).digest('hex'), type, bytes: data.length, width: size.width, height: size.height };
}
