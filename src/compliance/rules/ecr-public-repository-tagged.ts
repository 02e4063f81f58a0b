import { isDeployTimeValue, ResourceTag, Subject } from '../../model/settings';
import { check, NOT_APPLICABLE, RuleResult } from '../private/rule';
import { all } from '../private/values';

/**
 * Public repositories are tagged (Security Hub ECR.4): at least one tag whose key is not a
 * system tag (`aws:` prefix, which Security Hub ignores).
 *
 * In a template, tags added with `Tags.of(scope).add(...)` are applied by an aspect during
 * synthesis: they count when the pack runs as a validation plugin or after `app.synth()`.
 * @param subject the settings to check
 */
export function EcrPublicRepositoryTagged(subject: Subject): RuleResult {
  if (subject.kind !== 'publicRepository') {
    return NOT_APPLICABLE;
  }
  return check(all(subject.tags, tags => tags.some(userTag)), 'the repository has no tag other than aws: system tags');
}

function userTag(tag: ResourceTag): boolean {
  const key = tag.key;
  if (isDeployTimeValue(key)) {
    return true;
  }
  return key.length > 0 && !key.toLowerCase().startsWith('aws:');
}
