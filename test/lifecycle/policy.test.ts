import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { newStack } from '../helpers/synth';
import {
  InUseProtection,
  CountType, ImageDescription, LifecycleAction, LifecyclePolicy, LifecycleRule, PreviewOutcome,
  PrivateRepository, StorageClass, TagSelection, TagStatus,
} from 'cdk-ecr-registry';

const NOW = new Date('2025-06-01T00:00:00Z');
const DAY = 86_400_000;

describe('rendering', () => {
  test('factories render the exact policy text, keys in a fixed order', () => {
    const p = new LifecyclePolicy({
      rules: [
        LifecycleRule.expireUntaggedAfter(Duration.days(7)),
        LifecycleRule.keepLast(50, { tagSelection: TagSelection.prefixes(['release-']) }),
        LifecycleRule.archiveAfterNotPulled(Duration.days(90), { tagSelection: TagSelection.patterns(['feature-*']) }),
        LifecycleRule.archiveAllButLast(20, { tagSelection: TagSelection.patterns(['nightly-*']), description: 'nightlies' }),
        LifecycleRule.archiveAfterPush(Duration.days(365)),
        LifecycleRule.expireArchivedAfter(Duration.days(180)),
      ],
    });
    expect(p.toJson()).toBe(JSON.stringify({
      rules: [
        { rulePriority: 1, description: 'Expire untagged images 7 days after push', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7, countUnit: 'days' }, action: { type: 'expire' } },
        { rulePriority: 2, description: 'Keep the 50 most recent images tagged release-*', selection: { tagStatus: 'tagged', tagPrefixList: ['release-'], countType: 'imageCountMoreThan', countNumber: 50 }, action: { type: 'expire' } },
        { rulePriority: 3, description: 'Archive images tagged feature-* not pulled for 90 days', selection: { tagStatus: 'tagged', tagPatternList: ['feature-*'], countType: 'sinceImagePulled', countNumber: 90, countUnit: 'days' }, action: { type: 'transition', targetStorageClass: 'archive' } },
        { rulePriority: 4, description: 'nightlies', selection: { tagStatus: 'tagged', tagPatternList: ['nightly-*'], countType: 'imageCountMoreThan', countNumber: 20 }, action: { type: 'transition', targetStorageClass: 'archive' } },
        { rulePriority: 5, description: 'Archive images 365 days after push', selection: { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 365, countUnit: 'days' }, action: { type: 'transition', targetStorageClass: 'archive' } },
        { rulePriority: 6, description: 'Expire archived images 180 days after archiving', selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countNumber: 180, countUnit: 'days' }, action: { type: 'expire' } },
      ],
    }));
  });

  test('fromJson then toJson gives canonical text, whatever the input key order and spacing', () => {
    const text = `{
      "rules": [
        { "action": { "type": "expire" }, "selection": { "countNumber": 3, "countType": "imageCountMoreThan", "tagStatus": "any" }, "rulePriority": 9 },
        { "selection": { "countUnit": "days", "countNumber": 14, "countType": "sinceImagePushed", "tagPatternList": ["prod*"], "tagStatus": "tagged" }, "description": "Expire images older than 14 days", "rulePriority": 1, "action": { "type": "expire" } }
      ]
    }`;
    const canonical = '{"rules":[{"rulePriority":1,"description":"Expire images older than 14 days","selection":{"tagStatus":"tagged","tagPatternList":["prod*"],"countType":"sinceImagePushed","countNumber":14,"countUnit":"days"},"action":{"type":"expire"}},'
      + '{"rulePriority":9,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}';
    const p = LifecyclePolicy.fromJson(text);
    expect(p.toJson()).toBe(canonical);
    expect(LifecyclePolicy.fromJson(p.toJson()).toJson()).toBe(canonical);
    expect(p.rules.map(r => [r.rulePriority, r.tagStatus, r.countType, r.countNumber, r.action, r.storageClass])).toEqual([
      [1, TagStatus.TAGGED, CountType.SINCE_IMAGE_PUSHED, 14, LifecycleAction.EXPIRE, StorageClass.STANDARD],
      [9, TagStatus.ANY, CountType.IMAGE_COUNT_MORE_THAN, 3, LifecycleAction.EXPIRE, StorageClass.STANDARD],
    ]);
  });

  test('an explicit storageClass standard survives the round trip', () => {
    const text = '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","storageClass":"standard","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}';
    expect(LifecyclePolicy.fromJson(text).toJson()).toBe(text);
  });

  test('the repository default is the policy PrivateRepository renders', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::ECR::Repository')) as any[];
    expect(resource.Properties.LifecyclePolicy.LifecyclePolicyText).toBe(InUseProtection.protect(LifecyclePolicy.repositoryDefault()).toJson());
    expect(repo.lifecyclePolicy!.rules.map(r => r.countNumber))
      .toEqual([InUseProtection.RULE_COUNT, LifecyclePolicy.DEFAULT_UNTAGGED_EXPIRY_DAYS, LifecyclePolicy.DEFAULT_TAGGED_IMAGES_KEPT]);
    expect([LifecyclePolicy.DEFAULT_UNTAGGED_EXPIRY_DAYS, LifecyclePolicy.DEFAULT_TAGGED_IMAGES_KEPT]).toEqual([14, 1000]);
  });

  test('a PrivateRepository renders a given policy with archive rules', () => {
    const stack = newStack();
    const policy = new LifecyclePolicy({
      rules: [
        LifecycleRule.archiveAfterNotPulled(Duration.days(60), { rulePriority: 1 }),
        LifecycleRule.expireArchivedAfter(Duration.days(400), { rulePriority: 2 }),
      ],
    });
    new PrivateRepository(stack, 'Repo', { lifecyclePolicy: policy });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { LifecyclePolicy: { LifecyclePolicyText: InUseProtection.protect(policy).toJson() } });
  });

  test('lifecycleRules still work (aws-cdk-lib rules), with no LifecyclePolicy', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo', { lifecycleRules: [{ maxImageCount: 5 }] });
    repo.addLifecycleRule({ tagPrefixList: ['x'], maxImageCount: 2 });
    expect(repo.lifecyclePolicy).toBeUndefined();
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::ECR::Repository')) as any[];
    expect(JSON.parse(resource.Properties.LifecyclePolicy.LifecyclePolicyText).rules).toHaveLength(2);
  });

  test('preview checks its input', () => {
    const p = LifecyclePolicy.repositoryDefault();
    expect(() => p.preview([
      { digest: 'sha256:a', pushedAt: new Date('nope') },
      { digest: 'sha256:a', pushedAt: NOW },
    ], { now: NOW })).toThrow('LifecyclePolicy.preview: 2 invalid properties:\n  - invalid images[0].pushedAt null: must be a valid Date\n  - invalid images[1].digest "sha256:a": must be unique in the image list');
  });

  test('fails on strings and numbers as times, and on non-objects, listing every field at once (no TypeError)', () => {
    const p = LifecyclePolicy.repositoryDefault();
    const images: any[] = [
      { digest: 'sha256:a', pushedAt: '2025-01-01T00:00:00Z' },
      { digest: 'sha256:b', pushedAt: NOW, lastPulledAt: 1700000000, transitionedAt: '2025-01-01', storageClass: 'archive' },
      { digest: 'sha256:c', pushedAt: NOW, lastActivatedAt: {}, tags: [1] },
      null,
      'sha256:e',
    ];
    let error: unknown;
    try {
      p.preview(images, { now: NOW });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('LifecyclePolicy.preview: 7 invalid properties:\n'
      + '  - invalid images[0].pushedAt "2025-01-01T00:00:00Z": must be a valid Date\n'
      + '  - invalid images[1].lastPulledAt 1700000000: must be a valid Date when given\n'
      + '  - invalid images[1].transitionedAt "2025-01-01": must be a valid Date when given\n'
      + '  - invalid images[2].lastActivatedAt {}: must be a valid Date when given\n'
      + '  - invalid images[2].tags [1]: must be a list of strings\n'
      + '  - invalid images[3] null: must be an object with digest, pushedAt and optional tags, lastPulledAt, storageClass, transitionedAt, lastActivatedAt\n'
      + '  - invalid images[4] "sha256:e": must be an object with digest, pushedAt and optional tags, lastPulledAt, storageClass, transitionedAt, lastActivatedAt');
  });

  test('fails on images that are not a list, and on a now that is not a Date', () => {
    const p = LifecyclePolicy.repositoryDefault();
    expect(() => p.preview('sha256:a' as any, { now: '2025-06-01' as any })).toThrow(
      'LifecyclePolicy.preview: 2 invalid properties:\n  - invalid now "2025-06-01": must be a valid Date\n  - invalid images "sha256:a": must be a list of image descriptions');
  });
});

/** A reference of "selects": tag status, lists and storage class, written independently of the library. */
function selects(rule: LifecycleRule, img: ImageDescription): boolean {
  if ((img.storageClass ?? StorageClass.STANDARD) !== rule.storageClass) {
    return false;
  }
  const tags = img.tags ?? [];
  if (rule.tagStatus === TagStatus.ANY) {
    return true;
  }
  if (rule.tagStatus === TagStatus.UNTAGGED) {
    return tags.length === 0;
  }
  const globToRegExp = (g: string) => new RegExp(`^${g.split('*').map(s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const tests = rule.tagPrefixList
    ? rule.tagPrefixList.map(p => (t: string) => t.startsWith(p))
    : rule.tagPatternList!.map(g => (t: string) => globToRegExp(g).test(t));
  return tests.every(f => tags.some(f));
}

const TAGS = ['prod-1', 'prod-2', 'beta-1', 'rc', 'v1.0', 'v2.0-rc', 'dev'];
const imageArb = fc.record({
  tags: fc.subarray(TAGS, { maxLength: 3 }),
  pushedDaysAgo: fc.integer({ min: 0, max: 400 }),
  archived: fc.boolean(),
  pulledDaysAgo: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
  transitionedDaysAgo: fc.integer({ min: 0, max: 400 }),
});
const imagesArb = fc.array(imageArb, { maxLength: 40 }).map(xs => xs.map((x, i): ImageDescription => ({
  digest: `sha256:${i.toString().padStart(4, '0')}`,
  tags: x.tags,
  // distinct push times: i seconds apart on top of whole days
  pushedAt: new Date(NOW.getTime() - x.pushedDaysAgo * DAY - i * 1000),
  lastPulledAt: x.pulledDaysAgo === undefined ? undefined : new Date(NOW.getTime() - x.pulledDaysAgo * DAY),
  storageClass: x.archived ? StorageClass.ARCHIVE : StorageClass.STANDARD,
  transitionedAt: x.archived ? new Date(NOW.getTime() - x.transitionedDaysAgo * DAY) : undefined,
})));
const selectionArb = fc.oneof(
  fc.constant(TagSelection.untagged()),
  fc.subarray(['prod', 'beta', 'v', 'rc', 'dev'], { minLength: 1, maxLength: 2 }).map(TagSelection.prefixes),
  fc.subarray(['prod*', '*rc*', 'v*', '*', 'dev', 'beta-?'], { minLength: 1, maxLength: 2 }).map(TagSelection.patterns),
);
const ruleArb = fc.tuple(selectionArb, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 200 })).map(([tagSelection, kind, n]) => {
  switch (kind) {
    case 0: return LifecycleRule.keepLast(Math.min(n, 10), { tagSelection });
    case 1: return LifecycleRule.expireAfterPush(Duration.days(n), { tagSelection });
    case 2: return LifecycleRule.archiveAfterNotPulled(Duration.days(n), { tagSelection });
    case 3: return LifecycleRule.archiveAllButLast(Math.min(n, 10), { tagSelection });
    default: return LifecycleRule.expireArchivedAfter(Duration.days(90 + n), { tagSelection });
  }
});
/** Valid policies: rules with distinct selections, plus an optional trailing any rule. */
const policyArb = fc.tuple(fc.array(ruleArb, { minLength: 1, maxLength: 5 }), fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }))
  .map(([rules, anyKeep]) => {
    const all = anyKeep === undefined ? rules : [...rules, LifecycleRule.keepLast(anyKeep)];
    return new LifecyclePolicy({ rules: all });
  })
  .filter(p => p.validate().length === 0);

describe('invariants over generated images and policies (fast-check)', () => {
  test('every image gets exactly one decision, and the three lists partition the images', () => {
    fc.assert(fc.property(policyArb, imagesArb, (policy, images) => {
      const result = policy.preview(images, { now: NOW });
      expect(result.decisions.map(d => d.digest)).toEqual(images.map(i => i.digest));
      const all = [...result.expired, ...result.transitioned, ...result.kept].sort();
      expect(all).toEqual(images.map(i => i.digest).sort());
      expect(new Set(all).size).toBe(images.length);
    }), { numRuns: 200 });
  });

  test('an image selected by a higher-priority rule is never acted on by a lower-priority rule', () => {
    fc.assert(fc.property(policyArb, imagesArb, (policy, images) => {
      const result = policy.preview(images, { now: NOW });
      for (const img of images) {
        const d = result.decisionFor(img.digest)!;
        const firstSelecting = policy.rules.find(r => selects(r, img));
        // The deciding rule is always the first rule whose selection matches.
        expect(d.rulePriority).toBe(firstSelecting?.rulePriority);
        if (d.outcome !== PreviewOutcome.KEEP) {
          const rule = policy.rules.find(r => r.rulePriority === d.rulePriority)!;
          expect(d.outcome).toBe(rule.action === LifecycleAction.EXPIRE ? PreviewOutcome.EXPIRE : PreviewOutcome.TRANSITION);
          expect(policy.rules.filter(r => r.rulePriority! < d.rulePriority! && selects(r, img))).toEqual([]);
        }
      }
    }), { numRuns: 200 });
  });

  test('a count rule keeps exactly the newest N of its selection and marks the rest', () => {
    fc.assert(fc.property(selectionArb, fc.integer({ min: 1, max: 12 }), imagesArb, (tagSelection, n, images) => {
      const policy = new LifecyclePolicy({ rules: [LifecycleRule.keepLast(n, { tagSelection })] });
      const result = policy.preview(images, { now: NOW });
      const selected = images.filter(i => selects(policy.rules[0], i)).sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime());
      expect([...result.expired].sort()).toEqual(selected.slice(n).map(i => i.digest).sort());
      expect(selected.slice(0, n).every(i => result.kept.includes(i.digest))).toBe(true);
    }), { numRuns: 200 });
  });

  test('an age rule acts exactly on the images older than N days', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), imagesArb, (n, images) => {
      const policy = new LifecyclePolicy({ rules: [LifecycleRule.expireAfterPush(Duration.days(n))] });
      const result = policy.preview(images, { now: NOW });
      const expected = images
        .filter(i => i.storageClass !== StorageClass.ARCHIVE && NOW.getTime() - i.pushedAt.getTime() > n * DAY)
        .map(i => i.digest);
      expect(result.expired).toEqual(expected);
    }), { numRuns: 200 });
  });

  test('the order of the image list does not change any decision', () => {
    fc.assert(fc.property(policyArb, imagesArb, (policy, images) => {
      const a = policy.preview(images, { now: NOW });
      const b = policy.preview([...images].reverse(), { now: NOW });
      for (const d of a.decisions) {
        expect(b.decisionFor(d.digest)).toEqual(d);
      }
    }), { numRuns: 100 });
  });
});
