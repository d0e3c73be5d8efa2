/**
 * The metrics recorder on AWS: CloudWatch embedded metric format (EMF) lines on stdout, which
 * CloudWatch Logs turns into metrics, so recording costs no API call and no latency. Values
 * are kept until {@link EmfMetricsRecorder.publish}, which the handlers call once per invocation.
 *
 * One invocation writes one line: one metric directive per dimension set (`Requests` has
 * `status_class`, the other stream metrics do not), their values side by side, and the fields
 * given to {@link EmfMetricsRecorder.annotate} (the ingest function's `records accepted` log
 * line is this line). Only values that cannot share a line (the same metric under two
 * dimension values, or a timing's values past the first 100) go to further lines.
 *
 * Written here, not with Powertools Metrics: Powertools applies one flush's dimensions to every
 * metric in it, so it took two lines per ingest request, and about 32 µs a request against 15
 * for this line (docs/adr/0009-metrics-through-one-port-as-emf.md). Dimension groups are kept
 * for the next invocation and each directive is serialised once, so that an invocation
 * allocates little. The format's rules are
 * kept: at most 100 metrics per directive (the vocabulary has fewer), 100 values per metric,
 * every value a finite number (others are dropped), no member twice.
 */
import {
  type CounterName,
  METRICS,
  METRICS_NAMESPACE,
  type MetricDimensions,
  type MetricName,
  type MetricsRecorder,
  type ObservedName,
} from '#shared/ports/metrics';

/** The most values one metric may carry in one EMF line (the format's limit). */
export const MAX_VALUES_PER_METRIC = 100;

/**
 * The most dimension groups kept between invocations. Groups are reused (an invocation
 * writing the same streams allocates none). The tenant's streams, status classes and sources
 * bound how many there are (unknown stream ids all count as one); past this many, whatever
 * the caller, they are dropped after a publish.
 */
const MAX_KEPT_GROUPS = 256;

/** A field of a line that is not a metric: text or a number. */
export type LineField = string | number;

interface DimensionGroup {
  /** The dimension names joined with commas. */
  readonly dimensionSet: string;
  readonly dimensionNames: readonly string[];
  readonly dimensions: Readonly<Record<string, string>>;
  /** Counters and gauges hold one value; timings every observation. Emptied by a publish, kept for the next. */
  readonly values: Map<MetricName, number[]>;
}

/** A step of the group lookup: the next dimension's values, or the group once every value was read. */
interface GroupNode {
  readonly next: Map<string, GroupNode>;
  group?: DimensionGroup;
}

/** One EMF line being built: its directives (as JSON) and its root members (dimension values and metric values). */
interface EmfLine {
  readonly directives: string[];
  readonly members: Record<string, LineField | number[]>;
}

/** Whether a group's dimensions and metrics can join a line without changing a value already in it. */
function fits(line: EmfLine, group: DimensionGroup, names: readonly string[]): boolean {
  for (const name of group.dimensionNames) {
    if (Object.hasOwn(line.members, name) && line.members[name] !== group.dimensions[name]) return false;
  }
  return names.every((name) => !Object.hasOwn(line.members, name));
}

/** The fields as JSON members followed by a comma, without those the line's members replace ('' when none is left). */
function fieldsBefore(fields: Readonly<Record<string, LineField>>, members: EmfLine['members']): string {
  const keys = Object.keys(fields);
  const replaced = (key: string) => key === '_aws' || Object.hasOwn(members, key);
  if (keys.length === 0) return '';
  // Usually no field is replaced, and the fields serialise as they are.
  if (!keys.some(replaced)) return `${JSON.stringify(fields).slice(1, -1)},`;
  const kept: Record<string, LineField> = {};
  for (const key of keys) if (!replaced(key)) kept[key] = fields[key] as LineField;
  return Object.keys(kept).length === 0 ? '' : `${JSON.stringify(kept).slice(1, -1)},`;
}

// A metric directive depends only on the dimension names and the metric names, so each is
// serialised once (the vocabulary bounds how many there are).
const directiveTexts = new Map<string, string>();

/** Each metric's dimension names as one string, the key of its dimension set. */
const DIMENSION_SETS = new Map(
  (Object.keys(METRICS) as MetricName[]).map((name) => [name, METRICS[name].dimensions.join(',')]),
);

function directiveText(group: DimensionGroup, names: readonly MetricName[]): string {
  const { dimensionNames } = group;
  const key = `${group.dimensionSet}|${names.join(',')}`;
  let text = directiveTexts.get(key);
  if (text === undefined) {
    text = JSON.stringify({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [dimensionNames],
      Metrics: names.map((name) => ({ Name: name, Unit: METRICS[name].unit })),
    });
    directiveTexts.set(key, text);
  }
  return text;
}

/** A recorder that writes EMF lines when published. */
export class EmfMetricsRecorder implements MetricsRecorder {
  readonly #write: (text: string) => void;
  /** Every group, in the order they were first recorded. */
  readonly #groups: DimensionGroup[] = [];
  /** The groups by dimension names, then by each dimension's value in turn. */
  readonly #groupTree = new Map<string, GroupNode>();
  #fields: Readonly<Record<string, LineField>> = {};

  /** `write` takes each line with its newline; stdout by default, where the Lambda runtime collects it. */
  constructor(write: (text: string) => void = (text) => process.stdout.write(text)) {
    this.#write = write;
  }

  count<N extends CounterName>(name: N, dimensions: MetricDimensions<N>, value = 1): void {
    // CloudWatch takes numbers only: NaN and the infinities would be written as null.
    if (!Number.isFinite(value)) return;
    const values = this.#valuesOf(name, dimensions);
    values[0] = (values[0] ?? 0) + value;
  }

  observe<N extends ObservedName>(name: N, dimensions: MetricDimensions<N>, value: number): void {
    if (!Number.isFinite(value)) return;
    const values = this.#valuesOf(name, dimensions);
    if (METRICS[name].kind === 'gauge') values.splice(0, values.length, value);
    else values.push(value);
  }

  /**
   * Fields the next published line carries besides its metrics: CloudWatch ignores them,
   * Logs Insights reads them. A field never replaces a dimension or a metric of the line.
   */
  annotate(fields: Readonly<Record<string, LineField>>): void {
    this.#fields = Object.keys(this.#fields).length === 0 ? fields : { ...this.#fields, ...fields };
  }

  /** Writes what was recorded since the last publish, in as few lines as the format allows, and forgets it. */
  publish(): void {
    const lines = this.#lines();
    const fields = this.#fields;
    this.#fields = {};
    this.#forgetValues();
    const [first, ...rest] = lines;
    if (first === undefined) {
      const alone = fieldsBefore(fields, {});
      if (alone !== '') this.#write(`{${alone.slice(0, -1)}}\n`);
      return;
    }
    const timestamp = Date.now();
    // Each part is serialised apart, so that no object of every member is built per line.
    const aws = (line: EmfLine) =>
      `"_aws":{"Timestamp":${timestamp},"CloudWatchMetrics":[${line.directives.join(',')}]}`;
    const members = (line: EmfLine) => JSON.stringify(line.members).slice(1);
    let text = `{${fieldsBefore(fields, first.members)}${aws(first)},${members(first)}\n`;
    for (const line of rest) text += `{${aws(line)},${members(line)}\n`;
    this.#write(text);
  }

  /** Packs the groups into lines: each group into the first line it fits, a timing's values 100 at a time. */
  #lines(): EmfLine[] {
    const lines: EmfLine[] = [];
    for (const group of this.#groups) {
      for (let start = 0; ; start += MAX_VALUES_PER_METRIC) {
        const names: MetricName[] = [];
        for (const [name, all] of group.values) if (all.length > start) names.push(name);
        if (names.length === 0) break;
        let line = lines.find((candidate) => fits(candidate, group, names));
        if (line === undefined) {
          line = { directives: [], members: {} };
          lines.push(line);
        }
        line.directives.push(directiveText(group, names));
        for (const name of group.dimensionNames) line.members[name] = group.dimensions[name] as string;
        for (const name of names) {
          const all = group.values.get(name) as number[];
          line.members[name] = all.length === 1 ? (all[0] as number) : all.slice(start, start + MAX_VALUES_PER_METRIC);
        }
      }
    }
    return lines;
  }

  /** Empties every group's values for the next invocation; drops the groups when there are too many to keep. */
  #forgetValues(): void {
    if (this.#groups.length > MAX_KEPT_GROUPS) {
      this.#groups.length = 0;
      this.#groupTree.clear();
      return;
    }
    for (const group of this.#groups) for (const values of group.values.values()) values.length = 0;
  }

  #valuesOf(name: MetricName, dimensions: Readonly<Record<string, string>>): number[] {
    // The vocabulary's dimension order, so that one set of values is one group however it was spelled.
    const dimensionNames = METRICS[name].dimensions;
    const dimensionSet = DIMENSION_SETS.get(name) as string;
    let node: GroupNode | undefined = this.#groupTree.get(dimensionSet);
    if (node === undefined) {
      node = { next: new Map() };
      this.#groupTree.set(dimensionSet, node);
    }
    for (const dimension of dimensionNames) {
      const value = dimensions[dimension] as string;
      let child: GroupNode | undefined = node.next.get(value);
      if (child === undefined) {
        child = { next: new Map() };
        node.next.set(value, child);
      }
      node = child;
    }
    let group = node.group;
    if (group === undefined) {
      const values: Record<string, string> = {};
      for (const dimension of dimensionNames) values[dimension] = dimensions[dimension] as string;
      group = { dimensionSet, dimensionNames, dimensions: values, values: new Map() };
      node.group = group;
      this.#groups.push(group);
    }
    let values = group.values.get(name);
    if (values === undefined) {
      values = [];
      group.values.set(name, values);
    }
    return values;
  }
}
