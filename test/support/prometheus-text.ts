/** One sample of Prometheus' text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Metric name → type, from the `# TYPE` lines. */
  types: Record<string, string>;
  help: Record<string, string>;
  samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;

/**
 * Parses the text format (version 0.0.4) strictly: a line that is not a comment, a blank or a
 * well-formed sample fails the test, as does a sample of a metric without a TYPE line.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export function parseExposition(text: string): Exposition {
  const out: Exposition = { types: {}, help: {}, samples: [] };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      (comment[1] === 'TYPE' ? out.types : out.help)[comment[2]!] = comment[3]!;
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a Prometheus sample: ${JSON.stringify(line)}`);
    const [, name, rawLabels = '', rawValue] = sample;
    if (out.types[name!] === undefined) throw new Error(`sample of ${name} before its TYPE line`);
    out.samples.push({ name: name!, labels: parseLabels(rawLabels), value: parseValue(rawValue!) });
  }
  return out;
}

function parseLabels(raw: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let consumed = 0;
  for (let match = LABEL.exec(raw); match; match = LABEL.exec(raw)) {
    labels[match[1]!] = match[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    consumed = LABEL.lastIndex;
  }
  if (consumed !== raw.length) throw new Error(`malformed labels: ${raw}`);
  return labels;
}

/** As Prometheus reads values (Go's strconv.ParseFloat): NaN and Inf in any case (prom-client writes "Nan"). */
function parseValue(raw: string): number {
  const special = raw.toLowerCase();
  if (special === 'nan') return Number.NaN;
  if (special === '+inf' || special === 'inf') return Number.POSITIVE_INFINITY;
  if (special === '-inf') return Number.NEGATIVE_INFINITY;
  const value = Number(raw);
  if (Number.isNaN(value)) throw new Error(`not a sample value: ${raw}`);
  return value;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = exposition.samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
