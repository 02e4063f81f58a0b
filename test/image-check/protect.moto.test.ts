/**
 * In-use protection against moto's ECR emulator over real HTTP: the handler's Create, Update,
 * Delete and rollback requests add and remove protection tags on pushed images, and the lifecycle
 * preview of the live images keeps what is protected.
 */
import { createHash } from 'crypto';
import { BatchDeleteImageCommand, CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { Duration } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { InUseProtection, LifecyclePolicy, LifecycleRule, PreviewOutcome, TagSelection } from '../../src';
import { imageFromDetail } from '../../src/cli/lifecycle-preview';
import { handleEvent, physicalIdOf } from '../../src/image-check/image-check.lambda';
import { CheckProperties, ImageSpec } from '../../src/image-check/private/contract';
import { parseProtectionTag, protectionScope, protectionTag } from '../../src/runtime/in-use-tag';
import { MotoServer, startMoto } from '../helpers/moto';

jest.setTimeout(60_000);

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const STACK = 'arn:aws:cloudformation:us-east-1:123456789012:stack/App/0f1e2d3c-aaaa-bbbb-cccc-000000000000';
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

function manifest(i: number): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 7023, digest: sha(`config-${i}`) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 32654 + i, digest: sha(`layer-${i}`) }],
  });
}

beforeAll(() => {
  jest.spyOn(console, 'log').mockImplementation(() => {});
  jest.spyOn(console, 'error').mockImplementation(() => {});
});

describe('in-use protection against the ECR emulator', () => {
  let moto: MotoServer;
  let ecr: ECRClient;

  beforeAll(async () => {
    moto = await startMoto(REGION);
    ecr = new ECRClient(moto.clientConfig);
  });
  afterAll(async () => {
    await moto?.stop();
  });

  let n = 0;
  /** A fresh IMMUTABLE repository with images pushed under these tags. */
  async function repoWith(...tags: string[]): Promise<{ name: string; digest: Map<string, string> }> {
    const name = `app-${++n}`;
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name, imageTagMutability: 'IMMUTABLE' }));
    const digest = new Map<string, string>();
    for (const tag of tags) {
      const res = await ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: manifest(n * 100 + digest.size), imageTag: tag }));
      digest.set(tag, res.image!.imageId!.imageDigest!);
    }
    return { name, digest };
  }

  async function tagsOf(repository: string): Promise<Map<string, string[]>> {
    const res = await ecr.send(new DescribeImagesCommand({ repositoryName: repository }));
    return new Map((res.imageDetails ?? []).map(d => [d.imageDigest!, [...(d.imageTags ?? [])].sort()]));
  }

  const spec = (repository: string, tag: string): ImageSpec => ({ Registry: ACCOUNT, Region: REGION, Repository: repository, Tag: tag });
  const props = (images: ImageSpec[], protect = true): CheckProperties => ({ Images: images, ...(protect ? { ProtectInUse: 'true' } : {}) });
  const opts = () => ({ clientFor: () => ecr });
  const request = (type: string, p: CheckProperties, extra: object = {}) => handleEvent({
    RequestType: type,
    StackId: STACK,
    RequestId: 'r',
    LogicalResourceId: 'Check0',
    ResourceType: 'Custom::EcrImageCheck',
    ResourceProperties: { ServiceToken: 'arn', ...p },
    ...extra,
  }, Date.now() + 30_000, opts());
  const tagOf = (p: CheckProperties, digest: string) => protectionTag(protectionScope(STACK, 'Check0', physicalIdOf(p)), digest);

  test('Create tags each verified image with its own protection tag; the digest does not change', async () => {
    const repo = await repoWith('v1', 'v2');
    const p = props([spec(repo.name, 'v1')]);
    const res = await request('Create', p);
    expect(res).toMatchObject({ Status: 'SUCCESS', Data: { D0: repo.digest.get('v1') } });
    const tags = await tagsOf(repo.name);
    expect(tags.get(repo.digest.get('v1')!)).toEqual([tagOf(p, repo.digest.get('v1')!), 'v1'].sort());
    expect(tags.get(repo.digest.get('v2')!)).toEqual(['v2']);
    expect(tags.size).toBe(2);
  });

  test('without ProtectInUse nothing is tagged', async () => {
    const repo = await repoWith('v1');
    expect((await request('Create', props([spec(repo.name, 'v1')], false))).Status).toBe('SUCCESS');
    expect((await tagsOf(repo.name)).get(repo.digest.get('v1')!)).toEqual(['v1']);
  });

  test('Create twice (a retried request) is idempotent', async () => {
    const repo = await repoWith('v1');
    const p = props([spec(repo.name, 'v1')]);
    await request('Create', p);
    expect((await request('Create', p)).Status).toBe('SUCCESS');
    expect((await tagsOf(repo.name)).get(repo.digest.get('v1')!)).toHaveLength(2);
  });

  test('Update to a new digest tags the new image; the Delete of the old resource untags the old one', async () => {
    const repo = await repoWith('v1', 'v2');
    const [d1, d2] = [repo.digest.get('v1')!, repo.digest.get('v2')!];
    const old = props([spec(repo.name, 'v1')]);
    const next = props([spec(repo.name, 'v2')]);
    await request('Create', old);
    const res = await request('Update', next, { PhysicalResourceId: physicalIdOf(old), OldResourceProperties: old });
    expect(res.PhysicalResourceId).toBe(physicalIdOf(next));
    expect(res.PhysicalResourceId).not.toBe(physicalIdOf(old));
    let tags = await tagsOf(repo.name);
    // until CloudFormation's clean-up deletes the old physical resource, both stay protected
    expect(tags.get(d1)).toEqual([tagOf(old, d1), 'v1'].sort());
    expect(tags.get(d2)).toEqual([tagOf(next, d2), 'v2'].sort());

    expect((await request('Delete', old, { PhysicalResourceId: physicalIdOf(old) })).Status).toBe('SUCCESS');
    tags = await tagsOf(repo.name);
    expect(tags.get(d1)).toEqual(['v1']);
    expect(tags.get(d2)).toEqual([tagOf(next, d2), 'v2'].sort());
  });

  test('rollback: the old properties come back (their tags stay), the new physical resource is deleted', async () => {
    const repo = await repoWith('v1', 'v2');
    const [d1, d2] = [repo.digest.get('v1')!, repo.digest.get('v2')!];
    const old = props([spec(repo.name, 'v1')]);
    const next = props([spec(repo.name, 'v2'), spec(repo.name, 'v1')]);
    await request('Create', old);
    await request('Update', next, { PhysicalResourceId: physicalIdOf(old), OldResourceProperties: old });
    // another resource of the stack failed: CloudFormation rolls this one back to the old properties...
    const back = await request('Update', old, { PhysicalResourceId: physicalIdOf(next), OldResourceProperties: next });
    expect(back).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalIdOf(old) });
    // ...then deletes the physical resource the update created
    await request('Delete', next, { PhysicalResourceId: physicalIdOf(next) });
    const tags = await tagsOf(repo.name);
    expect(tags.get(d1)).toEqual([tagOf(old, d1), 'v1'].sort());
    expect(tags.get(d2)).toEqual(['v2']);
  });

  test('an Update that keeps the physical id and turns protection off removes the tags; on again adds them', async () => {
    const repo = await repoWith('v1');
    const d1 = repo.digest.get('v1')!;
    const on = props([spec(repo.name, 'v1')]);
    const off = props([spec(repo.name, 'v1')], false);
    await request('Create', on);
    expect((await tagsOf(repo.name)).get(d1)).toHaveLength(2);
    await request('Update', off, { PhysicalResourceId: physicalIdOf(on), OldResourceProperties: on });
    expect((await tagsOf(repo.name)).get(d1)).toEqual(['v1']);
    await request('Update', on, { PhysicalResourceId: physicalIdOf(off), OldResourceProperties: off });
    expect((await tagsOf(repo.name)).get(d1)).toEqual([tagOf(on, d1), 'v1'].sort());
  });

  test('Delete leaves a protection tag that is the image\'s only tag (removing it would delete the image), and says so', async () => {
    const repo = await repoWith('v1');
    const d1 = repo.digest.get('v1')!;
    const byDigest = props([{ Registry: ACCOUNT, Region: REGION, Repository: repo.name, Digest: d1 }]);
    await request('Create', byDigest);
    // the only other tag goes
    await ecr.send(new BatchDeleteImageCommand({ repositoryName: repo.name, imageIds: [{ imageTag: 'v1' }] }));
    const log = jest.spyOn(console, 'log');
    log.mockClear();
    expect((await request('Delete', byDigest, { PhysicalResourceId: physicalIdOf(byDigest) })).Status).toBe('SUCCESS');
    expect((await tagsOf(repo.name)).get(d1)).toEqual([tagOf(byDigest, d1)]);
    expect(log.mock.calls.flat().join('\n')).toMatch(/left .*its image has no tag other than protection tags/);
  });

  test('Delete of a resource whose repository is gone, or with bad properties, succeeds', async () => {
    const gone = props([spec('no-such-repo', 'v1')]);
    expect((await request('Delete', gone, { PhysicalResourceId: physicalIdOf(gone) })).Status).toBe('SUCCESS');
    expect((await request('Delete', { Images: 'junk', ProtectInUse: 'true' } as any, { PhysicalResourceId: 'x' })).Status).toBe('SUCCESS');
  });

  test('an image index is tagged with its own media type and keeps its digest', async () => {
    const repo = await repoWith('amd64', 'arm64');
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: ['amd64', 'arm64'].map(a => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 400, digest: repo.digest.get(a), platform: { os: 'linux', architecture: a },
      })),
    });
    const pushed = await ecr.send(new PutImageCommand({
      repositoryName: repo.name, imageManifest: index, imageManifestMediaType: 'application/vnd.oci.image.index.v1+json', imageTag: 'multi',
    }));
    const digest = pushed.image!.imageId!.imageDigest!;
    const p = props([spec(repo.name, 'multi')]);
    expect((await request('Create', p)).Status).toBe('SUCCESS');
    const res = await ecr.send(new DescribeImagesCommand({ repositoryName: repo.name, imageIds: [{ imageTag: tagOf(p, digest) }] }));
    expect(res.imageDetails?.[0]?.imageDigest).toBe(digest);
    expect(res.imageDetails?.[0]?.imageManifestMediaType).toBe('application/vnd.oci.image.index.v1+json');
  });

  test('preview of the live images: the protected image is kept where the policy would expire it', async () => {
    const repo = await repoWith('v1', 'v2', 'v3');
    await request('Create', props([spec(repo.name, 'v1')]));
    const res = await ecr.send(new DescribeImagesCommand({ repositoryName: repo.name }));
    const images = (res.imageDetails ?? []).map(imageFromDetail);
    const user = new LifecyclePolicy({ rules: [LifecycleRule.expireAfterPush(Duration.days(1), { tagSelection: TagSelection.anyTag() })] });
    const later = new Date(Date.now() + 3 * 86_400_000);
    const without = user.preview(images, { now: later });
    expect(without.expired).toHaveLength(3);
    const withRule = InUseProtection.protect(user).preview(images, { now: later });
    expect(withRule.decisionFor(repo.digest.get('v1')!)).toEqual({ digest: repo.digest.get('v1'), outcome: PreviewOutcome.KEEP, rulePriority: 1 });
    expect(withRule.expired.sort()).toEqual([repo.digest.get('v2'), repo.digest.get('v3')].sort());
  });
});

describe('protection tag names', () => {
  const hex = (len: number) => fc.stringOf(fc.constantFrom(...'0123456789abcdef'), { minLength: len, maxLength: len });

  test('a tag names exactly one digest: different digests never share a tag, in any scope', () => {
    fc.assert(fc.property(hex(16), hex(64), hex(64), (scope, a, b) => {
      const ta = protectionTag(scope, `sha256:${a}`);
      const tb = protectionTag(scope, `sha256:${b}`);
      expect(ta === tb).toBe(a === b);
      expect(parseProtectionTag(ta)).toEqual({ scope, digest: `sha256:${a}` });
    }));
  });

  test('tags are valid ECR tags (at most 128 characters) and start with the reserved prefix', () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), hex(64), (stack, logical, physical, d) => {
      const tag = protectionTag(protectionScope(stack, logical, physical), `sha256:${d}`);
      expect(tag).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
      expect(tag.length).toBe(88);
      expect(tag.startsWith(InUseProtection.TAG_PREFIX)).toBe(true);
    }));
  });

  test('each resource version has its own scope', () => {
    const scopes = new Set([
      protectionScope(STACK, 'Check0', 'ecr-image-check-a'),
      protectionScope(STACK, 'Check1', 'ecr-image-check-a'),
      protectionScope(STACK, 'Check0', 'ecr-image-check-b'),
      protectionScope(STACK.replace('0f1e2d3c', '11111111'), 'Check0', 'ecr-image-check-a'),
    ]);
    expect(scopes.size).toBe(4);
  });

  test('fails for a digest that is not sha256', () => {
    expect(() => protectionTag('0123456789abcdef', 'sha512:abc')).toThrow(/ECR image digests are sha256/);
  });
});
