/**
 * Watches a tenant file and the local files it imports. Editors often save by writing a new
 * file and renaming it over the old one, which ends a watch on the file itself, so the folders
 * are watched and events are matched by name; a burst of events within a short pause is one
 * change.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Pause after the last event before a change is reported. */
const SETTLE_MS = 100;

/** A running watch; `watchFiles` replaces the set of files (they change with the imports). */
export interface TenantWatcher {
  watchFiles(files: readonly string[]): void;
  close(): void;
}

/** Calls `onChange` once per burst of changes to any of the files. */
export function watchTenantFiles(files: readonly string[], onChange: () => void): TenantWatcher {
  const watchers = new Map<string, FSWatcher>();
  let watched = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, SETTLE_MS);
  };
  const watcher: TenantWatcher = {
    watchFiles(next) {
      // A load that finishes after close must not start watching again (it would keep the process alive).
      if (closed) return;
      watched = new Set(next);
      const folders = new Set(next.map((file) => dirname(file)));
      for (const [folder, folderWatcher] of watchers) {
        if (!folders.has(folder)) {
          folderWatcher.close();
          watchers.delete(folder);
        }
      }
      for (const folder of folders) {
        if (watchers.has(folder)) continue;
        const folderWatcher = watch(folder, (_event, name) => {
          if (name && [...watched].some((file) => dirname(file) === folder && basename(file) === String(name))) {
            changed();
          }
        });
        folderWatcher.on('error', () => undefined);
        watchers.set(folder, folderWatcher);
      }
    },
    close() {
      closed = true;
      clearTimeout(timer);
      for (const folderWatcher of watchers.values()) folderWatcher.close();
      watchers.clear();
    },
  };
  watcher.watchFiles(files);
  return watcher;
}
