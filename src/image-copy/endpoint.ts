import { Readable } from 'stream';
import { Descriptor, Manifest } from './manifest';

/** Where an image is read from. */
export interface SourceEndpoint {
  /** `ghcr.io/org/app` (for messages). */
  readonly name: string;
  /** A manifest's bytes and the media type the registry gave it, by tag or digest. */
  getManifest(reference: string): Promise<{ bytes: Buffer; mediaType?: string }>;
  /** A blob's bytes as they arrive (not yet verified; the copy verifies them). */
  openBlob(d: Descriptor): Promise<Readable>;
}

/** Where an image is written. */
export interface DestinationEndpoint {
  readonly name: string;
  /** The descriptors among `ds` whose blobs the destination does not have. */
  missingBlobs(ds: Descriptor[]): Promise<Descriptor[]>;
  /**
   * Upload one blob from a verified stream. The stream fails (and the upload must not complete)
   * when the bytes do not match the descriptor.
   */
  uploadBlob(d: Descriptor, data: Readable): Promise<void>;
  /** Whether the destination has a manifest of this digest. */
  hasManifest(digest: string): Promise<boolean>;
  /** Write a manifest's exact bytes, by digest, and under `tag` when given. */
  putManifest(m: Manifest, tag?: string): Promise<void>;
}
