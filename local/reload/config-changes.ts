/** What a reload changed, one line per change, for the dev server's terminal. */
import type { TenantConfig } from '#shared/config/tenant-config';

/** A stable text of a config value; functions (valibot checks) by their source. */
function signature(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'function' ? String(item) : item)) ?? '';
}

function names(record: Readonly<Record<string, unknown>> | undefined): string[] {
  return Object.keys(record ?? {});
}

/** The changes from `before` to `after`: streams added, removed, changed; sources; throttle. */
export function describeConfigChanges(before: TenantConfig, after: TenantConfig): string[] {
  const lines: string[] = [];
  const oldStreams = names(before.streams);
  const newStreams = names(after.streams);
  for (const id of newStreams.filter((name) => !oldStreams.includes(name))) lines.push(`stream ${id} added`);
  for (const id of oldStreams.filter((name) => !newStreams.includes(name))) {
    lines.push(`stream ${id} removed (its buffered records are flushed to S3; its routes answer 404)`);
  }
  for (const id of newStreams.filter((name) => oldStreams.includes(name))) {
    const was = before.streams[id];
    const now = after.streams[id];
    if (signature(was?.schema) !== signature(now?.schema)) lines.push(`stream ${id}: schema changed`);
    if (signature(was?.throttle) !== signature(now?.throttle)) lines.push(`stream ${id}: throttle changed`);
    const { schema: _a, throttle: _b, ...wasRest } = was ?? ({} as Record<string, unknown>);
    const { schema: _c, throttle: _d, ...nowRest } = now ?? ({} as Record<string, unknown>);
    if (signature(wasRest) !== signature(nowRest)) lines.push(`stream ${id}: settings changed`);
  }
  if (signature(before.throttle) !== signature(after.throttle)) lines.push('tenant throttle changed');
  const oldSources = names(before.sources);
  const newSources = names(after.sources);
  for (const name of newSources.filter((source) => !oldSources.includes(source))) {
    lines.push(`source ${name} added and scheduled`);
  }
  for (const name of oldSources.filter((source) => !newSources.includes(source))) {
    lines.push(`source ${name} removed (no longer scheduled)`);
  }
  for (const name of newSources.filter((source) => oldSources.includes(source))) {
    if (signature(before.sources?.[name]) !== signature(after.sources?.[name])) {
      lines.push(`source ${name} changed and rescheduled`);
    }
  }
  return lines;
}

/** Whether the pull side must be reopened: any source added, removed or changed. */
export function sourcesChanged(before: TenantConfig, after: TenantConfig): boolean {
  return signature(before.sources) !== signature(after.sources);
}
