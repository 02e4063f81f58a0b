/**
 * Lifecycle preview over a repository's worth of images (ECR's per-repository order of magnitude
 * is 10,000): a realistic 5-rule policy (count, age, pull, archive and archived-expiry rules) over
 * images with 0-3 tags each. Target: under 200 ms for 10,000 images.
 */
import { Duration } from 'aws-cdk-lib';
import { ImageDescription, LifecyclePolicy, LifecycleRule, StorageClass, TagSelection } from '../src';
import { BenchSection, timeMs } from './lib';

const NOW = new Date('2025-06-01T00:00:00Z');
const DAY = 86_400_000;

function images(n: number): ImageDescription[] {
  const out: ImageDescription[] = [];
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < n; i++) {
    const r = rand();
    const tags = r < 0.2 ? [] : r < 0.5 ? [`release-${i}`, `sha-${i.toString(16)}`] : r < 0.8 ? [`feature-x-${i}`] : [`dev-${i}`, `pr-${i % 97}`, 'nightly'];
    const archived = rand() < 0.1;
    out.push({
      digest: `sha256:${i.toString(16).padStart(64, '0')}`,
      tags,
      pushedAt: new Date(NOW.getTime() - Math.floor(rand() * 800 * DAY)),
      lastPulledAt: rand() < 0.6 ? new Date(NOW.getTime() - Math.floor(rand() * 200 * DAY)) : undefined,
      storageClass: archived ? StorageClass.ARCHIVE : StorageClass.STANDARD,
      transitionedAt: archived ? new Date(NOW.getTime() - Math.floor(rand() * 400 * DAY)) : undefined,
    });
  }
  return out;
}

const policy = new LifecyclePolicy({
  rules: [
    LifecycleRule.expireUntaggedAfter(Duration.days(14)),
    LifecycleRule.keepLast(500, { tagSelection: TagSelection.patterns(['release-*']) }),
    LifecycleRule.archiveAfterNotPulled(Duration.days(90), { tagSelection: TagSelection.prefixes(['feature-']) }),
    LifecycleRule.keepLast(1000, { tagSelection: TagSelection.patterns(['*']) }),
    LifecycleRule.expireArchivedAfter(Duration.days(180)),
  ],
});

export async function run(): Promise<BenchSection> {
  const rows: Array<Array<string | number>> = [];
  const notes: string[] = [];
  for (const n of [1_000, 10_000, 100_000]) {
    const list = images(n);
    policy.preview(list, { now: NOW }); // warm up
    let result = policy.preview(list, { now: NOW });
    const ms = timeMs(() => { result = policy.preview(list, { now: NOW }); }, n >= 100_000 ? 3 : 7);
    rows.push([n, ms, (ms * 1000) / n, result.expired.length, result.transitioned.length, result.kept.length]);
    if (n === 10_000) {
      notes.push(`10,000 images: ${ms.toFixed(1)} ms (target < 200 ms): ${ms < 200 ? 'met' : 'MISSED'}`);
    }
  }
  notes.push('median of 7 runs (3 for 100,000) after a warm-up; policy of 5 rules (2 count, 1 age, 1 pull, 1 archived-expiry), 0-3 tags per image, 10% archived');
  return {
    title: 'Lifecycle preview (LifecyclePolicy.preview)',
    columns: ['images', 'ms (median)', 'µs per image', 'expired', 'transitioned', 'kept'],
    rows,
    notes,
  };
}
