import { CfnResource, Stack } from 'aws-cdk-lib';
import { isUnresolved } from '../../private/tokens';
import { RuleCompliance } from '../private/rule';
import { isIntrinsic, renderedProperties } from '../private/template';

const SCANNING_TYPE = 'AWS::ECR::RegistryScanningConfiguration';

/** Resources that configure the registry itself: a stack with one of them is a registry stack. */
const REGISTRY_LEVEL_TYPES = [
  'AWS::ECR::ReplicationConfiguration',
  'AWS::ECR::RegistryPolicy',
  'AWS::ECR::PullThroughCacheRule',
  'AWS::ECR::RepositoryCreationTemplate',
];

/**
 * The registry scans every repository.
 *
 * - An `AWS::ECR::RegistryScanningConfiguration` has a rule whose repository filters include
 *   the wildcard `*` and whose frequency is `SCAN_ON_PUSH` or `CONTINUOUS_SCAN` (`MANUAL`
 *   scans nothing by itself): repositories created later by push, replication or pull-through
 *   cache are scanned too, whatever their own `ScanOnPush`.
 * - A registry-level resource (replication configuration, registry policy, pull-through cache
 *   rule, repository creation template) passes only when the app also defines a registry
 *   scanning configuration for the same account and region: whoever manages the registry
 *   manages its scanning. Plain repositories are not judged here (application stacks define
 *   repositories in registries they do not manage; `EcrScanOnPush` covers them).
 * @param node the CfnResource to check
 */
export function EcrRegistryScanning(node: CfnResource): RuleCompliance {
  const type = node.cfnResourceType;
  if (type === SCANNING_TYPE) {
    const props = renderedProperties(node);
    if (!props) {
      return RuleCompliance.NOT_APPLICABLE;
    }
    return coversEveryRepository(props) ? RuleCompliance.COMPLIANT : RuleCompliance.NON_COMPLIANT;
  }
  if (REGISTRY_LEVEL_TYPES.includes(type)) {
    return scanningConfiguredFor(node) ? RuleCompliance.COMPLIANT : RuleCompliance.NON_COMPLIANT;
  }
  return RuleCompliance.NOT_APPLICABLE;
}

function coversEveryRepository(props: Record<string, any>): boolean {
  const scanType = props.ScanType;
  const rules = props.Rules;
  if (!Array.isArray(rules) || (scanType !== 'BASIC' && scanType !== 'ENHANCED')) {
    return false;
  }
  const frequencies = scanType === 'ENHANCED' ? ['SCAN_ON_PUSH', 'CONTINUOUS_SCAN'] : ['SCAN_ON_PUSH'];
  return rules.some(rule => {
    if (typeof rule !== 'object' || rule === null || isIntrinsic(rule)) {
      return false;
    }
    const filters = rule.RepositoryFilters;
    return frequencies.includes(rule.ScanFrequency) && Array.isArray(filters)
      && filters.some((f: any) => f && f.Filter === '*' && f.FilterType === 'WILDCARD');
  });
}

function scanningConfiguredFor(node: CfnResource): boolean {
  const stack = Stack.of(node);
  return node.node.root.node.findAll().some(c => CfnResource.isCfnResource(c)
    && c.cfnResourceType === SCANNING_TYPE
    && sameEnvironment(Stack.of(c), stack));
}

function sameEnvironment(a: Stack, b: Stack): boolean {
  if (a === b) {
    return true;
  }
  // Environment-agnostic stacks (unresolved account/region) are one registry only with themselves.
  if ([a.account, a.region, b.account, b.region].some(v => isUnresolved(v))) {
    return false;
  }
  return a.account === b.account && a.region === b.region;
}

