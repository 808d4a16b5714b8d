/**
 * Files on boards (images, PDF pages), beside the log: never in it. A board's
 * log holds an image element naming its file by the SHA-256 of its bytes;
 * the bytes live here, stored once however often they are pasted. Both logs
 * keep them (the embedded log in its LMDB environment, Kafka in compacted
 * topics beside the boards' topic), and test/contract/file-store-contract.ts
 * holds both to the same rules.
 */

/** The types a stored file may have: what intake (image-intake.ts) writes. */
export const FILE_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type FileType = (typeof FILE_TYPES)[number];

/** What is known of a stored file without reading it. */
export type FileInfo = {
  /** SHA-256 of its bytes, lowercase hex: its name everywhere. */
  hash: string;
  type: FileType;
  bytes: number;
  width: number;
  height: number;
  /**
   * Smaller copies, by their long side in pixels ("512", "2048"), each a
   * stored file of its own: what a page decodes to draw the picture small
   * (GET /files/<hash>?side=512). Absent for pictures no larger.
   */
  variants?: Record<string, string>;
};

/** The long sides, in pixels, of the smaller copies kept of a picture (pages decode these, web/src/pictures.ts). */
export const VARIANT_SIDES = [512, 2_048] as const;

export const FILE_HASH_PATTERN = /^[0-9a-f]{64}$/;

export interface FileStore {
  /**
   * Stores a file (a no-op for its bytes when stored already) and counts it
   * among the board's files. Resolves once both are durable; a failure
   * leaves nothing that `get` would return.
   */
  put(board: string, info: FileInfo, data: Buffer): Promise<void>;

  /** The file's description and bytes, or null when no file has that hash. */
  get(hash: string): Promise<{ info: FileInfo; data: Buffer } | null>;

  /** Whether a file with that hash is stored, and its description. */
  info(hash: string): Promise<FileInfo | null>;

  /** The distinct files put on a board, and their bytes (its upload limit counts these). */
  boardFiles(board: string): Promise<ReadonlyMap<string, number>>;

  /** The boards a file was put on (a deleted board's pictures are gone while no other board has them: server/deletion/). */
  boardsOf(hash: string): Promise<string[]>;
}
