/**
 * The EcrChecks findings of the adopted app: acknowledged one by one on the construct that has
 * them (as-is mode), with the rule pack's own mechanism (`Validations.of(scope).acknowledge`).
 */
import { Validations } from 'aws-cdk-lib';
import { BuiltApp } from './build';
import { Acknowledgement, AdoptionPlan, PlannedDeclaration } from './plan';
import { EcrChecks } from '../compliance/ecr-checks';

/** The reason of every acknowledgement of the as-is app. */
export const ADOPTED_AS_IS = 'adopted as is';

/** One finding of the adopted app, on a declaration. */
export interface AppFinding {
  readonly ruleId: string;
  readonly severity: string;
  readonly declaration: PlannedDeclaration;
}

/** Every EcrChecks finding of the built app (nothing acknowledged yet), by declaration. */
export function findingsOf(built: BuiltApp): AppFinding[] {
  const byPath = new Map<string, PlannedDeclaration>();
  for (const [d, c] of built.constructs) {
    byPath.set(c.node.path, d);
  }
  const report = new EcrChecks().validateScope(built.app);
  const found: AppFinding[] = [];
  for (const v of report.violations) {
    for (const r of v.violatingResources) {
      let path = r.constructPath ?? '';
      let d = byPath.get(path);
      while (d === undefined && path.includes('/')) {
        path = path.slice(0, path.lastIndexOf('/'));
        d = byPath.get(path);
      }
      if (d === undefined) {
        throw new Error(`adopt: an EcrChecks finding (${v.ruleName}) on ${r.constructPath}, which no declaration of the plan made`);
      }
      found.push({ ruleId: v.ruleName, severity: v.severity ?? 'error', declaration: d });
    }
  }
  return found;
}

/**
 * Acknowledge each finding on its construct (in the built app) and in the plan (for the written
 * code), with `reason`; returns the plan with the acknowledgements.
 */
export function acknowledge(plan: AdoptionPlan, built: BuiltApp, findings: readonly AppFinding[], reason: (f: AppFinding) => string): AdoptionPlan {
  const acks = new Map<PlannedDeclaration, Acknowledgement[]>();
  for (const f of findings) {
    const list = acks.get(f.declaration) ?? [];
    if (!list.some(a => a.id === f.ruleId)) {
      list.push({ id: f.ruleId, reason: reason(f) });
    }
    acks.set(f.declaration, list);
  }
  for (const [d, list] of acks) {
    list.sort((a, b) => a.id.localeCompare(b.id));
    Validations.of(built.constructs.get(d)!).acknowledge(...list.map(a => ({ id: a.id, reason: a.reason })));
  }
  const stacks = plan.stacks.map(s => ({
    ...s,
    declarations: s.declarations.map(d => {
      const list = acks.get(d);
      if (!list) {
        return d;
      }
      const updated = { ...d, acknowledgements: [...d.acknowledgements, ...list] };
      built.constructs.set(updated, built.constructs.get(d)!);
      built.constructs.delete(d);
      return updated;
    }),
  }));
  return { ...plan, stacks };
}
