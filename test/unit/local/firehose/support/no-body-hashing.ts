/**
 * An SDK hash (a client's `sha256`) that refuses more than a signing key's inputs: a client
 * whose signer hashes a request body itself, on the event loop, fails the call.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): Uint8Array | string =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** The most a signer hashes that is not a body. */
const MOST_BYTES = 1024;

export class NoBodyHashing {
  private readonly hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: SourceData): void {
    const input = bytes(data);
    if (input.length > MOST_BYTES) throw new Error(`the signer hashed ${input.length} bytes`);
    this.hash.update(input);
  }

  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }

  reset(): void {}
}
