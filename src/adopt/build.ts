/**
 * The plan built in process, construct for construct what the written code declares: adoption
 * synthesizes this app to find the EcrChecks findings to acknowledge, the changes a deploy would
 * make (the report's drift against the registry) and the logical ids of the import mappings.
 */
import { App, CfnResource, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { AdoptionPlan, PlannedDeclaration } from './plan';
import { EcrChecks } from '../compliance/ecr-checks';
import { LifecyclePolicy } from '../lifecycle/policy';
import { CodeValue, isCodeExpr } from '../model/code';
import { PrivateRepository } from '../repository/private-repository';

/** What the written code's modules name. */
const MODULES: Record<string, any> = {
  ecr,
  kms,
  lib: { PrivateRepository, LifecyclePolicy },
};

/** The app of a plan, each declaration's construct by its path. */
export interface BuiltApp {
  readonly app: App;
  /** Construct path of each declaration's construct. */
  readonly constructs: Map<PlannedDeclaration, IConstruct>;
}

/** The props of the App the written code makes (no CDK metadata resource: `cdk import` has nothing to say about it). */
export const APP_PROPS = { analyticsReporting: false } as const;

/** Build the plan into a new App (synthesized into `outdir`), with the EcrChecks plugin when `checks`. */
export function buildApp(plan: AdoptionPlan, outdir: string, checks: boolean): BuiltApp {
  const app = new App({ outdir, ...APP_PROPS });
  if (checks) {
    Validations.of(app).addPlugins(new EcrChecks());
  }
  const env = { account: plan.account, region: plan.region };
  const constructs = new Map<PlannedDeclaration, IConstruct>();
  for (const s of plan.stacks) {
    const stack = new Stack(app, s.name, { env });
    for (const d of s.declarations) {
      constructs.set(d, declare(stack, d));
    }
  }
  return { app, constructs };
}

function declare(stack: Stack, d: PlannedDeclaration): IConstruct {
  const type = MODULES[d.construct.module]?.[d.construct.name];
  if (typeof type !== 'function') {
    throw new Error(`adopt: no construct ${d.construct.module}.${d.construct.name}`);
  }
  const props = Object.fromEntries(Object.entries(d.props).map(([k, v]) => [k, value(stack, v)]));
  const construct: Construct = new type(stack, d.id, props);
  for (const [key, tag] of d.tags ?? []) {
    Tags.of(construct).add(key, tag);
  }
  const cfn = (CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild) as CfnResource;
  for (const o of d.overrides ?? []) {
    cfn.addPropertyOverride(o.path, o.value);
  }
  if (d.retain) {
    cfn.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
  if (d.acknowledgements.length > 0) {
    Validations.of(construct).acknowledge(...d.acknowledgements.map(a => ({ id: a.id, reason: a.reason })));
  }
  return construct;
}

function value(stack: Stack, v: CodeValue): unknown {
  if (isCodeExpr(v)) {
    switch (v.$) {
      case 'scope':
        return stack;
      case 'json':
        return v.value;
      case 'ref':
        return v.path.reduce((o: any, p) => o?.[p], MODULES[v.module]);
      case 'call': {
        const owner = v.path.slice(0, -1).reduce((o: any, p) => o?.[p], MODULES[v.module]);
        return owner[v.path[v.path.length - 1]](...v.args.map(a => value(stack, a)));
      }
    }
  }
  if (Array.isArray(v)) {
    return v.map(x => value(stack, x));
  }
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(stack, x as CodeValue)]));
  }
  return v;
}
