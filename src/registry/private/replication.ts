import { Annotations, Lazy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { checkRegion, checkReplicationPrefix } from './shared';
import { CheckContext } from '../../private/context';
import { Violations } from '../../private/errors';
import { isKnown } from '../../private/tokens';
import { checkAccountId } from '../../private/validation';
import { ReplicationSource } from '../registry-policy';
import { ReplicationRule } from '../replication';

/** Most replication rules per registry (ECR PutReplicationConfiguration). */
const MAX_REPLICATION_RULES = 10;
/** Most distinct destinations across all rules (ECR service quota). */
const MAX_REPLICATION_DESTINATIONS = 25;
/** Most PREFIX_MATCH filters per replication rule (ECR service quota). */
export const MAX_REPLICATION_FILTERS = 100;

/**
 * A registry's replication rules and their `AWS::ECR::ReplicationConfiguration` (construct id
 * `Replication` under the registry), created with the first rule.
 */
export class RegistryReplication {
  private readonly _rules: ReplicationRule[] = [];
  private _configuration?: ecr.CfnReplicationConfiguration;

  constructor(private readonly registry: Construct, private readonly registryId: string) {}

  /** The rules added so far. */
  public get rules(): ReplicationRule[] {
    return [...this._rules];
  }

  /** The L1, once a rule exists. */
  public get configuration(): ecr.CfnReplicationConfiguration | undefined {
    return this._configuration;
  }

  /** Check one more rule against those added so far. */
  public checkAdd(v: Violations, rule: ReplicationRule): void {
    checkReplicationRules(v, Stack.of(this.registry), [rule], this._rules.length);
    checkReplicationTotals(v, [...this._rules, rule]);
  }

  /** Add a rule (checked before). */
  public add(rule: ReplicationRule): void {
    this._rules.push(rule);
    warnUnknownRegions(this.registry, rule, this._rules.length - 1);
    if (!this._configuration) {
      this._configuration = new ecr.CfnReplicationConfiguration(this.registry, 'Replication', {
        replicationConfiguration: {
          rules: Lazy.any({ produce: () => this.render() }),
        },
      });
    }
  }

  /**
   * The source a destination registry in `account` and `region` must allow, for the rules that
   * target it; undefined when none does.
   */
  public sourceFor(account: string, region: string): ReplicationSource | undefined {
    const sourceAccount = this.registryId;
    const matching = this._rules.filter(rule =>
      rule.destinations.some(d => (d.account ?? sourceAccount) === account && d.region === region));
    if (matching.length === 0) {
      return undefined;
    }
    const everything = matching.some(r => !r.repositoryPrefixes || r.repositoryPrefixes.length === 0);
    const prefixes = everything ? undefined : [...new Set(matching.flatMap(r => r.repositoryPrefixes!))].sort();
    return { account: sourceAccount, repositoryPrefixes: prefixes };
  }

  private render(): ecr.CfnReplicationConfiguration.ReplicationRuleProperty[] {
    return this._rules.map(rule => ({
      destinations: rule.destinations.map(d => ({ region: d.region, registryId: d.account ?? this.registryId })),
      repositoryFilters: rule.repositoryPrefixes && rule.repositoryPrefixes.length > 0
        ? rule.repositoryPrefixes.map(filter => ({ filter, filterType: 'PREFIX_MATCH' }))
        : undefined,
    }));
  }
}

/** The id of the warning about a destination region aws-cdk-lib does not know (acknowledge it for a new region). */
export const UNKNOWN_REGION_WARNING = 'cdk-ecr-registry:unknownReplicationRegion';

/**
 * Warn (not fail) about destination regions that aws-cdk-lib's region facts do not know: a typo such as
 * eu-west-99 passes the pattern check, but a region launched after this aws-cdk-lib release is real.
 */
function warnUnknownRegions(scope: Construct, rule: ReplicationRule, index: number): void {
  const known = new Set(RegionInfo.regions.map(r => r.name));
  for (const [k, d] of (rule.destinations ?? []).entries()) {
    if (isKnown(d.region) && !known.has(d.region)) {
      Annotations.of(scope).addWarningV2(UNKNOWN_REGION_WARNING,
        `replicationRules[${index}].destinations[${k}].region ${JSON.stringify(d.region)} is not a region aws-cdk-lib knows `
        + `(${known.size} regions): check the name; if the region is newer than this aws-cdk-lib, acknowledge this warning `
        + `(Annotations.of(registry).acknowledgeWarning('${UNKNOWN_REGION_WARNING}'))`);
    }
  }
}

/** Check replication rules numbered from `firstIndex`: destinations, not this registry itself, prefixes. */
export function checkReplicationRules(v: Violations, stack: CheckContext, rules: ReplicationRule[], firstIndex: number): void {
  for (const [j, rule] of rules.entries()) {
    const p = `replicationRules[${firstIndex + j}]`;
    const destinations = rule.destinations ?? [];
    v.check(destinations.length >= 1, `${p}.destinations`, rule.destinations, 'a replication rule needs at least 1 destination');
    for (const [k, d] of destinations.entries()) {
      const dp = `${p}.destinations[${k}]`;
      const regionOk = checkRegion(v, `${dp}.region`, d.region);
      const accountOk = checkAccountId(v, `${dp}.account`, d.account);
      const account = d.account ?? stack.account;
      if (regionOk && accountOk && isKnown(d.region) && isKnown(account) && isKnown(stack.account) && isKnown(stack.region)
        && d.region === stack.region && account === stack.account) {
        v.add(dp, d, `is this registry itself (account ${stack.account}, region ${stack.region}); replicate to another region or account`);
      }
    }
    const prefixes = rule.repositoryPrefixes ?? [];
    v.check(prefixes.length <= MAX_REPLICATION_FILTERS, `${p}.repositoryPrefixes.length`, prefixes.length,
      `at most ${MAX_REPLICATION_FILTERS} filters per replication rule (ECR quota)`);
    for (const [k, prefix] of prefixes.entries()) {
      checkReplicationPrefix(v, `${p}.repositoryPrefixes[${k}]`, prefix);
    }
  }
}

/** Check the quotas over all of a registry's rules. */
export function checkReplicationTotals(v: Violations, rules: ReplicationRule[]): void {
  v.check(rules.length <= MAX_REPLICATION_RULES, 'replicationRules.length', rules.length,
    `at most ${MAX_REPLICATION_RULES} replication rules per registry (ECR PutReplicationConfiguration)`);
  const distinct = new Set<string>();
  for (const rule of rules) {
    for (const d of rule.destinations ?? []) {
      distinct.add(`${d.account ?? '(this account)'}/${d.region}`);
    }
  }
  v.check(distinct.size <= MAX_REPLICATION_DESTINATIONS, 'replicationRules destinations', distinct.size,
    `at most ${MAX_REPLICATION_DESTINATIONS} distinct destinations across all replication rules (ECR quota)`);
}
