/**
 * A valibot strict object whose refusals say what went wrong: an unknown key is named, with
 * the nearest valid key when it looks like a typo, and a missing one is named too. The tenant
 * config and its pull sources both use it, so a typo anywhere in a tenant file gets the hint.
 */
import * as v from 'valibot';
import { nearestKey } from './nearest-key.ts';

/**
 * `v.strictObject(entries)` with messages that name the unknown or missing key; `what` names
 * the object; `renamed` maps keys that older configs used to what replaced them.
 */
export function strictEntries<const TEntries extends v.ObjectEntries>(
  entries: TEntries,
  what: string,
  renamed: Readonly<Record<string, string>> = {},
) {
  return v.strictObject(entries, (issue) => {
    const key = issue.path?.at(-1)?.key;
    if (issue.expected === 'never' && Object.hasOwn(renamed, String(key))) {
      return `unknown key ${String(key)}; ${renamed[String(key)]}`;
    }
    if (issue.expected === 'never') {
      const suggestion = nearestKey(String(key), Object.keys(entries));
      return `unknown key ${String(key)}${suggestion ? `; did you mean ${suggestion}?` : ''}`;
    }
    if (issue.kind === 'schema' && issue.type === 'strict_object' && issue.expected?.startsWith('"')) {
      return `${String(key)} is required`;
    }
    return `${what} must be an object`;
  });
}
