import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { SCANNING_FILTER_PATTERN } from './shared';
import { Violations } from '../../private/errors';
import { checkEnum, checkLength, checkPattern } from '../../private/validation';
import { RegistryScanning, ScanFrequency, ScanType } from '../scanning';

/** Most scanning rules (CloudFormation schema). */
const MAX_SCANNING_RULES = 2;
/** Most WILDCARD filters per scanning rule (CloudFormation schema). */
const MAX_SCANNING_FILTERS = 100;

/**
 * The registry's `AWS::ECR::RegistryScanningConfiguration` (construct id `Scanning` under the registry),
 * or undefined when scanning is unmanaged.
 */
export function createScanningConfiguration(
  registry: Construct, scanning: RegistryScanning,
): ecr.CfnRegistryScanningConfiguration | undefined {
  if (scanning.scanType === undefined) {
    return undefined;
  }
  return new ecr.CfnRegistryScanningConfiguration(registry, 'Scanning', {
    scanType: scanning.scanType,
    rules: scanning.rules.map(r => ({
      scanFrequency: r.frequency,
      repositoryFilters: (r.repositoryFilters ?? ['*']).map(filter => ({ filter, filterType: 'WILDCARD' })),
    })),
  });
}

/** Check a scanning configuration: rule count, frequencies against the scan type, filters. */
export function checkScanning(v: Violations, scanning: RegistryScanning): void {
  if (scanning.scanType === undefined) {
    return;
  }
  const rules = scanning.rules;
  v.check(rules.length <= MAX_SCANNING_RULES, 'scanning.rules.length', rules.length,
    `at most ${MAX_SCANNING_RULES} scanning rules (one SCAN_ON_PUSH, one CONTINUOUS_SCAN)`);
  const seen = new Set<ScanFrequency>();
  for (const [i, rule] of rules.entries()) {
    const p = `scanning.rules[${i}]`;
    const known = checkEnum(v, `${p}.frequency`, rule.frequency, ScanFrequency, 'ScanFrequency');
    if (known && rule.frequency === ScanFrequency.MANUAL) {
      v.add(`${p}.frequency`, rule.frequency,
        'MANUAL is what ECR applies to repositories no rule matches, and CloudFormation accepts only SCAN_ON_PUSH and CONTINUOUS_SCAN in a rule; leave those repositories out of the other rules');
    } else if (known && rule.frequency === ScanFrequency.CONTINUOUS_SCAN && scanning.scanType === ScanType.BASIC) {
      v.add(`${p}.frequency`, rule.frequency, 'basic scanning supports only SCAN_ON_PUSH; use RegistryScanning.enhanced() for continuous scanning');
    } else if (seen.has(rule.frequency)) {
      v.add(`${p}.frequency`, rule.frequency, 'one rule per frequency: put all its filters in one rule');
    }
    seen.add(rule.frequency);
    const filters = rule.repositoryFilters ?? ['*'];
    v.check(filters.length >= 1 && filters.length <= MAX_SCANNING_FILTERS, `${p}.repositoryFilters.length`, filters.length,
      `must have 1-${MAX_SCANNING_FILTERS} filters`);
    for (const [k, f] of filters.entries()) {
      const fp = `${p}.repositoryFilters[${k}]`;
      if (checkLength(v, fp, f, 1, 255)) {
        checkPattern(v, fp, f, SCANNING_FILTER_PATTERN,
          'must be a repository name pattern: lowercase letters, digits, \'.\', \'_\', \'-\', \'/\' and \'*\' wildcards');
      }
    }
  }
}
