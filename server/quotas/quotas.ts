/**
 * Quotas, so that nobody fills the disk or the server: each has a default
 * (README: Settings) and an environment variable (config.ts).
 *
 * Weights are in points (board/weight.ts: a record weighs its points, and
 * at least 2). A 240 Hz pen draws 240 points a second; a browser sends a
 * record per frame, so drawing at 120 frames a second weighs 240 a second
 * too. The write budget allows twice that, and ten seconds of it saved up.
 */
export type Quotas = {
  /** Weight one connection may write per second, sustained (WRITE_POINTS_PER_SECOND). */
  writePointsPerSecond: number;
  /** Weight it may save up for a burst (WRITE_BURST_POINTS); at least one full operation. */
  writeBurstPoints: number;
  /** Board connections from one address at once (MAX_CONNECTIONS_PER_IP). */
  maxConnectionsPerIp: number;
  /** Weight of a board's records past which it is read-only (MAX_BOARD_POINTS). */
  maxBoardPoints: number;
  /** Free space on DATA_DIR below which appends stop and /readyz fails (MIN_FREE_DISK_MB). */
  minFreeDiskBytes: number;
  /** Requests to /api/* per address and minute (API_REQUESTS_PER_MINUTE). */
  apiRequestsPerMinute: number;
  /** Forks per address and minute (FORKS_PER_MINUTE). */
  forksPerMinute: number;
  /** Weight of the forks one address may write per hour (FORK_POINTS_PER_HOUR). */
  forkPointsPerHour: number;
  /** Bytes of one uploaded picture (MAX_FILE_MB). */
  maxFileBytes: number;
  /** Pixels of an uploaded picture, read from its header before decoding (MAX_IMAGE_MEGAPIXELS). */
  maxImagePixels: number;
  /** Long side in pixels past which a picture is scaled down (MAX_IMAGE_SIDE). */
  maxImageSide: number;
  /** Bytes of the distinct pictures put on one board (MAX_BOARD_FILES_MB). */
  maxBoardFileBytes: number;
  /** Uploads per address and hour (UPLOADS_PER_HOUR). */
  uploadsPerHour: number;
};

export const DEFAULT_QUOTAS: Quotas = {
  writePointsPerSecond: 500,
  writeBurstPoints: 5_000,
  maxConnectionsPerIp: 100,
  maxBoardPoints: 5_000_000,
  minFreeDiskBytes: 512 * 1024 * 1024,
  apiRequestsPerMinute: 120,
  forksPerMinute: 10,
  forkPointsPerHour: 5_000_000,
  maxFileBytes: 10 * 2 ** 20,
  maxImagePixels: 100_000_000,
  maxImageSide: 4_096,
  maxBoardFileBytes: 200 * 2 ** 20,
  uploadsPerHour: 300,
};
