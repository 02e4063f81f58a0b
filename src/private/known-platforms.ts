/**
 * The platforms an image is known to have at synth time (an `ImageCopy` of an asset built for a
 * platform, or of the platforms it names), carried from the copy's `toImageReference()` to the
 * `ImageCheck` whose integrations say where they run it: a consumer that cannot run any of them
 * fails at synth instead of at deploy.
 *
 * A leaf: image-check reads it, image-copy writes it, neither imports the other for it.
 */
export interface KnownPlatforms {
  /** The platforms, `os/arch[/variant]` in lowercase, all resolved. */
  readonly platforms: string[];
  /** Whether the image is an index (several platforms named by `platforms`): Lambda takes none. */
  readonly index: boolean;
  /** Where they come from, for the message: "the copy ImageCopy App/Copy makes of DockerImageAsset App/Asset (built for linux/arm64)". */
  readonly origin: string;
}

/** Whether one of `platforms` runs on `os` and (when given) `architecture` (variants aside). */
export function platformsFit(platforms: string[], os: string, architecture: string | undefined): boolean {
  return platforms.some(p => {
    const [pOs, pArch] = p.split('/');
    return pOs === os && (architecture === undefined || pArch === architecture);
  });
}
