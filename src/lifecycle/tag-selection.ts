import { TagStatus } from './enums';

/**
 * Which images a lifecycle rule selects by tag: tagged images (by tag prefixes or by
 * wildcard patterns), untagged images, or any image.
 *
 * With several prefixes or patterns, an image is selected only when every one of them is
 * matched by at least one of its tags.
 */
export class TagSelection {
  /** Every image, tagged or not (`tagStatus: any`). */
  public static any(): TagSelection {
    return new TagSelection(TagStatus.ANY);
  }

  /** Images without tags (`tagStatus: untagged`). */
  public static untagged(): TagSelection {
    return new TagSelection(TagStatus.UNTAGGED);
  }

  /**
   * Tagged images with a tag starting with each of the prefixes (`tagPrefixList`).
   *
   * @param prefixes one or more tag prefixes, for example `['prod']`
   */
  public static prefixes(prefixes: string[]): TagSelection {
    return new TagSelection(TagStatus.TAGGED, [...prefixes], undefined);
  }

  /**
   * Tagged images with a tag matching each of the wildcard patterns (`tagPatternList`).
   * `*` matches any run of characters (at most 4 per pattern); `['*']` selects every tagged image.
   *
   * @param patterns one or more patterns, for example `['prod*']` or `['*-rc*']`
   */
  public static patterns(patterns: string[]): TagSelection {
    return new TagSelection(TagStatus.TAGGED, undefined, [...patterns]);
  }

  /**
   * Every tagged image (`tagPatternList: ["*"]`).
   */
  public static anyTag(): TagSelection {
    return TagSelection.patterns(['*']);
  }

  private constructor(
    /** The `tagStatus` rendered into the rule. */
    public readonly tagStatus: TagStatus,
    /** The `tagPrefixList`, for prefix selections. */
    public readonly tagPrefixList?: string[],
    /** The `tagPatternList`, for pattern selections. */
    public readonly tagPatternList?: string[],
  ) {}
}
