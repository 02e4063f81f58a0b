import { RegistryModel, RegistryScanningModel, Subject } from '../../model/settings';
import { check, NOT_APPLICABLE, PASS, RuleResult } from '../private/rule';
import { all, show } from '../private/values';

/**
 * The registry scans every repository.
 *
 * - A registry scanning configuration has a rule whose repository filters include the wildcard
 *   `*` and whose frequency is `SCAN_ON_PUSH` or (with `ENHANCED` scanning) `CONTINUOUS_SCAN`
 *   (`MANUAL` scans nothing by itself): repositories created later by push, replication or
 *   pull-through cache are scanned too, whatever their own scan on push.
 * - A registry-level setting (replication configuration, registry policy, pull-through cache
 *   rule, repository creation template) passes only when the registry also has a scanning
 *   configuration (in a template: the app defines one for the same account and region): whoever
 *   manages the registry manages its scanning. Plain repositories are not judged here
 *   (application stacks define repositories in registries they do not manage; `EcrScanOnPush`
 *   covers them).
 *
 * A `Registry` writes a scanning configuration only when given `scanning`, so a registry stack
 * that leaves scanning to Amazon Inspector, an organization's delegated administrator or another
 * app fails here until it says so: acknowledge `EcrChecks-RegistryScanning` on the `Registry`
 * with that reason (it covers every registry-level resource under it).
 * @param subject the settings to check
 * @param registry the registry the subject belongs to
 */
export function EcrRegistryScanning(subject: Subject, registry: RegistryModel): RuleResult {
  switch (subject.kind) {
    case 'registryScanning':
      return check(coversEveryRepository(subject), `scan type ${show(subject.scanType)} with ${describeRules(subject)}`);
    case 'registryPolicy':
    case 'replication':
    case 'pullThroughCacheRule':
    case 'creationTemplate':
      if (registry.scanningConfigurations.length > 0) {
        return PASS;
      }
      // A live registry always has a scanning configuration: one that could not be read is a gap, not a finding.
      if (registry.gaps.some(g => g.part === 'registryScanning')) {
        return NOT_APPLICABLE;
      }
      return check(false, 'the registry has no scanning configuration in the same account and region');
    default:
      return NOT_APPLICABLE;
  }
}

function coversEveryRepository(s: RegistryScanningModel): boolean {
  const rules = s.rules;
  if (rules === null) {
    return false;
  }
  return all(s.scanType, scanType => {
    if (scanType !== 'BASIC' && scanType !== 'ENHANCED') {
      return false;
    }
    const frequencies = scanType === 'ENHANCED' ? ['SCAN_ON_PUSH', 'CONTINUOUS_SCAN'] : ['SCAN_ON_PUSH'];
    return rules.some(rule => typeof rule.scanFrequency === 'string' && frequencies.includes(rule.scanFrequency)
      && rule.repositoryFilters.some(f => f.filter === '*' && f.filterType === 'WILDCARD'));
  });
}

function describeRules(s: RegistryScanningModel): string {
  if (s.rules === null) {
    return 'rules not known before deployment';
  }
  if (s.rules.length === 0) {
    return 'no rules';
  }
  const rules = s.rules.map(r => `${typeof r.scanFrequency === 'string' ? r.scanFrequency : '?'} for ${r.repositoryFilters.map(f => (typeof f.filter === 'string' ? f.filter : '?')).join(', ') || 'no filter'}`);
  return `rules ${rules.join('; ')}, none covering every repository ("*")`;
}
