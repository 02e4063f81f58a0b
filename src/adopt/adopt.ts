/**
 * Adoption (`cdk-ecr-registry adopt`, `adoptRegistry`): a live registry read with the report's
 * reader (same targets, roles, limits and runtime policy), declared kind by kind with each
 * descriptor's `toCode`, built and synthesized in process to find the EcrChecks findings and the
 * changes a deploy would make (the report's own drift comparison), then written as a CDK app with
 * a `cdk import` resource mapping per stack. See docs/adopt.md.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { BuiltApp, buildApp } from './build';
import { fixFindings, whyKey, Whys } from './compliant';
import { acknowledge, ADOPTED_AS_IS, AppFinding, findingsOf } from './findings';
import { AdoptionPlan, planAdoption } from './plan';
import { AdoptLanguage, pythonApp, summary, typescriptApp } from './write-code';
import { EcrChecks } from '../compliance/ecr-checks';
import { LifecyclePolicy } from '../lifecycle/policy';
import { RegistryModel } from '../model/settings';
import { readAssembly } from '../report/assembly';
import { compareRegistry, DriftEntry, stacksOfRegistry } from '../report/drift';
import { ReportInputError } from '../report/errors';
import { driftEntryJson } from '../report/json';
import { RegistryReport, RegistryReportOptions, ReportTarget, validateTarget } from '../report/report';

/** Bad input to adoption (the CLI's exit code 2). */
export class AdoptInputError extends ReportInputError {
  constructor(message: string) {
    super(message);
    this.name = 'AdoptInputError';
  }
}

/** The registry could not be read (the CLI's exit code 1). */
export class AdoptReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdoptReadError';
  }
}

/**
 * The app could not be written into `--out` (a full disk, a read-only directory, a directory where
 * a file goes): the CLI's exit code 4, like any output that could not be written.
 */
export class AdoptWriteError extends Error {
  constructor(public readonly out: string, file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    const why = code === 'ENOSPC' ? 'no space left on the device (ENOSPC)' : code ?? (cause as Error)?.message ?? String(cause);
    super(`could not write ${file} into --out ${JSON.stringify(out)}: ${why}`);
    this.name = 'AdoptWriteError';
  }
}

/** What adopting shares with the report's live read: its limits, endpoints, credentials and runtime policy. */
export type AdoptReadOptions = Pick<RegistryReportOptions,
'deadline' | 'requestTimeoutMs' | 'endpoint' | 'stsEndpoint' | 'credentials' | 'concurrency' | 'requestsPerSecond' | 'onProgress' | 'env'>;

/** How to adopt a registry (the read options are the report's, with its defaults). */
export interface AdoptOptions extends AdoptReadOptions {
  /** The registry: an account (optional) and a region, optionally through a role. */
  readonly target: ReportTarget;
  /** The directory the app is written into (created when missing). */
  readonly out: string;
  /** @default 'typescript' */
  readonly language?: AdoptLanguage;
  /**
   * Fix every EcrChecks finding instead of acknowledging it (each fix is a change in
   * `adopt-changes.json`).
   * @default false - as is: every live setting kept, each finding acknowledged "adopted as is"
   */
  readonly compliant?: boolean;
  /** Write into a non-empty `out`. @default false */
  readonly force?: boolean;
}

/** One change a deploy of the written app makes (`adopt-changes.json`). */
export interface AdoptChange {
  /** As the report's JSON writes a drift entry's `resource`. */
  readonly resource: string;
  readonly name: string | null;
  readonly property: string | null;
  readonly live: unknown;
  readonly declared: unknown;
  /** Why the written app differs from the registry. */
  readonly why: string;
}

/** `adopt-changes.json`. */
export interface AdoptChangesJson {
  readonly changes: readonly AdoptChange[];
  /** What the app could not declare exactly, and the parts of the registry that could not be read. */
  readonly gaps: readonly AdoptGap[];
}

/** A gap: a part of the registry not read, or a setting not declared exactly. */
export interface AdoptGap {
  /** The report's read gap (`repositoryPolicies`, ...), or `declaration` for a setting the app could not hold. */
  readonly part: string;
  readonly action: string | null;
  readonly repository: string | null;
  readonly code: string | null;
  readonly reason: string;
}

/** One written stack. */
export interface AdoptedStack {
  readonly name: string;
  readonly resources: number;
  /** `import-<stack>.json`, relative to `out`. */
  readonly importFile: string;
}

/** What adoption wrote. */
export interface AdoptResult {
  readonly account: string;
  readonly region: string;
  readonly language: AdoptLanguage;
  readonly compliant: boolean;
  readonly stacks: readonly AdoptedStack[];
  readonly changes: readonly AdoptChange[];
  readonly gaps: readonly AdoptGap[];
  /** EcrChecks findings acknowledged in the code (as is) or fixed (compliant), by rule id. */
  readonly findings: Readonly<Record<string, number>>;
  /** Files written, relative to `out`, sorted. */
  readonly files: readonly string[];
  /** API calls of the read, by action. */
  readonly calls: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

/**
 * The primary identifier of each `AWS::ECR::*` type (the CloudFormation resource schemas' `primaryIdentifier`;
 * test/adopt checks the table against the schemas cfn-lint ships): what `cdk import` matches a resource by.
 */
export const PRIMARY_IDENTIFIERS: Readonly<Record<string, string>> = {
  'AWS::ECR::PublicRepository': 'RepositoryName',
  'AWS::ECR::PullThroughCacheRule': 'EcrRepositoryPrefix',
  'AWS::ECR::PullTimeUpdateExclusion': 'PrincipalArn',
  'AWS::ECR::RegistryPolicy': 'RegistryId',
  'AWS::ECR::RegistryScanningConfiguration': 'RegistryId',
  'AWS::ECR::ReplicationConfiguration': 'RegistryId',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::ECR::RepositoryCreationTemplate': 'Prefix',
  'AWS::ECR::SigningConfiguration': 'RegistryId',
};

/** Check `out` before anything is read: a directory (or nothing yet), empty unless `force`. */
export function checkOut(out: string, force: boolean): void {
  if (typeof out !== 'string' || out === '') {
    throw new AdoptInputError('--out is required: the directory the app is written into');
  }
  if (!existsSync(out)) {
    return;
  }
  const stat = statSync(out);
  if (!stat.isDirectory()) {
    throw new AdoptInputError(`--out ${JSON.stringify(out)} is ${stat.isFile() ? 'a file' : 'a device, socket or pipe'}, not a directory`);
  }
  let entries: string[];
  try {
    entries = readdirSync(out);
  } catch (e) {
    throw new AdoptInputError(`--out ${JSON.stringify(out)} cannot be read (${(e as NodeJS.ErrnoException)?.code ?? String(e)})`);
  }
  if (entries.length > 0 && !force) {
    throw new AdoptInputError(`--out ${JSON.stringify(out)} is not empty (${entries.length} entries, like ${entries.sort()[0]}): give an empty or new directory, or --force to write over the app files in it`);
  }
}

/** Why `LifecyclePolicy.fromJson` (and a repository) refuses a policy text, `undefined` when it takes it. */
export function lifecyclePolicyProblem(text: string): string | undefined {
  try {
    const policy = LifecyclePolicy.fromJson(text);
    // A repository adds the in-use protection rule: 49 rules leave room for it.
    return policy.rules.length > 49 ? `${policy.rules.length} rules, and a repository takes 49 besides the in-use protection rule` : undefined;
  } catch (e) {
    return (e as Error).message.split('\n').join(' ');
  }
}

/** Read the registry, write the app into `options.out`. */
export async function adoptRegistry(options: AdoptOptions): Promise<AdoptResult> {
  const language = options.language ?? 'typescript';
  if (!['typescript', 'python'].includes(language)) {
    throw new AdoptInputError(`--language ${JSON.stringify(language)} is not one of typescript, python`);
  }
  validateTarget(options.target);
  checkOut(options.out, options.force === true);
  const started = Date.now();
  const report = await RegistryReport.read({
    targets: [options.target],
    deadline: options.deadline,
    requestTimeoutMs: options.requestTimeoutMs,
    endpoint: options.endpoint,
    stsEndpoint: options.stsEndpoint,
    credentials: options.credentials,
    concurrency: options.concurrency,
    requestsPerSecond: options.requestsPerSecond,
    onProgress: options.onProgress,
    env: options.env,
  });
  const t = report.targets[0];
  if (t.status === 'failed' || !t.model) {
    throw new AdoptReadError(`the registry ${t.target.account ?? ''}${t.target.account ? ' ' : ''}${t.region} could not be read: ${t.error ?? 'no answer'}`);
  }
  if (t.model.gaps.some(g => g.part === 'repositories')) {
    const g = t.model.gaps.find(x => x.part === 'repositories')!;
    throw new AdoptReadError(`the registry's repositories could not be listed (${g.action}: ${g.reason}), so no app can declare them`);
  }
  const adopted = adoptModel(t.model, { compliant: options.compliant === true });
  const files = writeApp(options.out, adopted, language, options.compliant === true);
  return {
    account: adopted.plan.account,
    region: adopted.plan.region,
    language,
    compliant: options.compliant === true,
    stacks: adopted.stacks,
    changes: adopted.changes,
    gaps: adopted.gaps,
    findings: adopted.findings,
    files,
    calls: t.calls,
    durationMs: Date.now() - started,
  };
}

/** A registry model adopted in memory: the plan (with acknowledgements), its templates and changes. */
export interface AdoptedModel {
  readonly plan: AdoptionPlan;
  readonly stacks: readonly AdoptedStack[];
  /** `import-<stack>.json` contents by stack name. */
  readonly imports: Readonly<Record<string, Record<string, Record<string, string>>>>;
  readonly templates: Readonly<Record<string, any>>;
  readonly changes: readonly AdoptChange[];
  readonly gaps: readonly AdoptGap[];
  readonly findings: Readonly<Record<string, number>>;
  /** The drift of the built app against the model (every entry: tests compare it with the written app's). */
  readonly drift: readonly DriftEntry[];
}

/** Adopt a registry model (as read by `readInventory` or `RegistryReport`) without writing anything. */
export function adoptModel(model: RegistryModel, options: { readonly compliant?: boolean } = {}): AdoptedModel {
  let plan = planAdoption(model, { lifecyclePolicyProblem });
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-ecr-registry-adopt-'));
  try {
    let built: BuiltApp = buildApp(plan, outdir, false);
    const findings: AppFinding[] = findingsOf(built);
    let whys: Whys = new Map();
    if (options.compliant) {
      // Fix, build again, and fix what a fix uncovered; what is left (nothing, normally) is acknowledged with why.
      let open = findings;
      for (let pass = 0; pass < 3 && open.length > 0; pass++) {
        const fixed = fixFindings(plan, open, model);
        plan = fixed.plan;
        fixed.whys.forEach((v, k) => whys.set(k, v));
        built = buildApp(plan, outdir, false);
        open = findingsOf(built);
      }
      plan = acknowledge(plan, built, open, () => 'not fixed by adopt --compliant: the fix did not satisfy the rule; fix it by hand');
    } else {
      plan = acknowledge(plan, built, findings, () => ADOPTED_AS_IS);
    }
    const assembly = built.app.synth();
    // What `cdk synth` of the written app checks (its EcrChecks plugin), checked here, quietly.
    const left = new EcrChecks().validateScope(built.app);
    if (!left.success) {
      throw new Error(`adopt: the app would fail EcrChecks: ${left.violations.map(v => `${v.ruleName} on ${v.violatingResources.map(r => r.constructPath).join(', ')}`).join('; ')}`);
    }
    const templates: Record<string, any> = {};
    const imports: Record<string, Record<string, Record<string, string>>> = {};
    const stacks: AdoptedStack[] = [];
    for (const s of plan.stacks) {
      const template = assembly.getStackByName(s.name).template;
      templates[s.name] = template;
      imports[s.name] = importMapping(template, plan.account, s.name);
      stacks.push({ name: s.name, resources: Object.keys(template.Resources ?? {}).length, importFile: `import-${s.name}.json` });
    }
    const declared = readAssembly(outdir);
    const drift = compareRegistry(stacksOfRegistry(declared.stacks, model.account, model.region ?? ''), model);
    const changes: AdoptChange[] = [];
    const gaps: AdoptGap[] = model.gaps.filter(g => g.part !== 'repositories').map(g => ({
      part: g.part, action: g.action, repository: g.repository ?? null, code: g.code ?? null, reason: g.reason,
    }));
    for (const e of drift.entries) {
      const j = driftEntryJson(e);
      if (e.kind === 'differs') {
        const why = whys.get(whyKey(j.resource, j.name, j.property)) ?? whyOf(e);
        changes.push({ resource: j.resource, name: j.name, property: j.property, live: j.live, declared: j.declared, why });
      } else if (e.kind === 'missing' || e.kind === 'unmanaged') {
        gaps.push({ part: 'declaration', action: null, repository: e.resource === 'repository' ? e.name ?? null : null, code: null, reason: `${e.kind}: ${e.reason}` });
      }
    }
    gaps.push(...plan.gaps.map(reason => ({ part: 'declaration', action: null, repository: null, code: null, reason })));
    const counts: Record<string, number> = {};
    for (const f of findings) {
      counts[f.ruleId] = (counts[f.ruleId] ?? 0) + 1;
    }
    return { plan, stacks, imports, templates, changes, gaps, findings: sortRecord(counts), drift: drift.entries };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function sortRecord(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}

/** Why a deploy of the as-is app changes a property. */
function whyOf(e: DriftEntry): string {
  if (e.resource === 'repository' && e.property === 'lifecyclePolicy') {
    return 'the library puts its in-use protection rule first in every lifecycle policy (images tagged in-use.* by an ImageCheck are never expired or archived; docs/in-use.md), and moves the other rules\' priorities up where rule 1 was taken';
  }
  return e.reason;
}

/** The `cdk import --resource-mapping` file of a synthesized template: every resource by its primary identifier. */
export function importMapping(template: any, account: string, stack: string): Record<string, Record<string, string>> {
  const mapping: Record<string, Record<string, string>> = {};
  for (const [logicalId, r] of Object.entries<any>(template?.Resources ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const property = PRIMARY_IDENTIFIERS[r?.Type];
    if (property === undefined) {
      throw new Error(`adopt: stack ${stack} has ${logicalId} of type ${r?.Type}, which adoption does not import`);
    }
    const value = property === 'RegistryId' ? account : r.Properties?.[property];
    if (typeof value !== 'string') {
      throw new Error(`adopt: stack ${stack}'s ${logicalId} has no literal ${property}`);
    }
    if (r.DeletionPolicy !== 'Retain') {
      throw new Error(`adopt: stack ${stack}'s ${logicalId} has DeletionPolicy ${r.DeletionPolicy}, and cdk import requires Retain`);
    }
    mapping[logicalId] = { [property]: value };
  }
  return mapping;
}

function json(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

/** The package version (package.json two levels up from src/adopt and lib/adopt). */
function packageJson(): any {
  return JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
}

/** Write the app and its files into `out`; returns the files written (relative, sorted). */
export function writeApp(out: string, adopted: AdoptedModel, language: AdoptLanguage, compliant: boolean): string[] {
  const write = (file: string, action: () => void) => {
    try {
      action();
    } catch (e) {
      throw new AdoptWriteError(out, file, e);
    }
  };
  write('the directory', () => mkdirSync(out, { recursive: true }));
  // Import mappings of an earlier run (with --force) that named other stacks would mislead.
  for (const f of readdirSync(out).filter(n => /^import-.+\.json$/.test(n))) {
    write(f, () => rmSync(path.join(out, f)));
  }
  const files: Record<string, string> = {};
  const pkg = packageJson();
  const cdkVersion = String(pkg.peerDependencies?.['aws-cdk-lib'] ?? '^2.258.0');
  const constructsVersion = String(pkg.peerDependencies?.constructs ?? '^10.0.0');
  const libVersion = pkg.version === '0.0.0' ? '*' : `^${pkg.version}`;
  if (language === 'typescript') {
    files['app.ts'] = typescriptApp(adopted.plan, compliant);
    files['cdk.json'] = json({ app: 'npx ts-node --prefer-ts-exts app.ts' });
    files['package.json'] = json({
      name: 'adopted-registry',
      version: '0.1.0',
      private: true,
      dependencies: { 'aws-cdk-lib': cdkVersion, 'cdk-ecr-registry': libVersion, 'constructs': constructsVersion },
      devDependencies: { '@types/node': '^20', 'aws-cdk': '^2', 'ts-node': '^10.9.2', 'typescript': '^5' },
    });
    files['tsconfig.json'] = json({
      compilerOptions: {
        target: 'ES2020', module: 'commonjs', lib: ['es2020'], strict: true, esModuleInterop: true, skipLibCheck: true, types: ['node'],
      },
      include: ['app.ts'],
    });
  } else {
    files['app.py'] = pythonApp(adopted.plan, compliant);
    files['cdk.json'] = json({ app: 'python3 app.py' });
    files['requirements.txt'] = `aws-cdk-lib>=${cdkVersion.replace(/^\^/, '')},<3\ncdk-ecr-registry${pkg.version === '0.0.0' ? '' : `>=${pkg.version}`}\nconstructs>=${constructsVersion.replace(/^\^/, '')},<11\n`;
  }
  files['adopt-changes.json'] = json({ changes: adopted.changes, gaps: adopted.gaps } satisfies AdoptChangesJson);
  for (const s of adopted.stacks) {
    files[s.importFile] = json(adopted.imports[s.name]);
  }
  files['ADOPTED.md'] = adoptedMd(adopted, language, compliant);
  for (const [name, text] of Object.entries(files)) {
    write(name, () => writeFileSync(path.join(out, name), text));
  }
  return Object.keys(files).sort();
}

function adoptedMd(adopted: AdoptedModel, language: AdoptLanguage, compliant: boolean): string {
  const p = adopted.plan;
  const app = language === 'typescript' ? 'app.ts' : 'app.py';
  const install = language === 'typescript' ? 'npm install' : 'python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt';
  const findings = Object.entries(adopted.findings);
  const lines = [
    `# Adopted registry ${p.account} ${p.region}`,
    '',
    `Written by \`cdk-ecr-registry adopt${compliant ? ' --compliant' : ''}\`: ${app} declares the registry in ${p.stacks.length} stack${p.stacks.length === 1 ? '' : 's'}.`,
    '',
    '| stack | holds | import mapping |',
    '|---|---|---|',
    ...p.stacks.map(s => `| ${s.name} | ${summary(s)} | import-${s.name}.json |`),
    '',
    '## EcrChecks findings',
    '',
    findings.length === 0 ? 'None.'
      : `${compliant ? 'Fixed' : `Acknowledged in the code with the reason "${ADOPTED_AS_IS}" (each stays visible in review)`}: ${findings.map(([id, n]) => `${id} (${n})`).join(', ')}.`,
    '',
    '## What a deploy changes',
    '',
    adopted.changes.length === 0 ? 'Nothing: the first deploy after the import leaves every setting as it is.'
      : `${adopted.changes.length} change${adopted.changes.length === 1 ? '' : 's'}, listed in adopt-changes.json (\`changes\`):`,
    ...adopted.changes.slice(0, 50).map(c => `- ${c.resource} ${c.name ?? ''} ${c.property ?? ''}: ${c.why}`),
    ...(adopted.changes.length > 50 ? [`- ... and ${adopted.changes.length - 50} more (adopt-changes.json)`] : []),
    '',
    '## Gaps',
    '',
    adopted.gaps.length === 0 ? 'None: every part of the registry was read and declared.'
      : 'Read them before deploying (adopt-changes.json, `gaps`):',
    ...adopted.gaps.slice(0, 50).map(g => `- ${g.part}${g.repository ? ` (${g.repository})` : ''}: ${g.reason}`),
    ...(adopted.gaps.length > 50 ? [`- ... and ${adopted.gaps.length - 50} more (adopt-changes.json)`] : []),
    ...(p.notes.length > 0 ? ['', '## Escape hatches', '', ...p.notes.map(n => `- ${n}`)] : []),
    '',
    '## Next',
    '',
    `1. \`${install}\`, then \`npx cdk synth\`: it passes EcrChecks.`,
    '2. Import each stack, one at a time (every resource has `DeletionPolicy: Retain`, as import requires):',
    ...p.stacks.map(s => `   \`npx cdk import ${s.name} --resource-mapping import-${s.name}.json\``),
    '3. `npx cdk diff`, then `npx cdk deploy --all`: the deploy makes the changes above, and nothing else.',
    '4. Check with `cdk-ecr-registry report --assembly cdk.out`: no drift but the changes above.',
    '',
    'See docs/adopt.md of cdk-ecr-registry.',
    '',
  ];
  return lines.join('\n');
}
