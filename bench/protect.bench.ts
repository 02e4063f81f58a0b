/**
 * In-use protection: the handler's ECR calls for protecting 1,000 images (25 image check resources
 * of 40 images each, spread over 10 repositories) and for releasing them, against the floor.
 *
 * The real handler (`handleEvent`) runs Create, a retried Create and Delete requests against an
 * in-memory ECR behind aws-sdk-client-mock that answers DescribeImages (by ids, and listings of
 * 1,000 per page), BatchGetImage, PutImage and BatchDeleteImage with ECR's semantics.
 *
 * Floors, per resource and repository: adding, one BatchGetImage per 100 images and one PutImage per
 * image; releasing, one DescribeImages per 1,000 tagged images and one BatchDeleteImage per 100 tags.
 * The check itself (one DescribeImages per 100 image ids per repository) is counted apart.
 */
import { createHash } from 'crypto';
import {
  BatchDeleteImageCommand, BatchDeleteImageCommandInput, BatchGetImageCommand, BatchGetImageCommandInput, DescribeImagesCommand,
  DescribeImagesCommandInput, ECRClient, ImageAlreadyExistsException, ImageNotFoundException, PutImageCommand, PutImageCommandInput,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { BenchSection } from './lib';
import { handleEvent, physicalIdOf } from '../src/image-check/image-check.lambda';
import { CheckProperties } from '../src/image-check/private/contract';

const REGISTRY = '111111111111';
const REGION = 'us-east-1';
const STACK = 'arn:aws:cloudformation:us-east-1:111111111111:stack/Bench/00000000-0000-0000-0000-000000000000';
const RESOURCES = 25;
const PER_RESOURCE = 40;
const REPOSITORIES = 10;
const MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

interface Image { readonly digest: string; readonly manifest: string; readonly tags: Set<string> }

/** An in-memory registry with ECR's answers for the calls protection makes; counts calls. */
function fakeEcr() {
  const repos = new Map<string, Image[]>();
  const calls = new Map<string, number>();
  const count = (op: string) => calls.set(op, (calls.get(op) ?? 0) + 1);
  const mock = mockClient(ECRClient);
  const find = (repo: string, id: { imageTag?: string; imageDigest?: string }) => (repos.get(repo) ?? [])
    .find(i => (id.imageDigest ? i.digest === id.imageDigest : true) && (id.imageTag ? i.tags.has(id.imageTag) : true));
  const detail = (i: Image) => ({ imageDigest: i.digest, imageTags: [...i.tags], imageManifestMediaType: MEDIA_TYPE });
  mock.on(DescribeImagesCommand).callsFake(async (input: DescribeImagesCommandInput) => {
    count('DescribeImages');
    const images = repos.get(input.repositoryName!) ?? [];
    if (input.imageIds) {
      const found = input.imageIds.map(id => find(input.repositoryName!, id));
      if (found.some(f => !f)) {
        throw new ImageNotFoundException({ message: 'not found', $metadata: {} });
      }
      return { imageDetails: found.map(f => detail(f!)) };
    }
    const tagged = images.filter(i => input.filter?.tagStatus !== 'TAGGED' || i.tags.size > 0);
    const from = Number(input.nextToken ?? 0);
    const size = input.maxResults ?? 100;
    return {
      imageDetails: tagged.slice(from, from + size).map(detail),
      ...(from + size < tagged.length ? { nextToken: String(from + size) } : {}),
    };
  });
  mock.on(BatchGetImageCommand).callsFake(async (input: BatchGetImageCommandInput) => {
    count('BatchGetImage');
    const found = (input.imageIds ?? []).map(id => find(input.repositoryName!, id)).filter((i): i is Image => !!i);
    const images = found.map(i => ({ imageId: { imageDigest: i.digest }, imageManifest: i.manifest, imageManifestMediaType: MEDIA_TYPE }));
    return { images, failures: [] };
  });
  mock.on(PutImageCommand).callsFake(async (input: PutImageCommandInput) => {
    count('PutImage');
    const image = find(input.repositoryName!, { imageDigest: input.imageDigest });
    if (!image) {
      throw new ImageNotFoundException({ message: 'not found', $metadata: {} });
    }
    if (image.tags.has(input.imageTag!)) {
      throw new ImageAlreadyExistsException({ message: 'already exists', $metadata: {} });
    }
    image.tags.add(input.imageTag!);
    return { image: { imageId: { imageDigest: image.digest, imageTag: input.imageTag } } };
  });
  mock.on(BatchDeleteImageCommand).callsFake(async (input: BatchDeleteImageCommandInput) => {
    count('BatchDeleteImage');
    const images = repos.get(input.repositoryName!) ?? [];
    for (const id of input.imageIds ?? []) {
      const image = find(input.repositoryName!, id);
      if (image && id.imageTag) {
        image.tags.delete(id.imageTag);
        if (image.tags.size === 0) {
          images.splice(images.indexOf(image), 1);
        }
      }
    }
    return { imageIds: input.imageIds, failures: [] };
  });
  return { repos, calls, mock };
}

export async function run(): Promise<BenchSection> {
  const ecr = fakeEcr();
  // 10 repositories of 100 images each, one people's tag per image.
  for (let r = 0; r < REPOSITORIES; r++) {
    const images: Image[] = [];
    for (let i = 0; i < (RESOURCES * PER_RESOURCE) / REPOSITORIES; i++) {
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE, config: { digest: sha(`c${r}-${i}`) }, layers: [] });
      images.push({ digest: sha(manifest), manifest, tags: new Set([`v${i}`]) });
    }
    ecr.repos.set(`repo-${r}`, images);
  }
  // Resource c checks 40 images: 4 in each repository, no image in two resources (1,000 images in all).
  const props: CheckProperties[] = [];
  for (let c = 0; c < RESOURCES; c++) {
    props.push({
      ProtectInUse: 'true',
      Images: Array.from({ length: PER_RESOURCE }, (_, k) => ({
        Registry: REGISTRY, Region: REGION, Repository: `repo-${k % REPOSITORIES}`, Tag: `v${c * (PER_RESOURCE / REPOSITORIES) + Math.floor(k / REPOSITORIES)}`,
      })),
    });
  }
  const client = new ECRClient({ region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const log = console.log;
  console.log = () => undefined;
  const phase = async (type: 'Create' | 'Delete') => {
    ecr.calls.clear();
    const t0 = process.hrtime.bigint();
    for (let c = 0; c < RESOURCES; c++) {
      const res = await handleEvent({
        RequestType: type,
        StackId: STACK,
        RequestId: `r${c}`,
        LogicalResourceId: `Check${c}`,
        ResourceType: 'Custom::EcrImageCheck',
        ResourceProperties: { ServiceToken: 'arn', ...props[c] },
        ...(type === 'Delete' ? { PhysicalResourceId: physicalIdOf(props[c]) } : {}),
      }, Date.now() + 60_000, { clientFor: () => client });
      if (res.Status !== 'SUCCESS') {
        throw new Error(`${type} of Check${c} failed: ${res.Reason}`);
      }
    }
    return { calls: new Map(ecr.calls), ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  };
  let created; let retried; let deleted;
  try {
    created = await phase('Create');
    const tagged = [...ecr.repos.values()].flat().filter(i => [...i.tags].some(t => t.startsWith('in-use.'))).length;
    if (tagged !== RESOURCES * PER_RESOURCE) {
      throw new Error(`${tagged} images protected, expected ${RESOURCES * PER_RESOURCE}`);
    }
    retried = await phase('Create');
    deleted = await phase('Delete');
    const left = [...ecr.repos.values()].flat().filter(i => [...i.tags].some(t => t.startsWith('in-use.'))).length;
    if (left !== 0) {
      throw new Error(`${left} images still carry a protection tag after every Delete`);
    }
  } finally {
    console.log = log;
    ecr.mock.restore();
    client.destroy();
  }
  const perRepo = PER_RESOURCE / REPOSITORIES;
  const addFloor = { BatchGetImage: RESOURCES * REPOSITORIES * Math.ceil(perRepo / 100), PutImage: RESOURCES * PER_RESOURCE };
  const releaseFloor = {
    DescribeImages: RESOURCES * REPOSITORIES * Math.ceil(100 / 1000),
    BatchDeleteImage: RESOURCES * REPOSITORIES * Math.ceil(perRepo / 100),
  };
  const checkFloor = RESOURCES * REPOSITORIES * Math.ceil(perRepo / 100);
  const rows: Array<Array<string | number>> = [];
  const notes: string[] = [];
  const row = (name: string, calls: number, floor: number, ms: number | string) => {
    rows.push([name, calls, floor, calls / floor, ms]);
    if (calls > floor) {
      notes.push(`MISSED: ${name}: ${calls} calls, floor ${floor}`);
    }
  };
  const add = (m: Map<string, number>) => (m.get('BatchGetImage') ?? 0) + (m.get('PutImage') ?? 0);
  row('Create: BatchGetImage', created.calls.get('BatchGetImage') ?? 0, addFloor.BatchGetImage, '');
  row('Create: PutImage', created.calls.get('PutImage') ?? 0, addFloor.PutImage, '');
  row('Create: BatchGetImage + PutImage (protect 1,000 images)', add(created.calls), addFloor.BatchGetImage + addFloor.PutImage, created.ms);
  row('Create: DescribeImages (the check itself)', created.calls.get('DescribeImages') ?? 0, checkFloor, '');
  row('Create again (a retried request: every tag there)', add(retried.calls), addFloor.BatchGetImage + addFloor.PutImage, retried.ms);
  row('Delete: DescribeImages (tagged images, 1,000 a page)', deleted.calls.get('DescribeImages') ?? 0, releaseFloor.DescribeImages, '');
  row('Delete: BatchDeleteImage', deleted.calls.get('BatchDeleteImage') ?? 0, releaseFloor.BatchDeleteImage, '');
  row('Delete: all calls (release 1,000 images)', [...deleted.calls.values()].reduce((a, b) => a + b, 0),
    releaseFloor.DescribeImages + releaseFloor.BatchDeleteImage, deleted.ms);
  notes.push(`${RESOURCES} resources of ${PER_RESOURCE} images over ${REPOSITORIES} repositories of 100 images; floors per resource and repository: `
    + 'one BatchGetImage per 100 images and one PutImage per image to add; one DescribeImages per 1,000 tagged images and one BatchDeleteImage per 100 tags to release.');
  notes.push('A retried Create puts every tag again (PutImage answers ImageAlreadyExistsException): ECR has no call that adds a tag only when missing without a read.');
  return {
    title: 'In-use protection: ECR calls for 1,000 images (25 resources of 40, 10 repositories)',
    columns: ['measure', 'calls', 'floor', 'ratio', 'handler ms'],
    rows,
    notes,
  };
}
