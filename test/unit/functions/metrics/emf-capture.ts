/** Reads the CloudWatch EMF lines a function wrote to stdout, as the CloudWatch Logs agent would. */
import { vi } from 'vitest';

/** One metric value as CloudWatch would extract it from an EMF line. */
export interface EmfDatum {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string;
  /** The dimension names of the line's (only) dimension set, in order. */
  readonly dimensionNames: readonly string[];
  readonly dimensions: Readonly<Record<string, string>>;
  /** A number, or every value of a timing recorded several times in one invocation. */
  readonly value: number | number[];
}

interface EmfLine {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

function isEmf(value: unknown): value is EmfLine {
  return typeof value === 'object' && value !== null && '_aws' in value;
}

/** Captures stdout (and silences it) until the test ends; `data()` parses the EMF lines so far. */
export function captureEmf(): { data: () => EmfDatum[]; lines: () => string[] } {
  const output: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    output.push(String(chunk));
    return true;
  });
  const lines = () => output.join('').split('\n').filter(Boolean);
  const data = () =>
    lines().flatMap((line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return [];
      }
      if (!isEmf(parsed)) return [];
      return parsed._aws.CloudWatchMetrics.flatMap((directive) => {
        const dimensionNames = directive.Dimensions[0] ?? [];
        const dimensions = Object.fromEntries(dimensionNames.map((name) => [name, String(parsed[name])]));
        return directive.Metrics.map((metric) => ({
          namespace: directive.Namespace,
          name: metric.Name,
          unit: metric.Unit,
          dimensionNames,
          dimensions,
          value: parsed[metric.Name] as number | number[],
        }));
      });
    });
  return { data, lines };
}

/** The sum of a counter's values with these dimensions (0 when it was not recorded). */
export function total(data: readonly EmfDatum[], name: string, dimensions: Record<string, string>): number {
  return data
    .filter((datum) => datum.name === name && sameDimensions(datum.dimensions, dimensions))
    .flatMap((datum) => (Array.isArray(datum.value) ? datum.value : [datum.value]))
    .reduce((sum, value) => sum + value, 0);
}

function sameDimensions(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
