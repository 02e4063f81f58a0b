/**
 * `adopt --compliant`: each EcrChecks finding of the adopted app fixed in its declaration, the
 * smallest change that makes the rule pass (each one is a change of `adopt-changes.json`, with
 * this why). What cannot be fixed without losing data is acknowledged with the reason instead
 * (encryption: changing it replaces the repository).
 */
import { AppFinding } from './findings';
import { Acknowledgement, AdoptionPlan, PlannedDeclaration } from './plan';
import { PULL_ACTIONS, REGISTRY_POLICY_V2_ALLOWED_ACTIONS } from '../compliance/private/policy';
import { RuleCompliance, RuleResult } from '../compliance/private/rule';
import { EcrCrossAccountWildcard, EcrOpenAccess, EcrRegistryPolicyActions } from '../compliance/rules';
import { LifecyclePolicy } from '../lifecycle/policy';
import { call, CodeValue, isCodeExpr, json, ref } from '../model/code';
import { PolicyStatement, RegistryModel, Subject } from '../model/settings';

/** Why a finding is acknowledged instead of fixed. */
export const ENCRYPTION_KEPT = 'not fixed by adopt --compliant: changing a repository\'s encryption replaces it (its images are deleted); copy the images to a repository with a customer managed key';

/** A change's why, by `kind|key|property` (the drift entry's resource, name and property). */
export type Whys = Map<string, string>;

export function whyKey(resource: string, name: string | null | undefined, property: string | null | undefined): string {
  return `${resource}|${name ?? ''}|${property ?? ''}`;
}

interface Draft {
  props: Record<string, CodeValue>;
  overrides: { path: string; value: unknown }[];
  acknowledgements: Acknowledgement[];
}

/** The plan with every finding fixed (or acknowledged with why not), and the why of each change. */
export function fixFindings(plan: AdoptionPlan, findings: readonly AppFinding[], model: RegistryModel): { plan: AdoptionPlan; whys: Whys } {
  const whys: Whys = new Map();
  const drafts = new Map<PlannedDeclaration, Draft>();
  const all = plan.stacks.flatMap(s => s.declarations);
  const draftOf = (d: PlannedDeclaration): Draft => {
    let draft = drafts.get(d);
    if (!draft) {
      draft = { props: { ...d.props }, overrides: [...(d.overrides ?? [])], acknowledgements: [...d.acknowledgements] };
      drafts.set(d, draft);
    }
    return draft;
  };
  const why = (d: PlannedDeclaration, property: string, text: string) => whys.set(whyKey(d.kind, d.key, property), text);
  const acknowledge = (d: PlannedDeclaration, id: string, reason: string) => {
    const draft = draftOf(d);
    if (!draft.acknowledgements.some(a => a.id === id)) {
      draft.acknowledgements.push({ id, reason });
    }
  };

  for (const f of findings) {
    const d = f.declaration;
    const rule = f.ruleId.replace(/^EcrChecks-/, '');
    const draft = draftOf(d);
    switch (rule) {
      case 'ECR1':
        draft.props.imageScanOnPush = true;
        why(d, 'scanOnPush', 'EcrChecks-ECR1 (Security Hub ECR.1): scan on push switched on');
        break;
      case 'ECR2':
        if (d.kind === 'repository') {
          draft.props.imageTagMutability = ref('ecr', 'TagMutability', 'IMMUTABLE');
          delete draft.props.imageTagMutabilityExclusionFilters;
          draft.overrides = draft.overrides.filter(o => o.path !== 'ImageTagMutabilityExclusionFilters');
          why(d, 'tagMutability', 'EcrChecks-ECR2 (Security Hub ECR.2): tags made IMMUTABLE, without exclusions');
          why(d, 'tagMutabilityExclusionFilters', 'EcrChecks-ECR2 (Security Hub ECR.2): IMMUTABLE exactly, so no tag is exempt');
        }
        break;
      case 'ECR3':
        delete draft.props.lifecycleRules;
        draft.overrides = draft.overrides.filter(o => o.path !== 'LifecyclePolicy.LifecyclePolicyText');
        draft.props.lifecyclePolicy = call('lib', ['LifecyclePolicy', 'repositoryDefault']);
        why(d, 'lifecyclePolicy', 'EcrChecks-ECR3 (Security Hub ECR.3): the library\'s default lifecycle policy (expire untagged images after 14 days, keep the newest 1,000 tagged ones), after its in-use protection rule');
        break;
      case 'ECR5':
        acknowledge(d, f.ruleId, ENCRYPTION_KEPT);
        break;
      case 'OpenAccess':
      case 'CrossAccountWildcard':
      case 'RegistryPolicyActions':
        if (!fixPolicy(d, draft, model, why)) {
          acknowledge(d, f.ruleId, 'not fixed by adopt --compliant: every statement of the registry policy breaks the rule, and ECR takes no registry policy without one; delete the registry policy, or fix it by hand');
        }
        break;
      case 'RegistryScanning': {
        const scanning = all.find(x => x.kind === 'registryScanning');
        if (!scanning) {
          acknowledge(d, f.ruleId, 'not fixed by adopt --compliant: the registry scanning configuration could not be read, and writing one would replace it');
          break;
        }
        const s = draftOf(scanning);
        const rules = Array.isArray(s.props.rules) ? s.props.rules as CodeValue[] : [];
        if (!rules.some(r => JSON.stringify(r).includes('"filter":"*"'))) {
          s.props.rules = [...rules, { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }];
          why(scanning, 'rules', 'EcrChecks-RegistryScanning: a SCAN_ON_PUSH rule for every repository ("*"), so the repositories ECR creates are scanned too');
        }
        break;
      }
      case 'CreationTemplate':
        draft.props.imageTagMutability = 'IMMUTABLE';
        delete draft.props.imageTagMutabilityExclusionFilters;
        why(d, 'tagMutability', 'EcrChecks-CreationTemplate: created repositories get IMMUTABLE tags');
        if (typeof draft.props.lifecyclePolicy !== 'string') {
          draft.props.lifecyclePolicy = LifecyclePolicy.repositoryDefault().toJson();
          why(d, 'lifecyclePolicy', 'EcrChecks-CreationTemplate: created repositories get the library\'s default lifecycle policy');
        }
        break;
      default:
        acknowledge(d, f.ruleId, 'not fixed by adopt --compliant: no fix is known for this rule');
    }
  }
  const stacks = plan.stacks.map(s => ({
    ...s,
    declarations: s.declarations.map(d => {
      const draft = drafts.get(d);
      if (!draft) {
        return d;
      }
      const { overrides: _o, ...rest } = d;
      return {
        ...rest,
        props: draft.props,
        ...(draft.overrides.length > 0 ? { overrides: draft.overrides } : {}),
        acknowledgements: draft.acknowledgements,
      };
    }),
  }));
  return { plan: { ...plan, stacks }, whys };
}

/** The policy document a declaration holds, where it holds it. */
function policyOf(d: PlannedDeclaration, draft: Draft): { doc: any; put: (doc: any | undefined) => void; property: string } | undefined {
  if (d.kind === 'repository') {
    const o = draft.overrides.find(x => x.path === 'RepositoryPolicyText');
    return o && {
      doc: o.value,
      property: 'repositoryPolicy',
      put: doc => {
        draft.overrides = draft.overrides.filter(x => x.path !== 'RepositoryPolicyText');
        if (doc !== undefined) {
          draft.overrides.push({ path: 'RepositoryPolicyText', value: doc });
        }
      },
    };
  }
  if (d.kind === 'registryPolicy') {
    const v = draft.props.policyText;
    return isCodeExpr(v) && v.$ === 'json' ? { doc: v.value, property: 'policy', put: doc => { draft.props.policyText = json(doc); } } : undefined;
  }
  if (d.kind === 'creationTemplate' && typeof draft.props.repositoryPolicy === 'string') {
    return {
      doc: JSON.parse(draft.props.repositoryPolicy),
      property: 'repositoryPolicy',
      put: doc => {
        if (doc === undefined) {
          delete draft.props.repositoryPolicy;
        } else {
          draft.props.repositoryPolicy = JSON.stringify(doc);
        }
      },
    };
  }
  return undefined;
}

const passes = (r: RuleResult) => r.compliance !== RuleCompliance.NON_COMPLIANT;

/**
 * Every statement of the policy through the policy rules: a statement that grants wildcard or
 * other actions gets the named actions the rules allow; one still open (or with nothing left) is
 * dropped. `false` when a registry policy would be left with no statement.
 */
function fixPolicy(
  d: PlannedDeclaration, draft: Draft, model: RegistryModel, why: (d: PlannedDeclaration, property: string, text: string) => void,
): boolean {
  const policy = policyOf(d, draft);
  if (!policy) {
    return true;
  }
  const kind = d.kind as 'repository' | 'registryPolicy' | 'creationTemplate';
  const ok = (s: PolicyStatement) => {
    const subject = { kind, id: '', policyStatements: [s] } as unknown as Subject;
    return passes(EcrOpenAccess(subject)) && passes(EcrCrossAccountWildcard(subject, model)) && passes(EcrRegistryPolicyActions(subject));
  };
  const statement = policy.doc?.Statement;
  const statements: PolicyStatement[] = Array.isArray(statement) ? statement : statement ? [statement] : [];
  const kept: PolicyStatement[] = [];
  const changed: string[] = [];
  const dropped: string[] = [];
  const allowed = kind === 'registryPolicy' ? REGISTRY_POLICY_V2_ALLOWED_ACTIONS : PULL_ACTIONS;
  statements.forEach((s, i) => {
    const name = typeof s.Sid === 'string' && s.Sid !== '' ? `"${s.Sid}"` : `#${i + 1}`;
    if (ok(s)) {
      kept.push(s);
      return;
    }
    const actions = (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a): a is string => typeof a === 'string');
    const named = kind === 'registryPolicy'
      ? actions.filter(a => allowed.some(x => x.toLowerCase() === a.toLowerCase()))
      : [...allowed];
    const { NotAction: _n, ...rest } = s as Record<string, unknown>;
    const narrowed = { ...rest, Action: named } as PolicyStatement;
    if (named.length > 0 && ok(narrowed)) {
      kept.push(narrowed);
      changed.push(name);
    } else {
      dropped.push(name);
    }
  });
  if (kept.length === 0 && d.kind === 'registryPolicy') {
    return false;
  }
  policy.put(kept.length === 0 ? undefined : { ...policy.doc, Statement: kept });
  const words = [
    changed.length > 0 ? `statement${changed.length === 1 ? '' : 's'} ${changed.join(', ')} narrowed to the named actions ${allowed.join(', ')}` : '',
    dropped.length > 0 ? `statement${dropped.length === 1 ? '' : 's'} ${dropped.join(', ')} removed (open to any principal without an organization or source condition, or nothing left to allow)` : '',
  ].filter(w => w !== '').join('; ');
  why(d, policy.property, `EcrChecks-OpenAccess, CrossAccountWildcard and RegistryPolicyActions: ${words}`);
  return true;
}
