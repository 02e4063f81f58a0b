/** Usage and cost from images (the pure part): storage classes, pull ages, lifecycle preview, prices. */
import { StorageClass } from '../../src/lifecycle';
import { BYTES_PER_GB, computeRepositoryUsage, ECR_STORAGE_PRICES, imageFromDetail, ImageUsageInput, sortUsage } from '../../src/report/usage';

const NOW = new Date('2026-11-27T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const REPO = { name: 'team/app', arn: 'arn:aws:ecr:us-east-1:123456789012:repository/team/app' };

const images: ImageUsageInput[] = [
  // pulled yesterday
  { digest: 'sha256:a', tags: ['v3'], pushedAt: daysAgo(200), lastPulledAt: daysAgo(1), sizeBytes: 1000 },
  // pushed 40 days ago, never pulled
  { digest: 'sha256:b', tags: ['v2'], pushedAt: daysAgo(40), sizeBytes: 2000 },
  // last pulled 100 days ago
  { digest: 'sha256:c', tags: ['v1'], pushedAt: daysAgo(300), lastPulledAt: daysAgo(100), sizeBytes: 4000 },
  // archived; restored 10 days ago, never pulled since
  { digest: 'sha256:d', pushedAt: daysAgo(400), lastActivatedAt: daysAgo(10), storageClass: StorageClass.ARCHIVE, sizeBytes: 8000 },
];

const ARCHIVE_AFTER_60_DAYS = JSON.stringify({
  rules: [{
    rulePriority: 1,
    selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 60 },
    action: { type: 'transition', targetStorageClass: 'archive' },
  }],
});

describe('computeRepositoryUsage', () => {
  test('bytes by storage class and the images not pulled in 30 and 90 days', () => {
    const u = computeRepositoryUsage(REPO, images, ECR_STORAGE_PRICES, NOW);
    expect(u).toMatchObject({
      images: 4,
      bytes: { standard: 7000, archive: 8000, total: 15000 },
      notPulled30Days: { images: 2, bytes: 6000 },
      notPulled90Days: { images: 1, bytes: 4000 },
      lifecycle: null,
      lifecycleError: null,
      monthlyCostFreed: 0,
      protection: { images: 0, bytes: 0, resources: 0 },
    });
    expect(u.monthlyCost).toBeCloseTo(15000 / BYTES_PER_GB * 0.10, 15);
  });

  test('a transition rule: archived bytes free the price difference (none at equal prices)', () => {
    const same = computeRepositoryUsage({ ...REPO, lifecyclePolicyText: ARCHIVE_AFTER_60_DAYS }, images, ECR_STORAGE_PRICES, NOW);
    expect(same.lifecycle).toEqual({ expire: { images: 0, bytes: 0 }, archive: { images: 1, bytes: 4000 } });
    expect(same.monthlyCostFreed).toBe(0);
    const cheaper = computeRepositoryUsage({ ...REPO, lifecyclePolicyText: ARCHIVE_AFTER_60_DAYS }, images,
      { ...ECR_STORAGE_PRICES, archivePerGbMonth: 0.07 }, NOW);
    expect(cheaper.monthlyCostFreed).toBeCloseTo(4000 / BYTES_PER_GB * 0.03, 15);
    expect(cheaper.monthlyCost).toBeCloseTo(7000 / BYTES_PER_GB * 0.10 + 8000 / BYTES_PER_GB * 0.07, 15);
  });

  test('an expire rule frees the expired bytes at their class\'s price', () => {
    const policy = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 }, action: { type: 'expire' } }] });
    const u = computeRepositoryUsage({ ...REPO, lifecyclePolicyText: policy }, images.slice(0, 3), ECR_STORAGE_PRICES, NOW);
    // The two newest by push (b, a) are kept; c (pushed 300 days ago) expires.
    expect(u.lifecycle).toEqual({ expire: { images: 1, bytes: 4000 }, archive: { images: 0, bytes: 0 } });
    expect(u.monthlyCostFreed).toBeCloseTo(4000 / BYTES_PER_GB * 0.10, 15);
  });

  test('a policy the preview cannot read is reported, not thrown', () => {
    const u = computeRepositoryUsage({ ...REPO, lifecyclePolicyText: '{"rules": 1}' }, images, ECR_STORAGE_PRICES, NOW);
    expect(u.lifecycle).toBeNull();
    expect(u.lifecycleError).toMatch(/LifecyclePolicy\.fromJson/);
  });
});

describe('what in-use protection tags keep (1.4)', () => {
  const hex = (c: string) => c.repeat(64);
  const tag = (scope: string, digest: string) => `in-use.${scope}.${digest.slice(7)}`;
  const [d1, d2, d3] = [`sha256:${hex('1')}`, `sha256:${hex('2')}`, `sha256:${hex('3')}`];
  const [s1, s2] = ['0123456789abcdef', 'fedcba9876543210'];

  test('images with a protection tag, their bytes, and the distinct check resources holding them', () => {
    const u = computeRepositoryUsage(REPO, [
      // two resources protect d1 (two stacks), one of them also d2 (an image referenced by digest: its only tags)
      { digest: d1, tags: ['v1', tag(s1, d1), tag(s2, d1)], pushedAt: daysAgo(5), sizeBytes: 1000 },
      { digest: d2, tags: [tag(s1, d2)], pushedAt: daysAgo(5), sizeBytes: 2000, storageClass: StorageClass.ARCHIVE },
      // not protected: no tag, a people's tag that looks like one but is not a protection tag
      { digest: d3, tags: ['in-use.nope'], pushedAt: daysAgo(5), sizeBytes: 4000 },
    ], ECR_STORAGE_PRICES, NOW);
    expect(u.protection).toEqual({ images: 2, bytes: 3000, resources: 2 });
  });

  test('a protection tag naming another digest (moved by hand) does not count as keeping this image', () => {
    const u = computeRepositoryUsage(REPO, [{ digest: d3, tags: [tag(s1, d1)], pushedAt: daysAgo(5), sizeBytes: 4000 }], ECR_STORAGE_PRICES, NOW);
    expect(u.protection).toEqual({ images: 0, bytes: 0, resources: 0 });
  });
});

test('sortUsage: largest first, then by name', () => {
  const mk = (name: string, total: number) => ({
    ...computeRepositoryUsage({ name, arn: name }, [], ECR_STORAGE_PRICES, NOW),
    bytes: { standard: total, archive: 0, total },
  });
  expect(sortUsage([mk('b', 1), mk('a', 1), mk('c', 5)]).map(u => u.name)).toEqual(['c', 'a', 'b']);
});

test('imageFromDetail maps DescribeImages fields (ARCHIVED is the archive class)', () => {
  const pushed = new Date('2026-01-01T00:00:00Z');
  expect(imageFromDetail({
    imageDigest: 'sha256:x',
    imageTags: ['t'],
    imagePushedAt: pushed,
    lastRecordedPullTime: pushed,
    imageStatus: 'ARCHIVED',
    lastArchivedAt: pushed,
    imageSizeInBytes: 42,
  })).toEqual({
    digest: 'sha256:x',
    tags: ['t'],
    pushedAt: pushed,
    lastPulledAt: pushed,
    transitionedAt: pushed,
    storageClass: StorageClass.ARCHIVE,
    sizeBytes: 42,
  });
});
