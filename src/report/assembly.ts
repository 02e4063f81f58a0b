/**
 * The declared side of drift: every stack of a cloud assembly (`cdk.out`), nested assemblies
 * (stages) and nested stacks included, read into the same settings model the live inventory
 * builds (src/model/settings.ts), with `modelFromTemplate` — the reader `EcrChecks` uses.
 *
 * A template is loaded back into a construct tree with `CfnInclude`, so the properties the model
 * sees are exactly those `modelFromTemplate` sees at synth time (parameters with allowed values,
 * `Fn::If` branches, deploy-time values). Before that, what the stack's environment makes known is
 * put in: the pseudo parameters `AWS::AccountId`, `AWS::Region`, `AWS::Partition`,
 * `AWS::URLSuffix` and `AWS::StackName`, and `Fn::Join` / `Fn::Sub` over literals, so an ARN built
 * from them compares as the text it becomes. Anything else CloudFormation computes stays a token,
 * and a token is never drift.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { ReportInputError } from './errors';
import { guardAssembly, GuardedAssembly } from './private/assembly-guard';
import { useAssemblyReader } from './private/assembly-reader';
import { DeclaredApp, DeclaredItem, DeclaredSigning, DeclaredStack, DeclaredSubject } from '../model/declared';
import { kindOfCfnType } from '../model/kind-list';
import { modelFromTemplate } from '../model/template';
import { partitionOf } from '../model/values';

export type { DeclaredApp, DeclaredItem, DeclaredSigning, DeclaredStack, DeclaredSubject };

const UNKNOWN = new Set(['unknown-account', 'unknown-region']);

/**
 * Read every stack of the cloud assembly in `directory` (a `cdk.out`). Throws `ReportInputError`
 * when the directory is not a cloud assembly; a template that cannot be read is a stack with an
 * `error`, not a failure.
 */
export function readAssembly(directory: string): DeclaredApp {
  // Every file the assembly names is checked (inside it, regular, bounded) before anything opens it.
  const guard = guardAssembly(directory);
  let assembly: CloudAssembly;
  try {
    assembly = new CloudAssembly(directory, { skipVersionCheck: true, skipEnumCheck: true, topoSort: false });
  } catch (e) {
    throw new ReportInputError(`--assembly ${JSON.stringify(directory)} is not a readable cloud assembly: ${firstLine((e as Error).message)}`);
  }
  const stacks: DeclaredStack[] = [];
  const work = mkdtempSync(join(tmpdir(), 'cdk-ecr-registry-drift-'));
  try {
    let artifacts: CloudFormationStackArtifact[];
    try {
      artifacts = assembly.stacksRecursively;
    } catch (e) {
      throw new ReportInputError(`--assembly ${JSON.stringify(directory)} is not a readable cloud assembly: ${firstLine((e as Error).message)}`);
    }
    for (const artifact of artifacts) {
      readStack(artifact, guard, work, stacks);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { assembly: directory, stacks };
}

/** The first line of a message, bounded (a schema error may list a whole manifest). */
function firstLine(message: string): string {
  const line = String(message).split('\n')[0];
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

function readStack(artifact: CloudFormationStackArtifact, guard: GuardedAssembly, work: string, into: DeclaredStack[]): void {
  const account = UNKNOWN.has(artifact.environment.account) ? undefined : artifact.environment.account;
  const region = UNKNOWN.has(artifact.environment.region) ? undefined : artifact.environment.region;
  const base = {
    artifactId: artifact.id,
    stackName: artifact.stackName,
    displayName: artifact.displayName,
    account,
    region,
    tags: { ...(artifact.tags ?? {}) },
  };
  // From the guard, never from the disk again.
  const read = guard.template(artifact.templateFullPath);
  if (read.error !== undefined) {
    into.push({ ...base, subjects: [], error: `its template ${artifact.templateFile} could not be read: ${read.error}` });
    return;
  }
  readTemplate(base, read.template, artifact.assembly.directory, guard, work, into);
}

type StackBase = Omit<DeclaredStack, 'subjects' | 'signingConfigurations' | 'items' | 'error'>;

type Declarations = Pick<DeclaredStack, 'subjects' | 'signingConfigurations' | 'items'>;

function readTemplate(base: StackBase, template: any, directory: string, guard: GuardedAssembly, work: string, into: DeclaredStack[]): void {
  let declared: Declarations;
  let error: string | undefined;
  try {
    declared = declaredOf(base, template, work, into.length);
  } catch (e) {
    declared = { subjects: [] };
    error = `its template could not be read: ${(e as Error).message}`;
  }
  const stack: DeclaredStack = { ...base, ...declared, ...(error !== undefined ? { error } : {}) };
  into.push(stack);
  // Nested stacks: their template is a file of the assembly, checked and read by the guard.
  for (const [logicalId, resource] of Object.entries<any>(template?.Resources ?? {})) {
    const file = resource?.Type === 'AWS::CloudFormation::Stack' ? guard.nestedTemplateFile(resource, directory) : undefined;
    if (file === undefined) {
      continue;
    }
    const nested: StackBase = {
      artifactId: `${base.artifactId}/${logicalId}`,
      displayName: `${base.displayName}/${logicalId}`,
      account: base.account,
      region: base.region,
      tags: base.tags,
      parent: stack,
      logicalIdInParent: logicalId,
    };
    const read = guard.template(join(directory, file));
    if (read.error !== undefined) {
      into.push({ ...nested, subjects: [], error: `its template ${file} could not be read: ${read.error}` });
      continue;
    }
    readTemplate(nested, read.template, directory, guard, work, into);
  }
}

function declaredOf(base: StackBase, template: any, work: string, index: number): Declarations {
  const resources: Record<string, any> = template?.Resources ?? {};
  // Only templates with a resource some kind reads are loaded back (CfnInclude is the slow part).
  const modelled = Object.values(resources).some(r => typeof r?.Type === 'string' && kindOfCfnType(r.Type) !== undefined);
  if (!modelled) {
    return { subjects: [] };
  }
  const file = join(work, `${index}.template.json`);
  writeFileSync(file, JSON.stringify(foldKnown(template, base)));
  const app = new App();
  const stack = new Stack(app, 'Declared', base.account !== undefined && base.region !== undefined
    ? { env: { account: base.account, region: base.region } }
    : base.region !== undefined ? { env: { region: base.region } } : {});
  new CfnInclude(stack, 'Template', { templateFile: file });
  const model = modelFromTemplate(stack);
  const origin = (node: CfnResource) => {
    const logicalId = logicalIdOf(node);
    const path = resources[logicalId]?.Metadata?.['aws:cdk:path'];
    return { logicalId, ...(typeof path === 'string' ? { path } : {}) };
  };
  const items: DeclaredItem[] = model.items.map(i => ({ kind: i.kind, item: i.item, ...origin(i.node) }));
  const signing: DeclaredSigning[] = items.filter(i => i.kind === 'signing')
    .map(i => ({ configuration: i.item as DeclaredSigning['configuration'], logicalId: i.logicalId, ...(i.path !== undefined ? { path: i.path } : {}) }));
  return {
    subjects: model.subjects.map(s => ({ subject: s.subject, ...origin(s.node) })),
    ...(signing.length > 0 ? { signingConfigurations: signing } : {}),
    items,
  };
}

function logicalIdOf(node: CfnResource): string {
  return Stack.of(node).resolve(node.logicalId);
}

/** What a stack's environment makes known: pseudo parameters, and joins and substitutions over literals. */
export interface KnownEnvironment {
  readonly account?: string;
  readonly region?: string;
  readonly stackName?: string;
}

/**
 * Put in what the environment makes known, bottom up: `{ Ref: 'AWS::AccountId' }` and the other
 * pseudo parameters of a known environment, then `Fn::Join` of literals and `Fn::Sub` whose every
 * variable is known. Everything else is left as it is.
 */
export function foldKnown(value: unknown, env: KnownEnvironment): unknown {
  if (Array.isArray(value)) {
    return value.map(v => foldKnown(v, env));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, arg] = entries[0];
    if (key === 'Ref' && typeof arg === 'string') {
      const known = pseudo(arg, env);
      return known ?? value;
    }
    if (key === 'Fn::Join' && Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string') {
      const parts = foldKnown(arg[1], env);
      if (Array.isArray(parts) && parts.every(p => typeof p === 'string')) {
        return parts.join(arg[0]);
      }
      return { 'Fn::Join': [arg[0], parts] };
    }
    if (key === 'Fn::Sub' && typeof arg === 'string') {
      const text = arg.replace(/\$\{(AWS::[A-Za-z]+)\}/g, (whole, name: string) => pseudo(name, env) ?? whole);
      return /\$\{[^!]/.test(text) ? { 'Fn::Sub': text } : text.replace(/\$\{!/g, '${');
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, foldKnown(v, env)]));
}

function pseudo(name: string, env: KnownEnvironment): string | undefined {
  switch (name) {
    case 'AWS::AccountId': return env.account;
    case 'AWS::Region': return env.region;
    case 'AWS::Partition': return env.region !== undefined ? partitionOf(env.region) : undefined;
    case 'AWS::URLSuffix': return env.region !== undefined ? (env.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com') : undefined;
    case 'AWS::StackName': return env.stackName;
    default: return undefined;
  }
}

useAssemblyReader(readAssembly);
