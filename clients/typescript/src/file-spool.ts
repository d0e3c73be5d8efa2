/**
 * A durable spool in a directory (Node only): one append-only log of records, batch cuts and
 * acknowledgements. Appends are group-committed (one write and one fdatasync for every record
 * waiting), so a sender awaiting each record pays one sync per record, and `sendMany` one per call.
 * The log is rewritten with only what is still unanswered on open and when it grows large.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Spool, SpooledBatch, SpooledRecord, SpoolState } from './spool-port.ts';

/** One line of the log. */
type Entry =
  | ['r', string, number, string] // a record: stream, sequence number, text
  | ['c', string, string, number, number] // a cut: key, stream, first and last sequence number
  | ['a', string] // an answered batch: key
  | ['o', string]; // the cursor of the records before it

const LOG = 'spool.log';
const LOCK = 'spool.lock';

/** The spool is used by a live process. */
export class SpoolLockedError extends Error {}

/** Options of {@link FileSpool}. */
export interface FileSpoolOptions {
  /** Rewrite the log when it passes this many bytes and holds mostly answered entries (default 64 MiB). */
  readonly compactAboveBytes?: number;
}

/**
 * Whether `pid` is a running process. A killed process its parent has not reaped yet (a zombie,
 * state `Z` in /proc where there is one) still answers signal 0, but holds nothing.
 */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // `pid (comm) state …`: comm may hold spaces and parentheses, so the state follows the last `)`.
  return stat[stat.lastIndexOf(')') + 2] === 'Z';
}

/** A spool in `directory`, created if missing; one client at a time (a lock file with its pid). */
export class FileSpool implements Spool {
  readonly #directory: string;
  readonly #compactAboveBytes: number;
  #log: FileHandle | undefined;
  #logBytes = 0;
  readonly #records = new Map<string, Map<number, string>>();
  readonly #batches = new Map<string, SpooledBatch>();
  readonly #nextSeq: Record<string, number> = {};
  #cursor: string | undefined;
  #pending: { line: string; done: () => void; failed: (error: unknown) => void }[] = [];
  #writing: Promise<void> | undefined;

  constructor(directory: string, options: FileSpoolOptions = {}) {
    this.#directory = directory;
    this.#compactAboveBytes = options.compactAboveBytes ?? 64 << 20;
  }

  /** Reads the log left by an earlier client, keeps only what is unanswered, and takes the lock. */
  async open(): Promise<SpoolState> {
    await mkdir(this.#directory, { recursive: true });
    this.#lock();
    let text = '';
    try {
      text = await readFile(join(this.#directory, LOG), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const lines = text.split('\n');
    // A crash can leave the last line half written: it was never acknowledged to anyone, so it is dropped.
    if (!text.endsWith('\n')) lines.pop();
    for (const [index, line] of lines.entries()) {
      if (line === '') continue;
      let entry: Entry;
      try {
        entry = JSON.parse(line) as Entry;
      } catch {
        throw new Error(`spool ${this.#directory}: line ${index + 1} of ${LOG} is not readable`);
      }
      this.#apply(entry);
    }
    await this.#compact();
    const records: SpooledRecord[] = [];
    for (const [stream, byStream] of this.#records) {
      for (const [seq, recordText] of [...byStream].sort((a, b) => a[0] - b[0]))
        records.push({ stream, seq, text: recordText });
    }
    return { records, batches: [...this.#batches.values()], nextSeq: { ...this.#nextSeq }, cursor: this.#cursor };
  }

  append(records: readonly SpooledRecord[], cursor?: string): Promise<void> {
    const entries: Entry[] = records.map((record) => ['r', record.stream, record.seq, record.text]);
    if (cursor !== undefined) entries.push(['o', cursor]);
    for (const entry of entries) this.#apply(entry);
    return this.#write(entries);
  }

  cut(batch: Omit<SpooledBatch, 'records'>): Promise<void> {
    const entry: Entry = ['c', batch.key, batch.stream, batch.from, batch.to];
    this.#apply(entry);
    return this.#write([entry]);
  }

  ack(key: string): Promise<void> {
    const entry: Entry = ['a', key];
    this.#apply(entry);
    // Not awaited for its sync: a lost acknowledgement only resends a batch, whose key replays its answer.
    void this.#write([entry]).catch(() => {});
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.#drain();
    await this.#log?.close();
    this.#log = undefined;
    await unlink(join(this.#directory, LOCK)).catch(() => {});
  }

  #lock(): void {
    const file = join(this.#directory, LOCK);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        let holder = Number.NaN;
        try {
          holder = Number(readFileSync(file, 'utf8'));
        } catch {}
        if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
          throw new SpoolLockedError(`spool ${this.#directory} is in use by process ${holder}`);
        }
        // The holder died (killed, crashed): its lock is stale.
        try {
          unlinkSync(file);
        } catch {}
      }
    }
    throw new SpoolLockedError(`spool ${this.#directory}: cannot take its lock`);
  }

  #apply(entry: Entry): void {
    switch (entry[0]) {
      case 'r': {
        const [, stream, seq, text] = entry;
        let byStream = this.#records.get(stream);
        if (!byStream) {
          byStream = new Map();
          this.#records.set(stream, byStream);
        }
        byStream.set(seq, text);
        this.#nextSeq[stream] = Math.max(this.#nextSeq[stream] ?? 0, seq + 1);
        break;
      }
      case 'c': {
        const [, key, stream, from, to] = entry;
        const byStream = this.#records.get(stream);
        const records: string[] = [];
        for (let seq = from; seq <= to; seq += 1) {
          const text = byStream?.get(seq);
          if (text !== undefined) records.push(text);
          byStream?.delete(seq);
        }
        this.#batches.set(key, { key, stream, from, to, records });
        this.#nextSeq[stream] = Math.max(this.#nextSeq[stream] ?? 0, to + 1);
        break;
      }
      case 'a':
        this.#batches.delete(entry[1]);
        break;
      case 'o':
        this.#cursor = entry[1];
        break;
    }
  }

  /** The entries that still matter: the cursor, unanswered batches, records not yet cut. */
  #liveEntries(): Entry[] {
    const entries: Entry[] = [];
    if (this.#cursor !== undefined) entries.push(['o', this.#cursor]);
    for (const [stream, next] of Object.entries(this.#nextSeq)) {
      // Keeps each stream's next sequence number when all its records are answered.
      if (!this.#records.get(stream)?.size && ![...this.#batches.values()].some((batch) => batch.stream === stream)) {
        entries.push(['c', `seq:${stream}`, stream, next - 1, next - 1], ['a', `seq:${stream}`]);
      }
    }
    for (const batch of this.#batches.values()) {
      batch.records.forEach((text, index) => {
        entries.push(['r', batch.stream, batch.from + index, text]);
      });
      entries.push(['c', batch.key, batch.stream, batch.from, batch.from + batch.records.length - 1]);
    }
    for (const [stream, byStream] of this.#records) {
      for (const [seq, text] of byStream) entries.push(['r', stream, seq, text]);
    }
    return entries;
  }

  /** Writes the live entries to a new log and renames it over the old one, so a crash leaves either. */
  async #compact(): Promise<void> {
    await this.#log?.close();
    const temporary = join(this.#directory, `${LOG}.tmp`);
    const text = this.#liveEntries()
      .map((entry) => `${JSON.stringify(entry)}\n`)
      .join('');
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, join(this.#directory, LOG));
    const directory = await open(this.#directory, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
    this.#log = await open(join(this.#directory, LOG), 'a');
    this.#logBytes = Buffer.byteLength(text);
  }

  #write(entries: readonly Entry[]): Promise<void> {
    const line = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    return new Promise((done, failed) => {
      this.#pending.push({ line, done, failed });
      this.#writing ??= this.#writeLoop();
    });
  }

  async #writeLoop(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const group = this.#pending;
        this.#pending = [];
        try {
          const log = this.#log;
          if (!log) throw new Error(`spool ${this.#directory} is closed`);
          const text = group.map((item) => item.line).join('');
          await log.write(text);
          await log.datasync();
          this.#logBytes += Buffer.byteLength(text);
          for (const item of group) item.done();
        } catch (error) {
          // ENOSPC and friends: the sends waiting on this write fail; nothing is claimed durable.
          for (const item of group) item.failed(error);
        }
        // The live entries are bounded by the client's buffer, far below the threshold.
        if (this.#logBytes > this.#compactAboveBytes) await this.#compact().catch(() => {});
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #drain(): Promise<void> {
    while (this.#writing) await this.#writing;
  }
}
