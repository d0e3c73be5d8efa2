/**
 * The Markdown tables of docs/operations.md, printed from the metric vocabulary
 * (shared/ports/metrics.ts) and the alarm specs (shared/observability/operations-alarms.ts) by `npm run docs`.
 */

import { ALARM_SPECS, alarmCondition } from '../observability/operations-alarms.ts';
import { METRIC_NAMES, METRICS, METRICS_NAMESPACE, prometheusName } from '../ports/metrics.ts';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const code = (text: string) => `\`${text}\``;

/** Every metric: CloudWatch and Prometheus names, unit, kind, dimensions, meaning. */
export function metricTable(): string {
  return table(
    [
      `CloudWatch (namespace ${code(METRICS_NAMESPACE)})`,
      'Prometheus (`/metrics`)',
      'unit',
      'kind',
      'dimensions / labels',
      'meaning',
    ],
    METRIC_NAMES.map((name) => {
      const metric = METRICS[name];
      return [
        code(name),
        code(prometheusName(name)),
        metric.unit,
        metric.kind,
        metric.dimensions.map(code).join(', '),
        metric.description,
      ];
    }),
  );
}

/** Every alarm: what it watches, its threshold and why, one per what. */
export function alarmTable(): string {
  return table(
    ['alarm', 'one per', 'metric', 'fires when', 'why this threshold'],
    Object.values(ALARM_SPECS).map((spec) => [
      code(spec.name),
      spec.per,
      spec.metric,
      alarmCondition(spec),
      spec.reason,
    ]),
  );
}

/** One runbook line per alarm, each under an anchor the alarm's description links to. */
export function runbookList(): string {
  return Object.values(ALARM_SPECS)
    .map((spec) => `- <a id="${spec.name.toLowerCase()}"></a>**${spec.name}**: ${spec.runbook}`)
    .join('\n');
}
