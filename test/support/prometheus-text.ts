/**
 * A strict reader of Prometheus's text exposition format (version 0.0.4),
 * written from its specification: whatever a Prometheus server would
 * reject or misread (a sample before its family's TYPE, a malformed label,
 * a duplicate series, histogram buckets that are not cumulative or do not
 * end in +Inf = _count) throws, naming the line.
 */

export type Labels = Record<string, string>;
export type Sample = { name: string; labels: Labels; value: number };
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
export type Family = { name: string; type: MetricType; help: string | null; samples: Sample[] };

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

/** The families of a scrape, by name; throws on anything malformed. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seenSeries = new Set<string>();
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) return readComment(line, families, where);
    const sample = readSample(line, where);
    const family = familyOf(sample.name, families);
    if (!family) throw new Error(`${where}: a sample of no declared family`);
    checkSuffix(sample, family, where);
    const series = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seenSeries.has(series)) throw new Error(`${where}: a duplicate series`);
    seenSeries.add(series);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function readComment(line: string, families: Map<string, Family>, where: string): void {
  const match = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
  if (!match) return; // any other comment is allowed
  const [, keyword, name, rest = ''] = match;
  if (!NAME.test(name!)) throw new Error(`${where}: bad metric name`);
  let family = families.get(name!);
  if (keyword === 'TYPE') {
    if (!TYPES.includes(rest)) throw new Error(`${where}: unknown type`);
    if (family && (family.samples.length > 0 || family.type !== 'untyped')) throw new Error(`${where}: TYPE after samples or twice`);
    if (!family) families.set(name!, (family = { name: name!, type: 'untyped', help: null, samples: [] }));
    family.type = rest as MetricType;
  } else {
    if (family?.help !== null && family?.help !== undefined) throw new Error(`${where}: HELP twice`);
    if (!family) families.set(name!, (family = { name: name!, type: 'untyped', help: null, samples: [] }));
    family.help = rest.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
}

function readSample(line: string, where: string): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`${where}: no metric name`);
  const name = nameMatch[0];
  let at = name.length;
  const labels: Labels = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (!labelMatch) throw new Error(`${where}: bad label at column ${at + 1}`);
      const labelName = labelMatch[1]!;
      if (!LABEL_NAME.test(labelName) || labelName in labels) throw new Error(`${where}: bad or repeated label ${labelName}`);
      at += labelMatch[0].length;
      let value = '';
      for (;;) {
        const c = line[at++];
        if (c === undefined) throw new Error(`${where}: unterminated label value`);
        if (c === '"') break;
        if (c === '\\') {
          const escaped = line[at++];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`${where}: bad escape \\${escaped}`);
        } else value += c;
      }
      labels[labelName] = value;
      if (line[at] === ',') at++;
      else if (line[at] !== '}') throw new Error(`${where}: expected , or } at column ${at + 1}`);
    }
    at++;
  }
  if (line[at] !== ' ') throw new Error(`${where}: expected a space before the value`);
  const [rawValue, timestamp, extra] = line.slice(at + 1).split(' ');
  if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`${where}: bad timestamp or trailing text`);
  return { name, labels, value: number(rawValue ?? '', where) };
}

/** As Prometheus reads values (Go's ParseFloat): NaN and Inf in any case (prom-client writes `Nan`). */
function number(raw: string, where: string): number {
  if (/^\+?inf$/i.test(raw)) return Infinity;
  if (/^-inf$/i.test(raw)) return -Infinity;
  if (/^nan$/i.test(raw)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) throw new Error(`${where}: bad value ${raw}`);
  return Number(raw);
}

/** The family a sample belongs to: its own name, or a histogram's or summary's with a suffix. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const own = families.get(name);
  if (own) return own;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const family = families.get(name.slice(0, -suffix.length));
    if (family && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family;
  }
  return undefined;
}

function checkSuffix(sample: Sample, family: Family, where: string): void {
  if (family.type === 'histogram') {
    if (sample.name === family.name) throw new Error(`${where}: a histogram's sample needs _bucket, _sum or _count`);
    if (sample.name.endsWith('_bucket') && !('le' in sample.labels)) throw new Error(`${where}: a bucket without le`);
  }
  if (family.type === 'counter' && !(sample.value >= 0)) throw new Error(`${where}: a counter below zero`);
}

/** Buckets of each series cumulative, ending in le="+Inf" equal to its _count. */
function checkHistogram(family: Family): void {
  const bySeries = new Map<string, Sample[]>();
  const counts = new Map<string, number>();
  for (const sample of family.samples) {
    const { le: _bucketBound, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (sample.name.endsWith('_bucket')) bySeries.set(key, [...(bySeries.get(key) ?? []), sample]);
    if (sample.name.endsWith('_count')) counts.set(key, sample.value);
  }
  for (const [key, buckets] of bySeries) {
    const ordered = buckets.map((b) => ({ le: number(b.labels.le!, family.name), value: b.value }));
    for (let i = 1; i < ordered.length; i++) {
      if (!(ordered[i]!.le > ordered[i - 1]!.le) || ordered[i]!.value < ordered[i - 1]!.value) throw new Error(`${family.name}${key}: buckets not cumulative`);
    }
    const last = ordered.at(-1);
    if (!last || last.le !== Infinity || last.value !== counts.get(key)) throw new Error(`${family.name}${key}: no +Inf bucket equal to _count`);
  }
}

/** The value of one sample; throws when there is not exactly one matching `labels`. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Labels = {}): number {
  const family = familyOf(name, families);
  if (!family) throw new Error(`no metric family for ${name}`);
  const matching = family.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matching.length !== 1) throw new Error(`${matching.length} samples of ${name}${JSON.stringify(labels)}`);
  return matching[0]!.value;
}
