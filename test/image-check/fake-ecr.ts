/**
 * A fake ECR behind aws-sdk-client-mock: DescribeImages and DescribeImageScanFindings answered
 * from an in-memory registry, with ECR's semantics (one missing id fails the whole call).
 */
import { createHash } from 'crypto';
import * as http from 'http';
import {
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeImagesCommandInput,
  ECRClient,
  ImageDetail,
  ImageNotFoundException,
  RepositoryNotFoundException,
  ScanNotFoundException,
} from '@aws-sdk/client-ecr';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { checkImages, ImageCheckFailure } from '../../src/image-check/private/check-images';
import { CheckProperties } from '../../src/image-check/private/contract';

export const REGISTRY = '111111111111';
export const REGION = 'us-east-1';

export function digestOf(s: string): string {
  return `sha256:${createHash('sha256').update(s).digest('hex')}`;
}

export interface FakeImage {
  readonly repository: string;
  readonly tags: string[];
  readonly digest?: string;
  readonly status?: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';
  /** Successive scan answers (the last one repeats). */
  readonly scans?: Array<{ status: string; counts?: Record<string, number>; description?: string }>;
}

export class FakeEcr {
  public readonly mock: AwsClientStub<ECRClient>;
  public readonly repositories = new Map<string, ImageDetail[]>();
  public readonly describeCalls: DescribeImagesCommandInput[] = [];
  /** ECR names the first missing id in the error message; false: a message without it. */
  public nameMissingInMessage = true;
  private readonly scans = new Map<string, FakeImage['scans']>();

  constructor() {
    this.mock = mockClient(ECRClient);
    this.mock.on(DescribeImagesCommand).callsFake(async (input: DescribeImagesCommandInput) => {
      this.describeCalls.push(input);
      const images = this.repositories.get(`${input.registryId}/${input.repositoryName}`);
      if (!images) {
        throw new RepositoryNotFoundException({ message: `The repository with name '${input.repositoryName}' does not exist`, $metadata: {} });
      }
      const out: ImageDetail[] = [];
      for (const id of input.imageIds ?? []) {
        const found = images.find(i => id.imageTag !== undefined ? i.imageTags?.includes(id.imageTag) : i.imageDigest === id.imageDigest);
        if (!found) {
          throw new ImageNotFoundException({
            message: this.nameMissingInMessage
              ? `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${input.repositoryName}'`
              : 'Requested image not found',
            $metadata: {},
          });
        }
        if (!out.includes(found)) {
          out.push(found);
        }
      }
      return { imageDetails: out };
    });
    this.mock.on(DescribeImageScanFindingsCommand).callsFake(async input => {
      const key = `${input.registryId}/${input.repositoryName}@${input.imageId?.imageDigest}`;
      const answers = this.scans.get(key);
      if (!answers || answers.length === 0) {
        throw new ScanNotFoundException({ message: 'Image scan does not exist', $metadata: {} });
      }
      const a = answers.length > 1 ? answers.shift()! : answers[0];
      return {
        imageScanStatus: { status: a.status as any, description: a.description },
        imageScanFindings: a.counts ? { findingSeverityCounts: a.counts as any } : undefined,
      };
    });
  }

  /** Add an image; returns its digest. */
  public add(img: FakeImage, registry = REGISTRY): string {
    const digest = img.digest ?? digestOf(`${img.repository}:${img.tags.join(',')}`);
    const key = `${registry}/${img.repository}`;
    const list = this.repositories.get(key) ?? [];
    list.push({
      registryId: registry,
      repositoryName: img.repository,
      imageDigest: digest,
      imageTags: img.tags,
      imageStatus: img.status ?? 'ACTIVE',
    });
    this.repositories.set(key, list);
    if (img.scans) {
      this.scans.set(`${key}@${digest}`, [...img.scans]);
    }
    return digest;
  }

  /** Add an empty repository. */
  public addRepository(repository: string, registry = REGISTRY): void {
    this.repositories.set(`${registry}/${repository}`, this.repositories.get(`${registry}/${repository}`) ?? []);
  }

  public callsFor(repository: string): number {
    return this.describeCalls.filter(c => c.repositoryName === repository).length;
  }

  public restore(): void {
    this.mock.restore();
  }
}

/** A local HTTP server standing in for the pre-signed S3 ResponseURL; records every PUT. */
export async function responseServer(): Promise<{ url: string; bodies: any[]; headers: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
  const bodies: any[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', c => { data += c; });
    req.on('end', () => {
      headers.push(req.headers);
      bodies.push({ method: req.method, ...JSON.parse(data) });
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as any).port;
  return {
    url: `http://127.0.0.1:${port}/bucket/response?X-Amz-Signature=abc`,
    bodies,
    headers,
    close: () => new Promise<void>(r => server.close(() => r())),
  };
}

/** A plain client of a region (aws-sdk-client-mock intercepts it), with fake credentials. */
export const clientFor = (region: string) => new ECRClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

/** A deadline a minute from now. */
export const far = () => Date.now() + 60_000;

/** Run the check and return the failure (fails the test when the check passes). */
export async function failureOf(props: CheckProperties, opts: Partial<Parameters<typeof checkImages>[1]> = {}): Promise<ImageCheckFailure> {
  try {
    await checkImages(props, { clientFor, deadline: far(), ...opts });
  } catch (e) {
    if (e instanceof ImageCheckFailure) {
      return e;
    }
    throw e;
  }
  throw new Error('the check passed');
}
