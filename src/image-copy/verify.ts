import { createHash, Hash } from 'crypto';
import { Transform, TransformCallback } from 'stream';
import { ImageCopyError } from './errors';
import { Descriptor } from './manifest';

/**
 * Passes a blob through while checking it against its descriptor: more bytes than the size fail
 * at once; at the end, the byte count and the sha256 must match. The last chunk is held back
 * until then, so a destination never receives a whole blob that does not verify.
 */
export class VerifyStream extends Transform {
  /** Bytes seen so far. */
  public bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private held: Buffer | undefined;

  constructor(private readonly descriptor: Descriptor, private readonly what: string) {
    super();
  }

  public _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.descriptor.size) {
      callback(new ImageCopyError('verify', `${this.what}: the source sent more than the ${this.descriptor.size} bytes its manifest declares`));
      return;
    }
    this.hash.update(chunk);
    const previous = this.held;
    this.held = chunk;
    callback(null, previous);
  }

  public _flush(callback: TransformCallback): void {
    if (this.bytes !== this.descriptor.size) {
      callback(new ImageCopyError('verify', `${this.what}: the source sent ${this.bytes} bytes, its manifest declares ${this.descriptor.size}`, { retryable: true }));
      return;
    }
    const got = `sha256:${this.hash.digest('hex')}`;
    if (got !== this.descriptor.digest) {
      callback(new ImageCopyError('verify', `${this.what}: the source sent bytes of digest ${got}, not the ${this.descriptor.digest} its manifest declares`));
      return;
    }
    callback(null, this.held);
  }
}

/** Check bytes held in memory against a descriptor. */
export function verifyBuffer(bytes: Buffer, d: Descriptor, what: string): void {
  if (bytes.length !== d.size) {
    throw new ImageCopyError('verify', `${what}: the source sent ${bytes.length} bytes, its manifest declares ${d.size}`);
  }
  const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (got !== d.digest) {
    throw new ImageCopyError('verify', `${what}: the source sent bytes of digest ${got}, not the ${d.digest} its manifest declares`);
  }
}
