/** Reads a replay (NDJSON) as it streams in. */
import type { ReplayLine } from '../../server/history/replay.ts';

export async function readReplay(url: string, onLine: (line: ReplayLine) => void, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, { signal });
  if (!response.ok || !response.body) throw new Error(`replay failed: ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (text) onLine(JSON.parse(text) as ReplayLine);
    }
  }
}
