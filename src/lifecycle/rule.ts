import { Duration } from 'aws-cdk-lib';
import { CountType, LifecycleAction, StorageClass, TagStatus } from './enums';
import { RuleSpec } from './model';
import { TagSelection } from './tag-selection';
import { isUnresolved } from '../private/tokens';

/**
 * Options every rule factory takes.
 */
export interface LifecycleRuleOptions {
  /**
   * The rule's priority: unique within the policy, lower numbers apply first.
   *
   * @default - assigned by the policy: after the highest given priority, in the order the rules are
   * listed, `tagStatus: any` rules last
   */
  readonly rulePriority?: number;

  /**
   * What the rule is for (shown in the ECR console).
   *
   * @default - a description generated from the rule, e.g. "Keep the 10 most recent images"
   */
  readonly description?: string;
}

/**
 * Options of the rule factories that take a tag selection.
 */
export interface SelectedLifecycleRuleOptions extends LifecycleRuleOptions {
  /**
   * Which images the rule selects by tag.
   *
   * @default TagSelection.any()
   */
  readonly tagSelection?: TagSelection;
}

/**
 * Properties of a lifecycle rule: the rule exactly as ECR models it.
 */
export interface LifecycleRuleProps extends SelectedLifecycleRuleOptions {
  /**
   * How the rule picks the images to act on.
   */
  readonly countType: CountType;

  /**
   * The number of images to keep (`imageCountMoreThan`) or the age in whole days
   * (`sinceImagePushed`, `sinceImagePulled`, `sinceImageTransitioned`).
   */
  readonly countNumber: number;

  /**
   * The storage class of the images the rule selects. Only `archive` with
   * `sinceImageTransitioned`, which requires it.
   *
   * @default - not rendered (ECR uses `standard`); `archive` for `sinceImageTransitioned`
   */
  readonly storageClass?: StorageClass;

  /**
   * What the rule does to the images it marks. `TRANSITION` moves them to the `archive`
   * storage class.
   *
   * @default LifecycleAction.EXPIRE
   */
  readonly action?: LifecycleAction;
}

function days(age: Duration): number {
  return isUnresolved(age) ? (age as unknown as number) : age.toDays({ integral: false });
}

function describeSelection(selection: TagSelection): string {
  switch (selection.tagStatus) {
    case TagStatus.UNTAGGED:
      return 'untagged images';
    case TagStatus.TAGGED: {
      if (selection.tagPatternList && selection.tagPatternList.length === 1 && selection.tagPatternList[0] === '*') {
        return 'tagged images';
      }
      const list = selection.tagPrefixList
        ? (selection.tagPrefixList ?? []).map(p => `${p}*`)
        : (selection.tagPatternList ?? []);
      return `images tagged ${list.join(' and ')}`;
    }
    default:
      return 'images';
  }
}

/**
 * One rule of an ECR lifecycle policy: which images it selects (by tag and storage class),
 * which of those it marks (by count or age), and what it does to them (expire or archive).
 *
 * Use the factories for the common cases, or the constructor for any rule form.
 * Rules are checked when the policy is used (`toJson`, `preview`, a repository).
 */
export class LifecycleRule {
  /**
   * Keep the `count` most recently pushed images of the selection and expire the older ones.
   */
  public static keepLast(count: number, options: SelectedLifecycleRuleOptions = {}): LifecycleRule {
    const tagSelection = options.tagSelection ?? TagSelection.any();
    return new LifecycleRule({
      description: `Keep the ${count} most recent ${describeSelection(tagSelection)}`,
      ...options,
      tagSelection,
      countType: CountType.IMAGE_COUNT_MORE_THAN,
      countNumber: count,
    });
  }

  /**
   * Expire untagged images `age` after they were pushed (whole days).
   */
  public static expireUntaggedAfter(age: Duration, options: LifecycleRuleOptions = {}): LifecycleRule {
    return new LifecycleRule({
      description: `Expire untagged images ${days(age)} days after push`,
      ...options,
      tagSelection: TagSelection.untagged(),
      countType: CountType.SINCE_IMAGE_PUSHED,
      countNumber: days(age),
    });
  }

  /**
   * Expire images of the selection `age` after they were pushed (whole days).
   */
  public static expireAfterPush(age: Duration, options: SelectedLifecycleRuleOptions = {}): LifecycleRule {
    const tagSelection = options.tagSelection ?? TagSelection.any();
    return new LifecycleRule({
      description: `Expire ${describeSelection(tagSelection)} ${days(age)} days after push`,
      ...options,
      tagSelection,
      countType: CountType.SINCE_IMAGE_PUSHED,
      countNumber: days(age),
    });
  }

  /**
   * Archive images of the selection `age` after they were pushed (whole days).
   */
  public static archiveAfterPush(age: Duration, options: SelectedLifecycleRuleOptions = {}): LifecycleRule {
    const tagSelection = options.tagSelection ?? TagSelection.any();
    return new LifecycleRule({
      description: `Archive ${describeSelection(tagSelection)} ${days(age)} days after push`,
      ...options,
      tagSelection,
      countType: CountType.SINCE_IMAGE_PUSHED,
      countNumber: days(age),
      action: LifecycleAction.TRANSITION,
    });
  }

  /**
   * Archive images of the selection that were not pulled for `age` (whole days). Images never
   * pulled count from their push; images restored from archive and not pulled since, from the restore.
   */
  public static archiveAfterNotPulled(age: Duration, options: SelectedLifecycleRuleOptions = {}): LifecycleRule {
    const tagSelection = options.tagSelection ?? TagSelection.any();
    return new LifecycleRule({
      description: `Archive ${describeSelection(tagSelection)} not pulled for ${days(age)} days`,
      ...options,
      tagSelection,
      countType: CountType.SINCE_IMAGE_PULLED,
      countNumber: days(age),
      action: LifecycleAction.TRANSITION,
    });
  }

  /**
   * Keep the `count` most recently pushed images of the selection in standard storage and
   * archive the older ones.
   */
  public static archiveAllButLast(count: number, options: SelectedLifecycleRuleOptions = {}): LifecycleRule {
    const tagSelection = options.tagSelection ?? TagSelection.any();
    return new LifecycleRule({
      description: `Archive all but the ${count} most recent ${describeSelection(tagSelection)}`,
      ...options,
      tagSelection,
      countType: CountType.IMAGE_COUNT_MORE_THAN,
      countNumber: count,
      action: LifecycleAction.TRANSITION,
    });
  }

  /**
   * Expire archived images of the selection `age` after they were archived (whole days,
   * at least 90: ECR's minimum archive storage duration).
   */
  public static expireArchivedAfter(age: Duration, options: SelectedLifecycleRuleOptions = {}): LifecycleRule {
    const tagSelection = options.tagSelection ?? TagSelection.any();
    return new LifecycleRule({
      description: `Expire archived ${describeSelection(tagSelection)} ${days(age)} days after archiving`,
      ...options,
      tagSelection,
      storageClass: StorageClass.ARCHIVE,
      countType: CountType.SINCE_IMAGE_TRANSITIONED,
      countNumber: days(age),
    });
  }

  /** @internal */
  public static _fromSpec(spec: RuleSpec): LifecycleRule {
    const rule = Object.create(LifecycleRule.prototype) as LifecycleRule;
    (rule as unknown as { spec: RuleSpec }).spec = spec;
    return rule;
  }

  private readonly spec: RuleSpec;

  constructor(props: LifecycleRuleProps) {
    const selection = props.tagSelection ?? TagSelection.any();
    const countType = props.countType;
    const age = countType !== CountType.IMAGE_COUNT_MORE_THAN;
    const action = props.action ?? LifecycleAction.EXPIRE;
    this.spec = {
      rulePriority: props.rulePriority,
      description: props.description,
      selection: {
        tagStatus: selection.tagStatus,
        tagPrefixList: selection.tagPrefixList,
        tagPatternList: selection.tagPatternList,
        storageClass: props.storageClass ?? (countType === CountType.SINCE_IMAGE_TRANSITIONED ? StorageClass.ARCHIVE : undefined),
        countType,
        countUnit: age ? 'days' : undefined,
        countNumber: props.countNumber,
      },
      action: {
        type: action,
        targetStorageClass: action === LifecycleAction.TRANSITION ? StorageClass.ARCHIVE : undefined,
      },
    };
  }

  /** The priority given to the rule, if any (a policy assigns the others). */
  public get rulePriority(): number | undefined {
    return this.spec.rulePriority;
  }

  /** The description, if any. */
  public get description(): string | undefined {
    return this.spec.description;
  }

  /** The `tagStatus` of the selection. */
  public get tagStatus(): TagStatus {
    return this.spec.selection.tagStatus;
  }

  /** The `tagPrefixList` of the selection, if any. */
  public get tagPrefixList(): string[] | undefined {
    return this.spec.selection.tagPrefixList;
  }

  /** The `tagPatternList` of the selection, if any. */
  public get tagPatternList(): string[] | undefined {
    return this.spec.selection.tagPatternList;
  }

  /** The storage class of the images the rule selects. */
  public get storageClass(): StorageClass {
    return this.spec.selection.storageClass ?? StorageClass.STANDARD;
  }

  /** How the rule picks images. */
  public get countType(): CountType {
    return this.spec.selection.countType;
  }

  /** Images to keep, or age in days. */
  public get countNumber(): number {
    return this.spec.selection.countNumber;
  }

  /** What the rule does. */
  public get action(): LifecycleAction {
    return this.spec.action.type;
  }

  /** The same rule with another priority. */
  public withPriority(rulePriority: number): LifecycleRule {
    return LifecycleRule._fromSpec({ ...this.spec, rulePriority });
  }

  /** @internal */
  public _spec(): RuleSpec {
    return this.spec;
  }
}
