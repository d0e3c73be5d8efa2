/**
 * Journal segments of the delivery buffers under `.sluice/buffers/`: every acknowledged
 * record is on disk (written and fsynced) before `deliver()` resolves, so a crash after
 * a 202 loses nothing. A segment holds the records of one future batch, each as a 4-byte
 * big-endian length followed by the framed record.
 */
import { type FileHandle, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DELIVERY_CHANNELS, type DeliveryChannel } from '#shared/ports/delivery-port';

const SUFFIX = '.journal';

/** What a segment file's name says. */
export interface SegmentName {
  readonly streamId: string;
  readonly channel: DeliveryChannel;
  /** Epoch ms when the first record arrived. */
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

/** Encodes records as journal entries. */
export function encodeEntries(records: readonly Uint8Array[]): Buffer {
  const size = records.reduce((sum, record) => sum + 4 + record.length, 0);
  const buffer = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const record of records) {
    buffer.writeUInt32BE(record.length, offset);
    buffer.set(record, offset + 4);
    offset += 4 + record.length;
  }
  return buffer;
}

/**
 * Decodes journal entries. A torn last entry (the process died while writing it) is
 * dropped: its request was never acknowledged, because the fsync had not returned.
 */
export function decodeEntries(buffer: Buffer): Uint8Array[] {
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset + 4 <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    if (offset + 4 + length > buffer.length) break;
    records.push(buffer.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return records;
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
    const folder = await open(directory, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
    return segment;
  }

  /** Appends records durably; on failure the file is cut back so it holds only acknowledged records. */
  async append(records: readonly Uint8Array[]): Promise<void> {
    const bytes = encodeEntries(records);
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
export interface ReplayedSegment extends SegmentName {
  readonly path: string;
  readonly records: Uint8Array[];
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
    segments.push({ ...name, path, records: decodeEntries(await readFile(path)) });
  }
  return segments.sort((a, b) => a.openedAt - b.openedAt || a.path.localeCompare(b.path));
}

/** Reads the records of one segment: what a batch holds, so no copy has to stay in memory. */
export async function readSegmentRecords(path: string): Promise<Uint8Array[]> {
  return decodeEntries(await readFile(path));
}

/** Removes a segment once its batch is in S3. */
export async function removeSegment(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
