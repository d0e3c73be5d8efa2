/**
 * Journal segments of the delivery buffers under `.sluice/buffers/`: every acknowledged
 * record is on disk (written and fsynced) before `deliver()` resolves, so a crash after
 * a 202 loses nothing. A segment holds the records of one future batch, each as a 4-byte
 * big-endian length followed by the framed record.
 *
 * The records of a keyed post are one entry instead, flagged by the length's top bit: the
 * key's answer (JSON) and then the records as above. One entry is torn or whole, so a crash
 * keeps either the records with their key's completion or neither: never records whose key
 * a restart would give away again (issue 22 §5).
 */
import { type FileHandle, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DELIVERY_CHANNELS, type DeliveryChannel, type KeyedAnswer } from '#shared/ports/delivery-port';

const SUFFIX = '.journal';
// Records are at most 1,000 KiB, so a length never reaches the top bit.
const KEYED_FLAG = 0x8000_0000;
const LENGTH_MASK = 0x7fff_ffff;

/** What a segment file's name says. */
export interface SegmentName {
  readonly streamId: string;
  readonly channel: DeliveryChannel;
  /**
   * Epoch ms the segment was created: when its first record arrived, or up to a second before
   * it for a segment made ahead (delivery-buffer.ts). The batch's time, in its S3 key too.
   */
  readonly openedAt: number;
  /**
   * Id of the object the segment becomes, fixed when the segment is made: a segment replayed
   * after a crash between the upload and its removal writes the same key again, not a copy.
   */
  readonly batchId: string;
}

/** The file name of a new segment (`<stream>~<channel>~<ms>~<batch id>.journal`). */
export function segmentFileName(name: SegmentName): string {
  return `${name.streamId}~${name.channel}~${name.openedAt}~${name.batchId}${SUFFIX}`;
}

/** Parses a segment file name; undefined for files that are not segments. */
export function parseSegmentFileName(name: string): SegmentName | undefined {
  const match = /^([A-Za-z0-9_-]{1,64})~(records|dead-letter|json-projection)~(\d+)~([0-9a-f-]{36})\.journal$/.exec(
    name,
  );
  if (!match?.[1] || !match[2] || !match[3] || !match[4]) return undefined;
  const channel = DELIVERY_CHANNELS.find((candidate) => candidate === match[2]);
  return channel ? { streamId: match[1], channel, openedAt: Number(match[3]), batchId: match[4] } : undefined;
}

/** Records to append together: a keyed post's carry the answer they complete. */
export interface JournalAppend {
  readonly records: readonly Uint8Array[];
  readonly completes?: KeyedAnswer | undefined;
}

/** What a segment holds: its records, and the keyed answers written with them. */
export interface SegmentContents {
  readonly records: Uint8Array[];
  readonly answers: KeyedAnswer[];
}

function entriesSize(records: readonly Uint8Array[]): number {
  return records.reduce((sum, record) => sum + 4 + record.length, 0);
}

function writeEntries(buffer: Buffer, records: readonly Uint8Array[], at: number): number {
  let offset = at;
  for (const record of records) {
    buffer.writeUInt32BE(record.length, offset);
    buffer.set(record, offset + 4);
    offset += 4 + record.length;
  }
  return offset;
}

/** Encodes records as journal entries. */
export function encodeEntries(records: readonly Uint8Array[]): Buffer {
  const buffer = Buffer.allocUnsafe(entriesSize(records));
  writeEntries(buffer, records, 0);
  return buffer;
}

/** Encodes appends: plain entries, or one keyed entry per append that completes a key. */
export function encodeAppends(appends: readonly JournalAppend[]): Buffer {
  const parts: Buffer[] = [];
  for (const { records, completes } of appends) {
    if (!completes) {
      parts.push(encodeEntries(records));
      continue;
    }
    const answer = Buffer.from(JSON.stringify(completes));
    const length = 4 + answer.length + entriesSize(records);
    const entry = Buffer.allocUnsafe(4 + length);
    entry.writeUInt32BE((KEYED_FLAG | length) >>> 0, 0);
    entry.writeUInt32BE(answer.length, 4);
    entry.set(answer, 8);
    writeEntries(entry, records, 8 + answer.length);
    parts.push(entry);
  }
  return Buffer.concat(parts);
}

function readPlainEntries(buffer: Buffer, into: Uint8Array[]): void {
  let offset = 0;
  while (offset + 4 <= buffer.length) {
    const length = buffer.readUInt32BE(offset) & LENGTH_MASK;
    if (offset + 4 + length > buffer.length) break;
    into.push(buffer.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
}

/**
 * Decodes a segment. A torn last entry (the process died while writing it) is dropped: its
 * request was never acknowledged, because the fsync had not returned.
 */
export function decodeSegment(buffer: Buffer): SegmentContents {
  const records: Uint8Array[] = [];
  const answers: KeyedAnswer[] = [];
  let offset = 0;
  while (offset + 4 <= buffer.length) {
    const header = buffer.readUInt32BE(offset);
    const length = header & LENGTH_MASK;
    if (offset + 4 + length > buffer.length) break;
    const entry = buffer.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    if ((header & KEYED_FLAG) === 0) {
      records.push(entry);
      continue;
    }
    const answerLength = entry.readUInt32BE(0);
    answers.push(JSON.parse(entry.subarray(4, 4 + answerLength).toString()) as KeyedAnswer);
    readPlainEntries(entry.subarray(4 + answerLength), records);
  }
  return { records, answers };
}

/** One open segment: appends are written and fsynced together. */
export class JournalSegment {
  private size = 0;

  private constructor(
    readonly path: string,
    /** What the segment's file name says: its stream, channel, first arrival and object id. */
    readonly name: SegmentName,
    private readonly file: FileHandle,
  ) {}

  /** Creates a segment file in `directory`. */
  static async create(directory: string, name: SegmentName): Promise<JournalSegment> {
    await mkdir(directory, { recursive: true });
    const path = join(directory, segmentFileName(name));
    const segment = new JournalSegment(path, name, await open(path, 'wx'));
    // The new name must be durable too, or a power loss could drop an acknowledged segment.
    try {
      const folder = await open(directory, 'r');
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    } catch (error) {
      // Empty: nothing was acknowledged into it.
      await segment.close().catch(() => undefined);
      throw error;
    }
    return segment;
  }

  /** Appends records (and the keyed answers they complete) durably; on failure the file is cut back so it holds only acknowledged records. */
  async append(appends: readonly JournalAppend[]): Promise<void> {
    const bytes = encodeAppends(appends);
    try {
      await this.file.write(bytes, 0, bytes.length, this.size);
      await this.file.datasync();
      this.size += bytes.length;
    } catch (error) {
      await this.file.truncate(this.size).catch(() => undefined);
      throw error;
    }
  }

  /** Closes the file; it stays on disk until its batch is in S3. */
  close(): Promise<void> {
    return this.file.close();
  }
}

/** A segment found on disk at start. */
export interface ReplayedSegment extends SegmentName, SegmentContents {
  readonly path: string;
}

/** Reads every segment left in `directory` (oldest first), e.g. after a crash. */
export async function readSegments(directory: string): Promise<ReplayedSegment[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const segments: ReplayedSegment[] = [];
  for (const fileName of names) {
    const name = parseSegmentFileName(fileName);
    if (!name) continue;
    const path = join(directory, fileName);
    segments.push({ ...name, path, ...decodeSegment(await readFile(path)) });
  }
  return segments.sort((a, b) => a.openedAt - b.openedAt || a.path.localeCompare(b.path));
}

/** Reads one segment: what a batch holds, so no copy has to stay in memory. */
export async function readSegment(path: string): Promise<SegmentContents> {
  return decodeSegment(await readFile(path));
}

/** Removes a segment once its batch is in S3. */
export async function removeSegment(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
