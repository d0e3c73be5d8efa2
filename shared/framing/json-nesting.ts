/**
 * Nesting depth of JSON text, measured by a scan that never recurses, so that input nested
 * 100,000 deep is refused before `JSON.parse` or a validator walks it.
 */
import { JSON_STRUCTURE, scanJsonStructure } from './json-structure.ts';

/**
 * Whether the JSON text nests arrays and objects deeper than `limit`. Brackets inside strings
 * do not count. The text need not be valid JSON; the scan stops at the first level past the limit.
 */
export function isNestedDeeperThan(text: string, limit: number): boolean {
  // Depth never exceeds the number of opening brackets, and counting them is a native search:
  // almost every record settles here, at a fraction of the exact scan's cost (which matched JSON.parse's).
  if (!hasMoreOpeningBracketsThan(text, limit)) return false;
  let depth = 0;
  let deeper = false;
  scanJsonStructure(text, 0, (code) => {
    if (code === JSON_STRUCTURE.openArray || code === JSON_STRUCTURE.openObject) {
      depth++;
      deeper = depth > limit;
      return deeper;
    }
    if (code === JSON_STRUCTURE.closeArray || code === JSON_STRUCTURE.closeObject) depth--;
    return false;
  });
  return deeper;
}

// Whether `[` and `{` together occur more than `limit` times (inside strings too: an upper bound).
function hasMoreOpeningBracketsThan(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ['[', '{']) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1)) {
      count += 1;
      if (count > limit) return true;
    }
  }
  return false;
}
