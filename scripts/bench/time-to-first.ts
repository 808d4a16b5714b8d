/** Timing of streamed HTTP answers (NDJSON replays). */

/**
 * Milliseconds from sending the request until the first line matching
 * `until` arrives. The rest of the stream is read to its end (untimed), so
 * one trial's tail never overlaps the next trial.
 */
export async function timeToFirst(url: string, until: (line: string) => boolean): Promise<number> {
  const started = performance.now();
  const res = await fetch(url);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let first = -1;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (first >= 0) continue;
    buffer += value;
    if (buffer.split('\n').slice(0, -1).some(until)) first = performance.now() - started;
    buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
  }
  if (first < 0) throw new Error('stream ended before the first record');
  return first;
}
