import { CountType } from './enums';
import { LifecyclePolicy } from './policy';
import { LifecycleRule } from './rule';
import { TagSelection } from './tag-selection';
import { isUnresolved } from '../private/tokens';
import { IN_USE_TAG_PREFIX } from '../runtime/in-use-tag';

/**
 * The lifecycle side of in-use protection (docs/in-use.md).
 *
 * An `ImageCheck` with `protectInUse` tags every image its stack runs with a protection tag
 * (`in-use.<scope>.<digest hex>`). Every lifecycle policy this library renders (`PrivateRepository`,
 * repository creation templates) starts with a rule that selects those tags and never acts: a count
 * rule that keeps more images than a repository can hold. ECR's evaluation gives an image to the
 * first rule (by priority) whose selection matches it, and no lower-priority rule acts on an image
 * a higher-priority rule selected, so no other rule expires or archives a protected image.
 */
export class InUseProtection {
  /** The prefix of every protection tag (reserved: do not use it for your own tags). */
  public static readonly TAG_PREFIX = IN_USE_TAG_PREFIX;

  /**
   * The count of the protection rule: it would expire protected images only beyond this many.
   *
   * Ten times ECR's default quota of images per repository (100,000, adjustable): a repository cannot
   * hold that many protected images in practice (an image is protected only while a stack runs it).
   * ECR documents no upper bound for `countNumber`.
   */
  public static readonly RULE_COUNT = 1_000_000;

  /** The description of the protection rule (shown in the ECR console). */
  public static readonly RULE_DESCRIPTION = 'cdk-ecr-registry in-use protection: images tagged in-use.* run in a deployed stack; no lower rule acts on them';

  /**
   * The protection rule: tagged `in-use.*`, keep the newest `RULE_COUNT` (so it never acts).
   *
   * @param rulePriority its priority (the first rule of the policy)
   */
  public static rule(rulePriority: number = 1): LifecycleRule {
    return LifecycleRule.keepLast(InUseProtection.RULE_COUNT, {
      rulePriority,
      description: InUseProtection.RULE_DESCRIPTION,
      tagSelection: TagSelection.prefixes([InUseProtection.TAG_PREFIX]),
    });
  }

  /** Whether a rule is the protection rule (any priority). */
  public static isProtectionRule(rule: LifecycleRule): boolean {
    return rule.tagStatus === 'tagged'
      && rule.countType === CountType.IMAGE_COUNT_MORE_THAN
      && rule.countNumber === InUseProtection.RULE_COUNT
      && rule.storageClass === 'standard'
      && JSON.stringify(rule.tagPrefixList) === JSON.stringify([InUseProtection.TAG_PREFIX]);
  }

  /** Whether the policy's first rule is the protection rule. */
  public static isProtected(policy: LifecyclePolicy): boolean {
    return policy.rules.length > 0 && InUseProtection.isProtectionRule(policy.rules[0]);
  }

  /**
   * The policy with the protection rule first: the same policy when it already starts with it;
   * otherwise the protection rule at priority 1 and every rule of `policy` after it, in the same
   * order (when a rule has priority 1, every priority goes up by one; otherwise priorities stay).
   *
   * A policy whose priorities are unresolved tokens is returned unchanged (the protection rule cannot
   * be placed first); `canProtect` tells.
   */
  public static protect(policy: LifecyclePolicy): LifecyclePolicy {
    if (InUseProtection.isProtected(policy) || !InUseProtection.canProtect(policy)) {
      return policy;
    }
    const shift = policy.rules.some(r => r.rulePriority! <= 1) ? 1 : 0;
    return new LifecyclePolicy({
      rules: [
        InUseProtection.rule(1),
        ...policy.rules.map(r => (shift === 0 ? r : r.withPriority(r.rulePriority! + shift))),
      ],
    });
  }

  /** Whether `protect` can place the protection rule first (every priority is a number). */
  public static canProtect(policy: LifecyclePolicy): boolean {
    return policy.rules.every(r => typeof r.rulePriority === 'number' && !isUnresolved(r.rulePriority));
  }

  private constructor() {}
}
