/**
 * CBOR encoding of one stored item (RFC 8949), for CBOR sequence files (RFC 8742): plain
 * CBOR that any decoder reads, with definite lengths in their shortest form and no tags.
 * The values are what an XML document becomes (maps with text keys, arrays, text), plus the
 * other JSON-like values and byte strings (`Uint8Array`) for completeness. Written here instead of using cbor-x, which
 * added 37 KiB to the function's bundle and probed for a native addon at every cold start
 * (see docs/performance.md); the CLI still decodes with cbor-x.
 */
import { Buffer } from 'node:buffer';

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const FALSE = 0xf4;
const TRUE = 0xf5;
const NULL = 0xf6;
const UNDEFINED = 0xf7;
const FLOAT64 = 0xfb;

class ItemWriter {
  private bytes = Buffer.allocUnsafe(1024);
  private length = 0;

  private reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + count));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  /** The head of a data item: major type and argument, in the shortest form. */
  head(major: number, argument: number): void {
    const type = major << 5;
    this.reserve(9);
    if (argument < 24) {
      this.bytes[this.length++] = type | argument;
    } else if (argument < 0x100) {
      this.bytes[this.length++] = type | 24;
      this.bytes[this.length++] = argument;
    } else if (argument < 0x10000) {
      this.bytes[this.length++] = type | 25;
      this.length = this.bytes.writeUInt16BE(argument, this.length);
    } else if (argument < 0x100000000) {
      this.bytes[this.length++] = type | 26;
      this.length = this.bytes.writeUInt32BE(argument, this.length);
    } else {
      this.bytes[this.length++] = type | 27;
      this.length = this.bytes.writeBigUInt64BE(BigInt(argument), this.length);
    }
  }

  text(value: string): void {
    if (value.length < 24 && this.shortAscii(value)) return;
    const most = value.length * 3;
    const headSize = headLength(most);
    if (headLength(value.length) === headSize) {
      // The UTF-8 size lies between the string's length and three times it; when both bounds
      // need the same head size, the text is written first and its head filled in after, which
      // spares a Buffer.byteLength pass over every string.
      // Room for the longest head too, so that head() never grows (and drops) the buffer.
      this.reserve(9 + most);
      const written = this.bytes.write(value, this.length + headSize, 'utf8');
      this.head(MAJOR_TEXT, written);
      this.length += written;
      return;
    }
    const size = Buffer.byteLength(value, 'utf8');
    this.head(MAJOR_TEXT, size);
    this.reserve(size);
    this.length += this.bytes.write(value, this.length, 'utf8');
  }

  // Short ASCII strings (most keys and values) are copied in JS: a Buffer#write call costs more.
  private shortAscii(value: string): boolean {
    this.reserve(1 + value.length);
    const start = this.length + 1;
    for (let index = 0; index < value.length; index++) {
      const code = value.charCodeAt(index);
      if (code >= 0x80) return false;
      this.bytes[start + index] = code;
    }
    this.bytes[this.length] = (MAJOR_TEXT << 5) | value.length;
    this.length = start + value.length;
    return true;
  }

  byteString(value: Uint8Array): void {
    this.head(MAJOR_BYTES, value.byteLength);
    this.reserve(value.byteLength);
    this.bytes.set(value, this.length);
    this.length += value.byteLength;
  }

  number(value: number): void {
    // As cbor-x writes them: integers within 32 bits of argument as integers (-0 as 0), every
    // other number as a float64, so that the bytes stay identical to the reference.
    if (Number.isInteger(value) && value >= -0x100000000 && value < 0x100000000) {
      if (value >= 0) this.head(MAJOR_UNSIGNED, value);
      else this.head(MAJOR_NEGATIVE, -1 - value);
      return;
    }
    this.byte(FLOAT64);
    this.reserve(8);
    this.length = this.bytes.writeDoubleBE(value, this.length);
  }

  value(value: unknown, depth: number): void {
    if (depth > MAX_DEPTH) throw new RangeError('the value nests too deep to encode');
    if (typeof value === 'string') this.text(value);
    else if (typeof value === 'number') this.number(value);
    else if (typeof value === 'boolean') this.byte(value ? TRUE : FALSE);
    else if (value === null) this.byte(NULL);
    else if (value === undefined) this.byte(UNDEFINED);
    else if (value instanceof Uint8Array) this.byteString(value);
    else if (Array.isArray(value)) {
      this.head(MAJOR_ARRAY, value.length);
      for (const item of value) this.value(item, depth + 1);
    } else if (typeof value === 'object' && isPlainObject(value)) {
      const keys = Object.keys(value);
      this.head(MAJOR_MAP, keys.length);
      for (const key of keys) {
        this.text(key);
        this.value((value as Record<string, unknown>)[key], depth + 1);
      }
    } else {
      throw new TypeError(`a ${describe(value)} has no plain CBOR form`);
    }
  }

  /** The bytes written, in a buffer of their own. */
  result(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.bytes, 0, this.length);
  }
}

/** Only plain objects become maps: a Date or a typed array would otherwise pass as its own keys. */
function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  return typeof value === 'object' && value !== null ? (value.constructor?.name ?? 'object') : typeof value;
}

/** Bytes of a head whose argument is `argument`. */
function headLength(argument: number): number {
  if (argument < 24) return 1;
  if (argument < 0x100) return 2;
  if (argument < 0x10000) return 3;
  return argument < 0x100000000 ? 5 : 9;
}

// Far above the parser's element limit; it only bounds recursion for other callers.
const MAX_DEPTH = 1_000;

/** Encodes one value as a single, self-contained CBOR item. */
export function encodeCborItem(value: unknown): Uint8Array {
  const writer = new ItemWriter();
  writer.value(value, 0);
  return writer.result();
}
