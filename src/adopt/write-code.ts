/**
 * The plan as source code: TypeScript (the default) and Python, deterministic (the same plan, the
 * same bytes). Each declaration is one construct; props in the construct's names (snake_case in
 * Python), policy documents as JSON kept exactly (keys never renamed).
 */
import { ADOPTED_AS_IS } from './findings';
import { AdoptionPlan, PlannedDeclaration, PlannedStack } from './plan';
import { CodeExpr, CodeValue, isCodeExpr } from '../model/code';
import { kindOf } from '../model/kind-list';

/** The languages adoption writes. */
export type AdoptLanguage = 'typescript' | 'python';

interface Syntax {
  readonly str: (s: string) => string;
  readonly bool: (b: boolean) => string;
  readonly nil: string;
  /** A prop key of a struct (renamed) or of JSON (kept). */
  readonly key: (k: string, json: boolean) => string;
  readonly method: (name: string) => string;
  readonly scope: string;
}

const TS: Syntax = {
  str: s => `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`,
  bool: b => String(b),
  nil: 'null',
  key: (k, isJson) => (!isJson && /^[A-Za-z_$][\w$]*$/.test(k) ? k : TS.str(k)) + ': ',
  method: name => name,
  scope: 'stack',
};

const PY: Syntax = {
  str: s => JSON.stringify(s),
  bool: b => (b ? 'True' : 'False'),
  nil: 'None',
  // A nested struct as a dict: jsii reads a dict's keys as the struct's JavaScript names (camelCase).
  key: k => `${JSON.stringify(k)}: `,
  method: snake,
  scope: 'stack',
};

/** `imageTagMutability` -> `image_tag_mutability`. */
export function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

/** A value as code at `indent` (the indentation of the line it starts on). */
function render(v: CodeValue | unknown, syntax: Syntax, indent: string, isJson = false): string {
  if (isCodeExpr(v) && !isJson) {
    return expr(v, syntax, indent);
  }
  if (typeof v === 'string') {
    return syntax.str(v);
  }
  if (typeof v === 'number') {
    return String(v);
  }
  if (typeof v === 'boolean') {
    return syntax.bool(v);
  }
  if (v === null || v === undefined) {
    return syntax.nil;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      return '[]';
    }
    const items = v.map(x => render(x, syntax, inner, isJson));
    const flat = `[${items.join(', ')}]`;
    return flat.length <= 80 && !flat.includes('\n') ? flat : `[\n${items.map(i => `${inner}${i},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) {
    return '{}';
  }
  const items = entries.map(([k, x]) => `${syntax.key(k, isJson)}${render(x, syntax, inner, isJson)}`);
  const flat = syntax === TS ? `{ ${items.join(', ')} }` : `{${items.join(', ')}}`;
  return flat.length <= 80 && !flat.includes('\n') ? flat : `{\n${items.map(i => `${inner}${i},`).join('\n')}\n${indent}}`;
}

function expr(e: CodeExpr, syntax: Syntax, indent: string): string {
  switch (e.$) {
    case 'scope':
      return syntax.scope;
    case 'json':
      return render(e.value, syntax, indent, true);
    case 'ref':
      return qualified(e.module, e.path, syntax, false);
    case 'call':
      return `${qualified(e.module, e.path, syntax, true)}(${e.args.map(a => render(a, syntax, indent)).join(', ')})`;
  }
}

function qualified(module: string, path: readonly string[], syntax: Syntax, isCall: boolean): string {
  const names = isCall ? [...path.slice(0, -1), syntax.method(path[path.length - 1])] : [...path];
  return module === 'lib' ? names.join('.') : `${module}.${names.join('.')}`;
}

/** Every name of this library and module the plan's code uses. */
function usedNames(plan: AdoptionPlan): { modules: Set<string>; lib: Set<string> } {
  const modules = new Set<string>();
  const lib = new Set<string>(['EcrChecks']);
  const visit = (v: unknown): void => {
    if (isCodeExpr(v)) {
      if (v.$ === 'ref' || v.$ === 'call') {
        (v.module === 'lib' ? lib.add(v.path[0]) : modules.add(v.module));
        if (v.$ === 'call') {
          v.args.forEach(visit);
        }
      }
      return;
    }
    if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (v !== null && typeof v === 'object') {
      Object.values(v).forEach(visit);
    }
  };
  for (const d of plan.stacks.flatMap(s => s.declarations)) {
    (d.construct.module === 'lib' ? lib.add(d.construct.name) : modules.add(d.construct.module));
    visit(d.props);
  }
  return { modules, lib };
}

function header(plan: AdoptionPlan, compliant: boolean, comment: string): string[] {
  return [
    `${comment} Written by \`cdk-ecr-registry adopt${compliant ? ' --compliant' : ''}\` from the registry of account ${plan.account} in ${plan.region}.`,
    compliant
      ? `${comment} Every EcrChecks finding of the live registry is fixed here; adopt-changes.json lists each change a deploy makes.`
      : `${comment} Every live setting is declared as ECR answered it; each EcrChecks finding is acknowledged with the reason`,
    ...(compliant ? [] : [`${comment} "${ADOPTED_AS_IS}", and adopt-changes.json lists the changes a deploy still makes.`]),
    `${comment} Import the stacks first (ADOPTED.md, docs/adopt.md): cdk import <stack> --resource-mapping import-<stack>.json`,
  ];
}

function stackFunction(s: PlannedStack, lang: AdoptLanguage): string {
  return lang === 'typescript'
    ? s.name.charAt(0).toLowerCase() + s.name.slice(1)
    : snake(s.name);
}

function reasonCode(reason: string, syntax: Syntax): string {
  return reason === ADOPTED_AS_IS ? 'ADOPTED_AS_IS' : syntax.str(reason);
}

function tsDeclaration(d: PlannedDeclaration): string[] {
  const cls = d.construct.module === 'lib' ? d.construct.name : `${d.construct.module}.${d.construct.name}`;
  const indent = '  ';
  const props = render(d.props, TS, d.tags || d.overrides || d.retain || d.acknowledgements.length > 0 ? `${indent}  ` : indent);
  const comments = (d.comments ?? []).map(c => `${indent}// ${c}`);
  const extra: string[] = [];
  const v = d.construct.module === 'lib' ? 'repository' : 'resource';
  for (const [k, x] of d.tags ?? []) {
    extra.push(`Tags.of(${v}).add(${TS.str(k)}, ${TS.str(x)});`);
  }
  const cfn = d.construct.module === 'lib' ? `(${v}.node.defaultChild as CfnResource)` : v;
  for (const o of d.overrides ?? []) {
    extra.push(`${cfn}.addPropertyOverride(${TS.str(o.path)}, ${render(o.value, TS, `${indent}  `, true)});`);
  }
  if (d.retain) {
    extra.push(`${cfn}.applyRemovalPolicy(RemovalPolicy.RETAIN);`);
  }
  for (const a of d.acknowledgements) {
    extra.push(`Validations.of(${v}).acknowledge({ id: ${TS.str(a.id)}, reason: ${reasonCode(a.reason, TS)} });`);
  }
  if (extra.length === 0) {
    return [...comments, `${indent}new ${cls}(stack, ${TS.str(d.id)}, ${props});`];
  }
  return [
    ...comments,
    `${indent}{`,
    `${indent}  const ${v} = new ${cls}(stack, ${TS.str(d.id)}, ${props});`,
    ...extra.map(e => `${indent}  ${e}`),
    `${indent}}`,
  ];
}

/** The app as TypeScript (`app.ts`). */
export function typescriptApp(plan: AdoptionPlan, compliant: boolean): string {
  const used = usedNames(plan);
  const all = plan.stacks.flatMap(s => s.declarations);
  const cdkNames = ['App', 'Stack', 'Validations'];
  if (all.some(d => d.tags)) {
    cdkNames.push('Tags');
  }
  if (all.some(d => d.retain)) {
    cdkNames.push('RemovalPolicy');
  }
  if (all.some(d => d.overrides && d.construct.module === 'lib')) {
    cdkNames.push('CfnResource');
  }
  const lines = [
    '#!/usr/bin/env node',
    ...header(plan, compliant, '//'),
    `import { ${cdkNames.sort().join(', ')} } from 'aws-cdk-lib';`,
    ...[...used.modules].sort().map(m => `import * as ${m} from 'aws-cdk-lib/aws-${m}';`),
    `import { ${[...used.lib].sort().join(', ')} } from 'cdk-ecr-registry';`,
    '',
  ];
  if (all.some(d => d.acknowledgements.some(a => a.reason === ADOPTED_AS_IS))) {
    lines.push(`const ADOPTED_AS_IS = ${TS.str(ADOPTED_AS_IS)};`, '');
  }
  for (const s of plan.stacks) {
    lines.push(`/** Stack ${s.name}: ${summary(s)}. */`, `function ${stackFunction(s, 'typescript')}(stack: Stack): void {`);
    s.declarations.forEach((d, i) => {
      if (i > 0) {
        lines.push('');
      }
      lines.push(...tsDeclaration(d));
    });
    lines.push('}', '');
  }
  lines.push(
    'const app = new App({ analyticsReporting: false });',
    'Validations.of(app).addPlugins(new EcrChecks());',
    `const env = { account: ${TS.str(plan.account)}, region: ${TS.str(plan.region)} };`,
    ...plan.stacks.map(s => `${stackFunction(s, 'typescript')}(new Stack(app, ${TS.str(s.name)}, { env }));`),
    'app.synth();',
    '',
  );
  return lines.join('\n');
}

/** Names a variable must not take: Python's keywords and the names the written module uses. */
const PY_TAKEN = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try',
  'while', 'with', 'yield', 'app', 'cdk', 'ecr', 'env', 'kms', 'stack', 'typing',
]);

/** A construct id as a Python variable name. */
export function pythonName(id: string): string {
  const name = snake(id);
  return PY_TAKEN.has(name) ? `${name}_` : name;
}

function pyDeclaration(d: PlannedDeclaration): string[] {
  const cls = d.construct.module === 'lib' ? d.construct.name : `${d.construct.module}.${d.construct.name}`;
  const indent = '    ';
  // One name per construct (one type per name, for mypy): the construct id in snake_case.
  const v = pythonName(d.id);
  const kwargs = Object.entries(d.props).map(([k, x]) => `${indent}    ${snake(k)}=${render(x, PY, `${indent}    `)},`);
  const extra: string[] = [];
  for (const [k, x] of d.tags ?? []) {
    extra.push(`cdk.Tags.of(${v}).add(${PY.str(k)}, ${PY.str(x)})`);
  }
  const cfn = d.construct.module === 'lib' ? `typing.cast(cdk.CfnResource, ${v}.node.default_child)` : v;
  for (const o of d.overrides ?? []) {
    extra.push(`${cfn}.add_property_override(${PY.str(o.path)}, ${render(o.value, PY, indent, true)})`);
  }
  if (d.retain) {
    extra.push(`${cfn}.apply_removal_policy(cdk.RemovalPolicy.RETAIN)`);
  }
  for (const a of d.acknowledgements) {
    extra.push(`cdk.Validations.of(${v}).acknowledge(cdk.Acknowledgment(id=${PY.str(a.id)}, reason=${reasonCode(a.reason, PY)}))`);
  }
  const target = extra.length > 0 ? `${v} = ` : '';
  return [
    ...(d.comments ?? []).map(c => `${indent}# ${c}`),
    `${indent}${target}${cls}(`,
    `${indent}    stack,`,
    `${indent}    ${PY.str(d.id)},`,
    ...kwargs,
    `${indent})`,
    ...extra.map(e => `${indent}${e}`),
  ];
}

/** The app as Python (`app.py`). */
export function pythonApp(plan: AdoptionPlan, compliant: boolean): string {
  const used = usedNames(plan);
  const all = plan.stacks.flatMap(s => s.declarations);
  const lines = [
    '#!/usr/bin/env python3',
    ...header(plan, compliant, '#'),
    'import typing',
    '',
    'import aws_cdk as cdk',
    ...[...used.modules].sort().map(m => `from aws_cdk import aws_${m} as ${m}`),
    `from cdk_ecr_registry import ${[...used.lib].sort().join(', ')}`,
    '',
  ];
  if (all.some(d => d.acknowledgements.some(a => a.reason === ADOPTED_AS_IS))) {
    lines.push(`ADOPTED_AS_IS = ${PY.str(ADOPTED_AS_IS)}`, '');
  }
  for (const s of plan.stacks) {
    lines.push('', `def ${stackFunction(s, 'python')}(stack: cdk.Stack) -> None:`, `    """Stack ${s.name}: ${summary(s)}."""`);
    s.declarations.forEach(d => lines.push(...pyDeclaration(d)));
    if (s.declarations.length === 0) {
      lines.push('    pass');
    }
    lines.push('');
  }
  lines.push(
    '',
    'app = cdk.App(analytics_reporting=False)',
    'cdk.Validations.of(app).add_plugins(EcrChecks())',
    `env = cdk.Environment(account=${PY.str(plan.account)}, region=${PY.str(plan.region)})`,
    ...plan.stacks.map(s => `${stackFunction(s, 'python')}(cdk.Stack(app, ${PY.str(s.name)}, env=env))`),
    'app.synth()',
    '',
  );
  return lines.join('\n');
}

/** What a stack holds, in words (the kinds' own words). */
export function summary(s: PlannedStack): string {
  const counts = new Map<string, number>();
  for (const d of s.declarations) {
    counts.set(d.kind, (counts.get(d.kind) ?? 0) + 1);
  }
  return [...counts.entries()].map(([k, n]) => `${n} x ${kindOf(k)?.words.one ?? k}`).join(', ') || 'nothing';
}
