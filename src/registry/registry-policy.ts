/**
 * A source account allowed to replicate into this registry (the destination side of
 * cross-account replication).
 */
export interface ReplicationSource {
  /**
   * The account whose registry replicates into this one.
   */
  readonly account: string;

  /**
   * Allow only repositories whose names start with one of these prefixes (match the source's
   * replication rule filters).
   *
   * @default - every repository
   */
  readonly repositoryPrefixes?: string[];

  /**
   * Let the source create the destination repository when it does not exist yet
   * (`ecr:CreateRepository`). Without it, create the repositories in this registry first:
   * replication into a missing repository fails.
   *
   * @default true
   */
  readonly createRepository?: boolean;
}

/**
 * Options for `Registry.allowReplicationFromRegistry`.
 */
export interface ReplicationFromRegistryOptions {
  /**
   * Let the source create the destination repository when it does not exist yet (`ecr:CreateRepository`).
   *
   * @default true
   */
  readonly createRepository?: boolean;
}
