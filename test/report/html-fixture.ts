/**
 * Report documents for the HTML page tests, built with the library's own pieces: settings models
 * audited by `RegistryReport.fromModels` and turned into the `--json` document by `reportToJson`,
 * with usage from `computeRepositoryUsage` over images of known sizes. Strings a registry could
 * answer carry HTML (ECR refuses such repository names, but the page must not trust the document).
 */
import { App, Stack, aws_ecr as ecr } from 'aws-cdk-lib';
import { computeRepositoryUsage, DeclaredApp, readAssembly, ECR_STORAGE_PRICES, emptyRegistry, ImageUsageInput, RegistryReport, ReportJson, reportToJson, RepositoryModel, RepositoryUsage, sortUsage } from '../../src/report';

/** A repository name and a tag value that would be markup if the page did not escape them. */
export const EVIL_NAME = '<img src=x onerror=alert(1)>evil';
export const EVIL_TAG = '</td><script>alert(2)</script><b>bold</b>';
export const EVIL_POLICY_DESCRIPTION = '</pre><h1 id="injected">x</h1>';

const NOW = new Date('2026-11-01T00:00:00Z');

function repository(account: string, region: string, name: string, extra: Partial<RepositoryModel> = {}): RepositoryModel {
  return {
    kind: 'repository',
    id: `arn:aws:ecr:${region}:${account}:repository/${name}`,
    arn: `arn:aws:ecr:${region}:${account}:repository/${name}`,
    name,
    tagMutability: ['MUTABLE'],
    tagMutabilityExclusionFilters: [],
    scanOnPush: [false],
    encryptionType: ['AES256'],
    kmsKey: [undefined],
    lifecyclePolicyText: [undefined],
    policyStatements: [],
    tags: [[]],
    ...extra,
  } as RepositoryModel;
}

function images(name: string, sizes: readonly number[]): ImageUsageInput[] {
  return sizes.map((sizeBytes, i) => ({
    digest: `sha256:${name}-${i}`,
    tags: [`v${i}`],
    pushedAt: new Date(NOW.getTime() - (i + 1) * 40 * 86_400_000),
    sizeBytes,
  }));
}

/** Bytes of each image in the fixture, by repository (target 0); target 1 has `many/000`...`many/024`. */
export const FIXTURE_SIZES: Record<string, number[]> = {
  'team/api': [40_000_000, 25_000_000, 5_000_000],
  'team/web': [12_000_000],
  [EVIL_NAME]: [3_000_000],
  'empty': [],
};

const LIFECYCLE = JSON.stringify({
  rules: [{ rulePriority: 1, description: EVIL_POLICY_DESCRIPTION, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
});

/**
 * Two registries: 111111111111 eu-west-1 (four repositories, one with an HTML name and tag, findings)
 * and 222222222222 us-east-1 (25 repositories, more than the chart's bars).
 */
export function fixtureDocument(options: { readonly assembly?: DeclaredApp } = {}): ReportJson {
  const a = { account: '111111111111', region: 'eu-west-1' };
  const b = { account: '222222222222', region: 'us-east-1' };
  const reposA = Object.keys(FIXTURE_SIZES).map(name => repository(a.account, a.region, name, {
    ...(name === 'team/api' ? { lifecyclePolicyText: [LIFECYCLE] } : {}),
    ...(name === EVIL_NAME ? { tags: [[{ key: 'owner', value: EVIL_TAG }]] } : {}),
    ...(name === 'team/web' ? { tagMutability: ['IMMUTABLE'], scanOnPush: [true] } : {}),
  }));
  const manyNames = Array.from({ length: 25 }, (_, i) => `many/${String(i).padStart(3, '0')}`);
  const reposB = manyNames.map(n => repository(b.account, b.region, n));
  const model = (t: typeof a, repositories: RepositoryModel[]) => ({ ...emptyRegistry(t.account, t.region), repositories });
  const report = RegistryReport.fromModels([model(a, reposA), model(b, reposB)], NOW, options.assembly);
  const usageOf = (repos: RepositoryModel[], sizes: (name: string) => number[]): RepositoryUsage[] => sortUsage(repos
    .map(r => computeRepositoryUsage(
      { name: r.name!, arn: r.arn!, lifecyclePolicyText: r.lifecyclePolicyText?.[0] as string | undefined },
      images(r.name!, sizes(r.name!)), ECR_STORAGE_PRICES, NOW)));
  const usage = [
    usageOf(reposA, n => FIXTURE_SIZES[n]),
    usageOf(reposB, n => [1_000_000 * (Number(n.slice(5)) + 1)]),
  ];
  // `RegistryReport.read` is the public maker of a report with usage; this one is made by the same constructor.
  const targets = report.targets.map((t, i) => ({ ...t, usage: usage[i] }));
  const withUsage: RegistryReport = new (RegistryReport as any)(targets, NOW, ECR_STORAGE_PRICES, options.assembly);
  return reportToJson(withUsage, 'error');
}

/**
 * A synthesized app for registry 111111111111 eu-west-1 (in `outdir`), read with `readAssembly`:
 * `team/web` declared with other settings than live, `team/gone` declared but not live; the
 * repository with the HTML name is live but not declared.
 */
export function fixtureAssembly(outdir: string): DeclaredApp {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Registry', { env: { account: '111111111111', region: 'eu-west-1' } });
  new ecr.CfnRepository(stack, 'Web', { repositoryName: 'team/web', imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: false } });
  new ecr.CfnRepository(stack, 'Api', { repositoryName: 'team/api', imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: false } });
  new ecr.CfnRepository(stack, 'Gone', { repositoryName: 'team/gone' });
  app.synth();
  return readAssembly(outdir);
}
