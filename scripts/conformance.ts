/**
 * Conformance: synthesizes every example app and checks each template with real checkers.
 *
 *   - cdk synthesis: no errors, no unacknowledged warnings (like `cdk synth --strict`);
 *   - cdk-nag 3 packs AwsSolutions, NIST 800-53 rev 5, HIPAA Security, PCI DSS 3.2.1 and our EcrChecks:
 *     zero unacknowledged findings (warnings included);
 *   - acknowledgements: every one carries a specific reason (Validations.of(x).acknowledge, checkov skip
 *     comments), and template-level cfn-lint ignores (which cannot carry one) are not used;
 *   - @cdklabs/cdk-validator-cfnguard with its bundled Control Tower proactive rules (CT.ECR.PR.1-3 ...): no failures;
 *   - cfn-lint: no errors (warnings are listed, not failing);
 *   - checkov: no failed checks (the few skipped checks are listed in SKIPPED_CHECKOV_CHECKS with their reason).
 *
 * Usage: npx tsx --tsconfig tsconfig.dev.json scripts/conformance.ts [example ...]
 * cfn-lint and checkov come from ./.venv (bash scripts/python-env.sh conformance).
 * Prints a summary table (example x checker) and exits 1 on any finding.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, PolicyValidationPluginReport, Validations } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { EcrChecks } from '../src';

const ROOT = path.resolve(__dirname, '..');
const VENV_BIN = path.join(ROOT, '.venv', 'bin');
/** Where the example apps live (`examples/<name>/app.ts`); CONFORMANCE_EXAMPLES_DIR overrides it (for trying changes on copies). */
const EXAMPLES_DIR = path.resolve(process.env.CONFORMANCE_EXAMPLES_DIR ?? path.join(ROOT, 'examples'));

/** An acknowledgement reason must say why, specifically: at least this many characters and words. */
const MIN_REASON_CHARS = 20;
const MIN_REASON_WORDS = 4;

/**
 * Checks skipped everywhere, with the reason. Keep in sync with docs/readme/compliance.md.
 * Never skip a check on ECR resources here: acknowledge a finding on the one resource instead.
 */
const SKIPPED_CHECKOV_CHECKS: Record<string, string> = {};
/** Control Tower guard rules disabled for every template (rule file names, e.g. `ct-lambda-pr-3`). */
const SKIPPED_GUARD_RULES: Record<string, string> = {};
/** cfn-lint rules ignored for every template. */
const SKIPPED_CFN_LINT_RULES: Record<string, string> = {};

/** checkov checks on ECR resources: these may never be skipped globally. */
const ECR_CHECKOV_CHECKS = ['CKV_AWS_32', 'CKV_AWS_51', 'CKV_AWS_136', 'CKV_AWS_163'];

/** A rule pack that walks the construct tree (cdk-nag 3 packs and our EcrChecks). */
interface TreePack {
  readonly name: string;
  validateScope(scope: IConstruct): PolicyValidationPluginReport;
}

const NAG_PACKS: Array<() => TreePack> = [
  () => new AwsSolutionsChecks(),
  () => new NIST80053R5Checks(),
  () => new HIPAASecurityChecks(),
  () => new PCIDSS321Checks(),
  () => new EcrChecks(),
];

/** One finding: which checker, where, what. */
interface Finding {
  readonly checker: string;
  readonly where: string;
  readonly rule: string;
  readonly message: string;
  /** Warnings are listed but do not fail (cfn-lint warnings only). */
  readonly failing: boolean;
}

interface ExampleResult {
  readonly name: string;
  readonly templates: string[];
  readonly regions: Set<string>;
  readonly findings: Finding[];
  /** checkers that ran for this example (a synth failure stops the rest). */
  readonly ran: Set<string>;
}

const CHECKERS = ['synth', ...NAG_PACKS.map(p => p().name), 'acks', 'cfn-guard', 'cfn-lint', 'checkov'];

function discoverExamples(only: string[]): string[] {
  const dir = EXAMPLES_DIR;
  const all = fs.readdirSync(dir)
    .filter(name => fs.existsSync(path.join(dir, name, 'app.ts')))
    .sort();
  const unknown = only.filter(o => !all.includes(o));
  if (unknown.length > 0) {
    throw new Error(`unknown example(s): ${unknown.join(', ')} (have: ${all.join(', ')})`);
  }
  return only.length > 0 ? all.filter(a => only.includes(a)) : all;
}

function walkFiles(dir: string, suffix: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      return walkFiles(p, suffix);
    }
    return e.name.endsWith(suffix) ? [p] : [];
  }).sort();
}

/** Acknowledged rule ids by construct path (`Validations.of(x).acknowledge`). */
function acknowledgements(root: IConstruct): Map<string, Record<string, unknown>> {
  const byPath = new Map<string, Record<string, unknown>>();
  for (const c of root.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && m.data && typeof m.data === 'object') {
        byPath.set(c.node.path, { ...(byPath.get(c.node.path) ?? {}), ...(m.data as Record<string, unknown>) });
      }
    }
  }
  return byPath;
}

/** Whether `ruleId` (bare, `annotation::` or `<plugin>::` qualified) is acknowledged at `constructPath` or above. */
function isAcknowledged(acks: Map<string, Record<string, unknown>>, constructPath: string, pluginName: string, ruleId: string): boolean {
  const ids = [ruleId, `annotation::${ruleId}`, `${pluginName.replace(/ /g, '-')}::${ruleId.replace(/ /g, '-')}`];
  const parts = constructPath.split('/');
  for (let i = parts.length; i >= 0; i--) {
    const p = parts.slice(0, i).join('/');
    const data = acks.get(p);
    if (data && ids.some(id => Object.keys(data).some(k => k.toLowerCase() === id.toLowerCase()))) {
      return true;
    }
  }
  return false;
}

function reasonProblem(reason: unknown, id: string): string | undefined {
  if (typeof reason !== 'string' || reason.trim().length === 0) {
    return 'no reason';
  }
  const text = reason.trim();
  if (text.length < MIN_REASON_CHARS || text.split(/\s+/).length < MIN_REASON_WORDS) {
    return `reason too short (${JSON.stringify(text)}): say specifically why, in at least ${MIN_REASON_WORDS} words and ${MIN_REASON_CHARS} characters`;
  }
  if (text.toLowerCase() === id.toLowerCase()) {
    return 'reason repeats the rule id';
  }
  return undefined;
}

async function synthExample(name: string, outRoot: string): Promise<ExampleResult> {
  const result: ExampleResult = { name, templates: [], regions: new Set(), findings: [], ran: new Set() };
  const outdir = path.join(outRoot, name);
  let app: App;
  let assembly: cxapi.CloudAssembly;
  result.ran.add('synth');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(EXAMPLES_DIR, name, 'app.ts'));
    if (typeof mod.buildApp !== 'function') {
      throw new Error('examples/' + name + '/app.ts does not export buildApp(app?)');
    }
    app = new App({ outdir });
    const built = mod.buildApp(app) ?? app;
    if (built !== app) {
      throw new Error('buildApp(app) must build into the app it is given');
    }
    assembly = app.synth();
  } catch (e) {
    result.findings.push({ checker: 'synth', where: name, rule: 'synthesis', message: (e as Error).stack ?? String(e), failing: true });
    return result;
  }

  // Synthesis messages: errors and (unacknowledged) warnings, like `cdk synth --strict`.
  const stacks = assembly.stacksRecursively;
  for (const s of stacks) {
    for (const m of s.messages) {
      if (m.level === 'error' || m.level === 'warning') {
        result.findings.push({ checker: 'synth', where: m.id, rule: m.level, message: String(m.entry.data), failing: true });
      }
    }
    result.regions.add(cxapi.UNKNOWN_REGION === s.environment.region ? 'us-east-1' : s.environment.region);
  }
  result.templates.push(...walkFiles(outdir, '.template.json'));

  // cdk-nag packs, over the synthesized tree (aspects have run).
  const acks = acknowledgements(app);
  for (const makePack of NAG_PACKS) {
    const pack = makePack();
    result.ran.add(pack.name);
    const report = pack.validateScope(app);
    for (const v of report.violations) {
      for (const r of v.violatingResources) {
        const where = r.constructPath ?? '?';
        if (!isAcknowledged(acks, where, pack.name, v.ruleName)) {
          result.findings.push({ checker: pack.name, where, rule: v.ruleName, message: v.description, failing: true });
        }
      }
    }
  }

  // Acknowledgements must carry a reason.
  result.ran.add('acks');
  for (const [where, data] of acks) {
    for (const [id, reason] of Object.entries(data)) {
      const problem = reasonProblem(reason, id);
      if (problem) {
        result.findings.push({ checker: 'acks', where, rule: id, message: problem, failing: true });
      }
    }
  }
  for (const file of result.templates) {
    const template = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
      const where = `${path.basename(file)}#${logicalId}`;
      for (const skip of resource?.Metadata?.checkov?.skip ?? []) {
        const problem = reasonProblem(skip?.comment, String(skip?.id));
        if (problem) {
          result.findings.push({ checker: 'acks', where, rule: `checkov skip ${skip?.id}`, message: problem, failing: true });
        }
      }
      if (resource?.Metadata?.['cfn-lint']) {
        result.findings.push({
          checker: 'acks',
          where,
          rule: 'cfn-lint metadata',
          failing: true,
          message: 'template-level cfn-lint ignores cannot carry a reason; fix the finding or add it to SKIPPED_CFN_LINT_RULES with one',
        });
      }
    }
  }
  return result;
}

function exampleOf(results: ExampleResult[], file: string): ExampleResult | undefined {
  const abs = path.resolve(file);
  return results.find(r => r.templates.some(t => path.resolve(t) === abs));
}

function runGuard(results: ExampleResult[]): void {
  const templates = results.flatMap(r => r.templates);
  results.forEach(r => r.templates.length > 0 && r.ran.add('cfn-guard'));
  if (templates.length === 0) {
    return;
  }
  const guard = new CfnGuardValidator({ disabledRules: Object.keys(SKIPPED_GUARD_RULES), maxBuffer: 512 * 1024 * 1024 });
  const report = guard.validate({ templatePaths: templates } as any);
  const templateCache = new Map<string, any>();
  const metadataOf = (file: string, logicalId: string): any => {
    if (!templateCache.has(file)) {
      templateCache.set(file, JSON.parse(fs.readFileSync(file, 'utf8')));
    }
    return templateCache.get(file)?.Resources?.[logicalId]?.Metadata?.guard;
  };
  for (const v of report.violations) {
    for (const r of v.violatingResources) {
      const owner = exampleOf(results, r.templatePath);
      const target = owner ?? results[0];
      // Per-resource suppression: Metadata guard.SuppressedRules, with the reason in guard.Reasons[rule].
      const guardMeta = metadataOf(r.templatePath, r.resourceLogicalId);
      if (Array.isArray(guardMeta?.SuppressedRules) && guardMeta.SuppressedRules.includes(v.ruleName)) {
        const problem = reasonProblem(guardMeta.Reasons?.[v.ruleName], v.ruleName);
        if (problem) {
          target.findings.push({ checker: 'acks', where: `${path.basename(r.templatePath)}#${r.resourceLogicalId}`, rule: `cfn-guard suppression ${v.ruleName}`, message: problem, failing: true });
        }
        continue;
      }
      target.findings.push({
        checker: 'cfn-guard',
        where: `${path.basename(r.templatePath)}#${r.resourceLogicalId}`,
        rule: v.ruleName,
        message: v.description.split('\n')[0],
        failing: true,
      });
    }
  }
}

function tool(name: string): string {
  const p = path.join(VENV_BIN, name);
  if (!fs.existsSync(p)) {
    throw new Error(`${p} not found: run bash scripts/python-env.sh conformance`);
  }
  return p;
}

function runCfnLint(results: ExampleResult[]): void {
  const templates = results.flatMap(r => r.templates);
  results.forEach(r => r.templates.length > 0 && r.ran.add('cfn-lint'));
  if (templates.length === 0) {
    return;
  }
  const regions = [...new Set(results.flatMap(r => [...r.regions]))].sort();
  const args = ['--format', 'json', '--regions', ...(regions.length ? regions : ['us-east-1'])];
  if (Object.keys(SKIPPED_CFN_LINT_RULES).length > 0) {
    args.push('--ignore-checks', ...Object.keys(SKIPPED_CFN_LINT_RULES));
  }
  const run = spawnSync(tool('cfn-lint'), [...args, '--', ...templates], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  // cfn-lint exit codes are a bit mask: 2 errors, 4 warnings, 8 informational; 1 is a crash.
  if (run.status === null || run.status % 2 === 1 || !run.stdout.trim().startsWith('[')) {
    throw new Error(`cfn-lint failed (exit ${run.status}): ${run.stderr || run.stdout}`);
  }
  for (const m of JSON.parse(run.stdout) as any[]) {
    const owner = exampleOf(results, m.Filename) ?? results[0];
    const level = String(m.Level);
    if (level === 'Informational') {
      continue;
    }
    owner.findings.push({
      checker: 'cfn-lint',
      where: `${path.basename(m.Filename)}#${(m.Location?.Path ?? []).slice(0, 2).join('/')}`,
      rule: m.Rule?.Id ?? '?',
      message: m.Message,
      failing: level === 'Error',
    });
  }
}

function runCheckov(results: ExampleResult[], workdir: string): void {
  const bad = Object.keys(SKIPPED_CHECKOV_CHECKS).filter(c => ECR_CHECKOV_CHECKS.includes(c));
  if (bad.length > 0) {
    throw new Error(`SKIPPED_CHECKOV_CHECKS may not skip ECR checks: ${bad.join(', ')}`);
  }
  // One checkov run over a directory of every template (checkov takes seconds to start).
  const dir = path.join(workdir, 'checkov');
  const copies = new Map<string, ExampleResult>();
  for (const r of results) {
    if (r.templates.length > 0) {
      r.ran.add('checkov');
    }
    for (const t of r.templates) {
      const rel = path.join(r.name, path.relative(path.join(workdir, 'assemblies', r.name), t));
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.copyFileSync(t, path.join(dir, rel));
      copies.set(rel.split(path.sep).join('/'), r);
    }
  }
  if (copies.size === 0) {
    return;
  }
  const args = ['-d', dir, '--framework', 'cloudformation', '-o', 'json', '--compact'];
  if (Object.keys(SKIPPED_CHECKOV_CHECKS).length > 0) {
    args.push('--skip-check', Object.keys(SKIPPED_CHECKOV_CHECKS).join(','));
  }
  const run = spawnSync(tool('checkov'), args, {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    // No platform calls: no API key, no guideline mapping download.
    env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', CHECKOV_CREATE_GRAPH: 'True' },
  });
  if (run.status === null || run.status > 1) {
    throw new Error(`checkov failed (exit ${run.status}): ${run.stderr}`);
  }
  const parsed = JSON.parse(run.stdout);
  const reports: any[] = Array.isArray(parsed) ? parsed : [parsed];
  for (const report of reports) {
    const res = report.results ?? {};
    for (const f of [...(res.failed_checks ?? []), ...(res.parsing_errors ?? []).map((p: string) => ({ check_id: 'parsing_error', file_path: p, resource: '', check_name: 'checkov could not parse the template' }))]) {
      const rel = String(f.file_path).replace(/^\/+/, '');
      const owner = copies.get(rel) ?? results[0];
      owner.findings.push({
        checker: 'checkov',
        where: `${path.basename(rel)}#${f.resource}`,
        rule: f.check_id,
        message: f.check_name,
        failing: true,
      });
    }
  }
}

function cell(r: ExampleResult, checker: string): string {
  if (!r.ran.has(checker)) {
    return 'not run';
  }
  const mine = r.findings.filter(f => f.checker === checker);
  const failing = mine.filter(f => f.failing).length;
  const warnings = mine.length - failing;
  const base = failing > 0 ? `FAIL ${failing}` : 'pass';
  return warnings > 0 ? `${base} (${warnings} W)` : base;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<number> {
  const started = Date.now();
  const names = discoverExamples(process.argv.slice(2));
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ecr-registry-conformance-'));
  const outRoot = path.join(workdir, 'assemblies');
  const timings: string[] = [];
  try {
    const results: ExampleResult[] = [];
    let t = Date.now();
    for (const name of names) {
      results.push(await synthExample(name, outRoot));
    }
    timings.push(`synth+nag ${((Date.now() - t) / 1000).toFixed(1)}s`);
    t = Date.now();
    runGuard(results);
    timings.push(`cfn-guard ${((Date.now() - t) / 1000).toFixed(1)}s`);
    t = Date.now();
    runCfnLint(results);
    timings.push(`cfn-lint ${((Date.now() - t) / 1000).toFixed(1)}s`);
    t = Date.now();
    runCheckov(results, workdir);
    timings.push(`checkov ${((Date.now() - t) / 1000).toFixed(1)}s`);

    const failing = results.flatMap(r => r.findings.filter(f => f.failing).map(f => ({ example: r.name, ...f })));
    const warnings = results.flatMap(r => r.findings.filter(f => !f.failing).map(f => ({ example: r.name, ...f })));
    for (const [title, list] of [['Findings', failing], ['Warnings (not failing)', warnings]] as const) {
      if (list.length > 0) {
        console.log(`\n${title}:`);
        for (const f of list) {
          console.log(`  [${f.example}] ${f.checker} ${f.rule} at ${f.where}: ${f.message.split('\n')[0]}`);
        }
      }
    }
    const skipped = [
      ...Object.entries(SKIPPED_CHECKOV_CHECKS).map(([id, why]) => `checkov ${id}: ${why}`),
      ...Object.entries(SKIPPED_GUARD_RULES).map(([id, why]) => `cfn-guard ${id}: ${why}`),
      ...Object.entries(SKIPPED_CFN_LINT_RULES).map(([id, why]) => `cfn-lint ${id}: ${why}`),
    ];
    console.log(`\nSkipped checks: ${skipped.length === 0 ? 'none' : ''}`);
    skipped.forEach(s => console.log(`  ${s}`));

    const rows = [['example', 'templates', ...CHECKERS]];
    for (const r of results) {
      rows.push([r.name, String(r.templates.length), ...CHECKERS.map(c => cell(r, c))]);
    }
    console.log(`\nConformance summary (${names.length} examples; ${timings.join(', ')}; total ${((Date.now() - started) / 1000).toFixed(1)}s):\n`);
    console.log(table(rows));
    const examplesFailing = results.filter(r => r.findings.some(f => f.failing)).length;
    console.log(`\n${failing.length === 0 ? 'PASS' : 'FAIL'}: ${failing.length} finding(s) in ${examplesFailing} of ${results.length} example(s), ${warnings.length} warning(s)`);
    return failing.length === 0 ? 0 : 1;
  } finally {
    if (!process.env.CONFORMANCE_KEEP) {
      fs.rmSync(workdir, { recursive: true, force: true });
    } else {
      console.log(`kept ${workdir}`);
    }
  }
}

main().then(code => process.exit(code), e => {
  console.error(e);
  process.exit(2);
});
