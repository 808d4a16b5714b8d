/** An instance's public URL (PUBLIC_URL) and the board sockets it serves there. */

/** Checks a PUBLIC_URL: http(s), no query or fragment; a path prefix (behind a balancer that routes by path) is kept. */
export function parsePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`PUBLIC_URL must be an http(s) URL such as https://board-1.example.org, got ${raw}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    throw new Error(`PUBLIC_URL must be an http(s) URL without query, fragment or credentials, got ${raw}`);
  }
  return url.href.replace(/\/+$/, '');
}

/** The socket of `board` at the instance reachable at `publicUrl`: ws(s)://host/prefix/ws/<board>. */
export function boardSocketUrl(publicUrl: string, board: string): string {
  const base = new URL(publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return new URL(`ws/${encodeURIComponent(board)}`, base).href;
}

/** The origin pages at that instance have (allowed to open sockets on the others). */
export function originOf(publicUrl: string): string | null {
  try {
    return new URL(publicUrl).origin;
  } catch {
    return null;
  }
}
