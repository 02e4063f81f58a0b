import { RegistryModel, SigningRuleModel, Subject } from '../../model/settings';
import { hasTokenMarks } from '../../private/token-marks';
import { fail, NOT_APPLICABLE, PASS, Rule, RuleResult } from '../private/rule';

/**
 * Whether a managed signing filter (`WILDCARD_MATCH`) matches a repository name: the whole name,
 * `*` standing for any characters (none included, `/` included).
 * @param filter the filter as written (`prod/*`, `*-prod`, `*prod*`)
 * @param name a repository name
 */
export function signingFilterMatches(filter: string, name: string): boolean {
  const pattern = filter.split('*').map(part => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`).test(name);
}

/**
 * The opt-in rule `EcrChecks-Signing`: every repository whose name starts with one of
 * `repositoryPrefixes` is covered by a managed signing rule of its registry (same account and
 * region): a rule without repository filters, or one with a `WILDCARD_MATCH` filter matching the
 * whole name.
 *
 * - A repository whose name is not known (generated, or a token) is not judged; nor is any
 *   repository when the registry's signing configuration could not be read (a gap in the report).
 * - A prefix that is a token matches every repository (it cannot be known, so nothing escapes it).
 * - A signing rule or filter known only at deploy time covers nothing (it may not match).
 * @param repositoryPrefixes the prefixes of the repositories that must be signed
 */
export function EcrSigningCoverage(repositoryPrefixes: readonly string[]): Rule {
  return (subject: Subject, registry: RegistryModel): RuleResult => {
    if (subject.kind !== 'repository' || subject.name === undefined) {
      return NOT_APPLICABLE;
    }
    const name = subject.name;
    const prefix = repositoryPrefixes.find(p => hasTokenMarks(p) || name.startsWith(p));
    if (prefix === undefined) {
      return NOT_APPLICABLE;
    }
    if (registry.gaps.some(g => g.part === 'signing')) {
      return NOT_APPLICABLE;
    }
    const why = hasTokenMarks(prefix) ? 'a required prefix known only at deploy time' : `the required prefix "${prefix}"`;
    const configurations = registry.signingConfigurations;
    if (configurations.length === 0) {
      return fail(`repository ${name} matches ${why}, and its registry has no signing configuration (managed signing) in the same account and region`);
    }
    const rules: SigningRuleModel[] = [];
    for (const c of configurations) {
      if (c.rules === null) {
        return fail(`repository ${name} matches ${why}, and the signing rules of ${c.id} are not known before deployment`);
      }
      rules.push(...c.rules);
    }
    if (rules.some(r => covers(r, name))) {
      return PASS;
    }
    const filters = rules.flatMap(r => r.repositoryFilters.map(f => (typeof f.filter === 'string' ? f.filter : '?')));
    return fail(`repository ${name} matches ${why}, and no signing rule covers it (${rules.length === 0 ? 'no rules' : `filters: ${filters.join(', ')}`})`);
  };
}

function covers(rule: SigningRuleModel, name: string): boolean {
  if (rule.repositoryFilters.length === 0) {
    return true;
  }
  return rule.repositoryFilters.some(f => f.filterType === 'WILDCARD_MATCH' && typeof f.filter === 'string' && signingFilterMatches(f.filter, name));
}
