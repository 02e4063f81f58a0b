import { IConstruct } from 'constructs';

/**
 * The image references the library sees being made to a repository, for the synth-time in-use
 * warnings (docs/in-use.md, "Synth warnings"). aws-cdk-lib keeps the repository and tag of
 * `ecs.EcrImage` and `lambda.EcrImageCode` in private fields, and a rendered template loses the
 * link across stacks; so references are recorded where the library receives them:
 *
 * - `PrivateRepository.repositoryUriForTag` / `repositoryUriForDigest` (which aws-cdk-lib's
 *   `ecs.ContainerImage.fromEcrRepository`, `lambda.DockerImageCode.fromEcr` and every other
 *   `repositoryUriForTagOrDigest` caller reach);
 * - `ImageCheck`, for each image it verifies (the URI the ECS, Lambda, EKS, Batch and App Runner
 *   helpers use).
 *
 * The returned URI string is the reference's identity: at synth, the repository finds the
 * constructs whose image is that very string.
 */
export interface InUseReference {
  /** The image URI handed out (usually a string with tokens); consumers are found by it. */
  readonly uri: string;

  /** The tag, for a reference by tag. */
  readonly tag?: string;

  /** The digest, for a reference by digest. */
  readonly digest?: string;

  /** How the reference was made, for messages (e.g. `repositoryUriForTag`, `ImageCheck App/Stack/Images`). */
  readonly via: string;

  /** Where the warning goes when no consumer is found (default: the repository). */
  readonly fallback?: IConstruct;

  /** Covered by an `ImageCheck` with `protectInUse`. */
  readonly protected: boolean;
}

const byRepository = new WeakMap<object, InUseReference[]>();

/** Record a reference to an image of `repository`. */
export function recordInUseReference(repository: object, reference: InUseReference): void {
  let list = byRepository.get(repository);
  if (list === undefined) {
    list = [];
    byRepository.set(repository, list);
  }
  list.push(reference);
}

/** The references recorded for `repository`, in the order they were made. */
export function inUseReferencesOf(repository: object): readonly InUseReference[] {
  return byRepository.get(repository) ?? [];
}
