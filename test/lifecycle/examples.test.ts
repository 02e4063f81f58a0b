/**
 * Every worked example of the ECR user guide page "Examples of lifecycle policies in Amazon ECR",
 * with the documented outcome. The current page writes them with `tagPatternList`; the earlier
 * page wrote the same examples with `tagPrefixList`: both forms are checked.
 */
import { ImageDescription, LifecyclePolicy, PreviewOutcome } from 'cdk-ecr-registry';

const NOW = new Date('2025-06-01T12:00:00Z');
const DAY = 86_400_000;

function image(name: string, tags: string[], daysAgo: number, extra: Partial<ImageDescription> = {}): ImageDescription {
  return { digest: `sha256:${name}`, tags, pushedAt: new Date(NOW.getTime() - daysAgo * DAY), ...extra };
}

function names(digests: string[]): string[] {
  return digests.map(d => d.replace('sha256:', '')).sort();
}

/** One rule of the examples, in either tag form. */
function rule(priority: number, form: 'prefix' | 'pattern', tags: string[] | undefined, selection: Record<string, unknown>, action: Record<string, unknown> = { type: 'expire' }) {
  const tagList = tags === undefined ? {} : form === 'prefix' ? { tagPrefixList: tags } : { tagPatternList: tags.map(t => `${t}*`) };
  return { rulePriority: priority, description: `Rule ${priority}`, selection: { ...selection, ...tagList }, action };
}

function policy(...rules: unknown[]): LifecyclePolicy {
  return LifecyclePolicy.fromJson(JSON.stringify({ rules }));
}

describe.each(['prefix', 'pattern'] as const)('Filtering on multiple rules (%s form)', (form) => {
  const repo = [
    image('A', ['beta-1', 'prod-1'], 10),
    image('B', ['beta-2', 'prod-2'], 9),
    image('C', ['beta-3'], 8),
  ];
  const keepOne = { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 };

  test('Example A: prod first, then beta: Image A is expired', () => {
    const p = policy(rule(1, form, ['prod'], keepOne), rule(2, form, ['beta'], keepOne));
    const result = p.preview(repo, { now: NOW });
    expect(names(result.expired)).toEqual(['A']);
    expect(names(result.kept)).toEqual(['B', 'C']);
    // Rule 2 would mark B too, but B is selected by rule 1 (prod), so rule 2 skips it.
    expect(result.decisionFor('sha256:A')).toEqual({ digest: 'sha256:A', outcome: PreviewOutcome.EXPIRE, rulePriority: 1 });
    expect(result.decisionFor('sha256:B')).toEqual({ digest: 'sha256:B', outcome: PreviewOutcome.KEEP, rulePriority: 1 });
    expect(result.decisionFor('sha256:C')).toEqual({ digest: 'sha256:C', outcome: PreviewOutcome.KEEP, rulePriority: 2 });
  });

  test('Example B: beta first, then prod: Images A and B are expired', () => {
    const p = policy(rule(1, form, ['beta'], keepOne), rule(2, form, ['prod'], keepOne));
    const result = p.preview(repo, { now: NOW });
    expect(names(result.expired)).toEqual(['A', 'B']);
    expect(names(result.kept)).toEqual(['C']);
    expect(result.decisions.filter(d => d.outcome === PreviewOutcome.EXPIRE).map(d => d.rulePriority)).toEqual([1, 1]);
  });
});

describe.each(['prefix', 'pattern'] as const)('Filtering on multiple tags in a single rule (%s form)', (form) => {
  test('Example A: images must match all listed tags: Image C is expired', () => {
    const repo = [
      image('A', ['alpha-1'], 12),
      image('B', ['beta-1'], 11),
      image('C', ['alpha-2', 'beta-2'], 10),
      image('D', ['alpha-3'], 4),
      image('E', ['beta-3'], 3),
      image('F', ['alpha-4', 'beta-4'], 2),
    ];
    const p = policy(rule(1, form, ['alpha', 'beta'], { tagStatus: 'tagged', countType: 'sinceImagePushed', countNumber: 5, countUnit: 'days' }));
    const result = p.preview(repo, { now: NOW });
    expect(names(result.expired)).toEqual(['C']);
    // Only C and F are selected; A, B, D, E match one tag only and no rule selects them.
    expect(result.decisionFor('sha256:F')!.rulePriority).toBe(1);
    expect(result.decisionFor('sha256:A')!.rulePriority).toBeUndefined();
  });

  test('Example B: tags are not exclusive: Images A and B are expired', () => {
    const repo = [
      image('A', ['alpha-1', 'beta-1', 'gamma-1'], 10),
      image('B', ['alpha-2', 'beta-2'], 9),
      image('C', ['alpha-3', 'beta-3', 'gamma-2'], 8),
    ];
    const p = policy(rule(1, form, ['alpha', 'beta'], { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }));
    const result = p.preview(repo, { now: NOW });
    expect(names(result.expired)).toEqual(['A', 'B']);
    expect(names(result.kept)).toEqual(['C']);
  });
});

describe('Filtering on all images', () => {
  test('Example A: keep only the newest image: Images A, B and C are expired', () => {
    const repo = [
      image('A', ['alpha-1'], 4),
      image('B', ['beta-1'], 3),
      image('C', [], 2),
      image('D', ['alpha-2'], 1),
    ];
    const p = policy(rule(1, 'pattern', undefined, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }));
    const result = p.preview(repo, { now: NOW });
    expect(names(result.expired)).toEqual(['A', 'B', 'C']);
    expect(names(result.kept)).toEqual(['D']);
  });

  test.each(['prefix', 'pattern'] as const)('Example B: all rule types together: Images A, B and D are expired (%s form)', (form) => {
    // D and E were both pushed "1 day ago"; the page's outcome (rule 3 marks D, keeps E) means E is the newer one.
    const repo = [
      image('A', ['alpha-1', 'beta-1'], 4),
      image('B', [], 3),
      image('C', ['alpha-2'], 2),
      image('D', ['git hash'], 1),
      image('E', [], 1 - 1 / 1440),
    ];
    const p = policy(
      rule(1, form, ['alpha'], { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }),
      rule(2, form, undefined, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }),
      rule(3, form, undefined, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
    );
    const result = p.preview(repo, { now: NOW });
    expect(names(result.expired)).toEqual(['A', 'B', 'D']);
    expect(names(result.kept)).toEqual(['C', 'E']);
    expect(result.decisions.map(d => [d.digest.slice(7), d.outcome, d.rulePriority])).toEqual([
      ['A', 'expire', 1],
      ['B', 'expire', 2],
      ['C', 'keep', 1],
      ['D', 'expire', 3],
      ['E', 'keep', 2],
    ]);
  });
});

describe('single-rule syntax examples', () => {
  test('Filtering on image age: tagged prod* older than 14 days expire', () => {
    const p = policy({
      rulePriority: 1,
      description: 'Expire images older than 14 days',
      selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
      action: { type: 'expire' },
    });
    const result = p.preview([
      image('old-prod', ['prod-1'], 15), image('new-prod', ['production'], 13), image('old-dev', ['dev-1'], 30), image('exactly-14', ['prod-2'], 14),
    ], { now: NOW });
    expect(names(result.expired)).toEqual(['old-prod']);
  });

  test('Filtering on image count: keep one untagged image', () => {
    const p = policy({
      rulePriority: 1,
      description: 'Keep only one untagged image, expire all others',
      selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    });
    const result = p.preview([image('u1', [], 3), image('u2', [], 2), image('u3', [], 1), image('t', ['v1'], 9)], { now: NOW });
    expect(names(result.expired)).toEqual(['u1', 'u2']);
    expect(names(result.kept)).toEqual(['t', 'u3']);
  });

  test('Filtering on last pulled time: archive images not pulled in 90 days (never pulled counts from push)', () => {
    const p = policy({
      rulePriority: 1,
      description: 'Archive images not pulled in 90 days',
      selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
      action: { type: 'transition', targetStorageClass: 'archive' },
    });
    const result = p.preview([
      image('pulled-recently', ['a'], 400, { lastPulledAt: new Date(NOW.getTime() - 10 * DAY) }),
      image('pulled-long-ago', ['b'], 400, { lastPulledAt: new Date(NOW.getTime() - 100 * DAY) }),
      image('never-pulled-old', [], 91),
      image('never-pulled-new', [], 89),
      image('restored-not-pulled-since', ['c'], 400, {
        lastPulledAt: new Date(NOW.getTime() - 300 * DAY), lastActivatedAt: new Date(NOW.getTime() - 5 * DAY),
      }),
    ], { now: NOW });
    expect(names(result.transitioned)).toEqual(['never-pulled-old', 'pulled-long-ago']);
    expect(result.expired).toEqual([]);
  });

  test('Filtering on archive transition time: expire images archived for more than 365 days', () => {
    const p = policy({
      rulePriority: 1,
      description: 'Expire images archived for more than 365 days',
      selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 },
      action: { type: 'expire' },
    });
    const archived = (name: string, days: number) => image(name, [], 800, { storageClass: 'archive' as any, transitionedAt: new Date(NOW.getTime() - days * DAY) });
    const result = p.preview([archived('old', 366), archived('young', 200), image('standard-old', [], 800)], { now: NOW });
    expect(names(result.expired)).toEqual(['old']);
    // A standard image is not selected by an archive rule at all.
    expect(result.decisionFor('sha256:standard-old')!.rulePriority).toBeUndefined();
  });

  test('Combining archive and expire rules: two tagStatus any rules, one per storage class', () => {
    const p = policy(
      {
        rulePriority: 1,
        description: 'Archive images older than 30 days',
        selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 },
        action: { type: 'transition', targetStorageClass: 'archive' },
      },
      {
        rulePriority: 2,
        description: 'Expire images archived for more than 365 days',
        selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 },
        action: { type: 'expire' },
      },
    );
    const result = p.preview([
      image('fresh', ['v3'], 5),
      image('month-old', ['v2'], 31),
      image('archived-long', ['v1'], 900, { storageClass: 'archive' as any, transitionedAt: new Date(NOW.getTime() - 400 * DAY) }),
      image('archived-recent', ['v0'], 900, { storageClass: 'archive' as any, transitionedAt: new Date(NOW.getTime() - 100 * DAY) }),
    ], { now: NOW });
    expect(names(result.transitioned)).toEqual(['month-old']);
    expect(names(result.expired)).toEqual(['archived-long']);
    expect(names(result.kept)).toEqual(['archived-recent', 'fresh']);
    expect(result.decisionFor('sha256:archived-long')!.rulePriority).toBe(2);
  });
});
