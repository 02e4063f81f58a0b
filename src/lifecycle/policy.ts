import { Duration } from 'aws-cdk-lib';
import { hasTokens, MAX_POLICY_TEXT_LENGTH, parsePolicy, renderRule, RuleSpec, Sink, validateRules } from './model';
import { ImageDescription, LifecyclePreview, PreviewOptions } from './preview';
import { previewSpecs } from './preview-text';
import { LifecycleRule } from './rule';
import { TagSelection } from './tag-selection';
import { Violations } from '../private/errors';
import { isUnresolved } from '../private/tokens';

/**
 * Properties of a `LifecyclePolicy`.
 */
export interface LifecyclePolicyProps {
  /**
   * The rules (1-50). Rules without a priority get one after the highest given priority,
   * in the order listed, with `tagStatus: any` rules last.
   */
  readonly rules: LifecycleRule[];
}

/** The path in messages of a policy used outside any construct. */
const STANDALONE_PATH = 'LifecyclePolicy';

/**
 * An ECR lifecycle policy: typed rules, checked against ECR's documented rules, rendered to the
 * exact policy text, and previewable locally against a list of images.
 *
 * Problems are reported when the policy is used: `toJson()`, `preview()` and `fromJson()` throw
 * one error listing every violation, prefixed with `LifecyclePolicy` (or `LifecyclePolicy.fromJson`);
 * a repository that takes the policy reports them under its own construct path.
 */
export class LifecyclePolicy {
  /** Days after push at which the default policy (`repositoryDefault()`) expires untagged images. */
  public static readonly DEFAULT_UNTAGGED_EXPIRY_DAYS = 14;

  /** How many tagged images the default policy (`repositoryDefault()`) keeps. */
  public static readonly DEFAULT_TAGGED_IMAGES_KEPT = 1000;

  /**
   * Parse and check an existing policy text (for example a hand-written `policy.json`).
   *
   * Throws one error listing every problem: text that is not JSON, not a policy, unknown keys,
   * or rules that break ECR's rules.
   */
  public static fromJson(text: string): LifecyclePolicy {
    const v = new Violations(`${STANDALONE_PATH}.fromJson`);
    const specs = parsePolicy(text, v);
    if (specs !== undefined && v.empty) {
      validateRules(specs, v);
    }
    v.throwIfAny();
    return new LifecyclePolicy({ rules: specs!.map(s => LifecycleRule._fromSpec(s)) });
  }

  /**
   * The policy repositories and creation templates get by default: expire untagged images
   * `DEFAULT_UNTAGGED_EXPIRY_DAYS` (14) days after push (rule 1) and keep the
   * `DEFAULT_TAGGED_IMAGES_KEPT` (1,000) most recently pushed tagged images (rule 2).
   */
  public static repositoryDefault(): LifecyclePolicy {
    return new LifecyclePolicy({
      rules: [
        LifecycleRule.expireUntaggedAfter(Duration.days(LifecyclePolicy.DEFAULT_UNTAGGED_EXPIRY_DAYS), { rulePriority: 1 }),
        LifecycleRule.keepLast(LifecyclePolicy.DEFAULT_TAGGED_IMAGES_KEPT, { rulePriority: 2, tagSelection: TagSelection.anyTag() }),
      ],
    });
  }

  /** The rules with their priorities (given or assigned), by priority. */
  public readonly rules: LifecycleRule[];

  /** The rules with their priorities, in the order given (messages name rules by this index). */
  private readonly listed: LifecycleRule[];

  constructor(props: LifecyclePolicyProps) {
    this.listed = assignPriorities(props.rules ?? []);
    const key = (r: LifecycleRule) => (typeof r.rulePriority === 'number' && !isUnresolved(r.rulePriority) ? r.rulePriority : Number.MAX_SAFE_INTEGER);
    this.rules = this.listed
      .map((r, i) => ({ r, i }))
      .sort((a, b) => key(a.r) - key(b.r) || a.i - b.i)
      .map(x => x.r);
  }

  /**
   * The policy text, exactly as ECR and CloudFormation receive it: compact JSON, rules by
   * priority, keys in a fixed order (`rulePriority`, `description`, `selection` {`tagStatus`,
   * `tagPrefixList`|`tagPatternList`, `storageClass`, `countType`, `countNumber`, `countUnit`},
   * `action` {`type`, `targetStorageClass`}). The same policy always renders the same text.
   *
   * Throws when the policy breaks ECR's rules.
   */
  public toJson(): string {
    this.check(STANDALONE_PATH);
    return this.render();
  }

  /**
   * What the policy would do to these images now (or at `options.now`), with ECR's documented
   * evaluation: rules apply lowest priority first, an image is acted on by at most one rule, an
   * image selected by a rule is never acted on by a lower-priority rule, count rules keep the
   * newest N by push time.
   *
   * Handles tens of thousands of images in milliseconds.
   */
  public preview(images: ImageDescription[], options: PreviewOptions = {}): LifecyclePreview {
    this.check(STANDALONE_PATH);
    return previewSpecs(this.specs(), images, options);
  }

  /**
   * The violations of this policy as messages prefixed with `path` (empty when valid).
   * For a construct, pass its path; `node.addValidation` can return these.
   */
  public validate(path: string = STANDALONE_PATH): string[] {
    const v = new Violations(path);
    this._collect(v);
    return v.messages();
  }

  /**
   * Record the violations in a collector (a construct's, so messages carry its path),
   * each property name prefixed with `prefix` (e.g. `lifecyclePolicy `).
   * @internal
   */
  public _collect(collector: Violations, prefix: string = ''): void {
    const v: Sink = prefix ? { add: (p, value, allowed) => collector.add(`${prefix}${p}`, value, allowed) } : collector;
    const specs = this.listed.map(r => r._spec());
    validateRules(specs, v);
    if (!specs.some(hasTokens)) {
      const length = this.render().length;
      if (length > MAX_POLICY_TEXT_LENGTH) {
        v.add('lifecycle policy text length', length, `must be at most ${MAX_POLICY_TEXT_LENGTH} characters (ECR's limit for lifecycle policy text)`);
      }
    }
  }

  /**
   * The policy as a JSON-ready object (keys in the rendering order); may contain tokens.
   * @internal
   */
  public _renderObject(): Record<string, unknown> {
    return { rules: this.specs().map(renderRule) };
  }

  /**
   * Whether any rule value is an unresolved token (render with `Stack.toJsonString` then).
   * @internal
   */
  public _hasTokens(): boolean {
    return this.specs().some(hasTokens);
  }

  private specs(): RuleSpec[] {
    return this.rules.map(r => r._spec());
  }

  private render(): string {
    return JSON.stringify(this._renderObject());
  }

  private check(path: string): void {
    const v = new Violations(path);
    this._collect(v);
    v.throwIfAny();
  }
}

/**
 * Give rules without a priority one after the highest given priority, in order, `any` rules last.
 */
function assignPriorities(rules: LifecycleRule[]): LifecycleRule[] {
  const given = rules
    .map(r => r.rulePriority)
    .filter((p): p is number => typeof p === 'number' && !isUnresolved(p) && Number.isFinite(p));
  let next = (given.length > 0 ? Math.max(0, ...given.map(Math.floor)) : 0) + 1;
  const unprioritized = rules.filter(r => r.rulePriority === undefined);
  const ordered = [
    ...unprioritized.filter(r => r.tagStatus !== 'any'),
    ...unprioritized.filter(r => r.tagStatus === 'any'),
  ];
  const assigned = new Map<LifecycleRule, LifecycleRule>();
  for (const r of ordered) {
    assigned.set(r, r.withPriority(next++));
  }
  return rules.map(r => assigned.get(r) ?? r);
}
