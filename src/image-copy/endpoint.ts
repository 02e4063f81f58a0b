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
  /**
   * The referrers of a manifest (signatures, SBOMs, attestations whose `subject` is `digest`):
   * the OCI 1.1 referrers API, else the referrers tag schema (`sha256-<hex>`), as index entries
   * (ECR: the registry endpoint's API and the tag schema's entries it does not list).
   */
  referrers(digest: string): Promise<Referrer[]>;
}

/** One referrer as an index lists it: its descriptor and the entry's JSON as the source wrote it. */
export interface Referrer {
  readonly descriptor: Descriptor;
  /** The index entry (with `artifactType` and `annotations`), kept for a destination's referrers tag. */
  readonly entry: Record<string, unknown>;
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
  /**
   * Write a referrer's manifest by digest so that it is found as a referrer of its subject: a
   * registry with the referrers API indexes it itself; another gets the referrers tag schema's
   * index (`sha256-<hex>` of the subject) with this entry added.
   */
  putReferrer(m: Manifest, referrer: Referrer): Promise<void>;
}
