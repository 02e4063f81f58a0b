/**
 * Where a replication rule copies images to.
 */
export interface ReplicationDestination {
  /**
   * The region to replicate to, e.g. `us-east-1`.
   */
  readonly region: string;

  /**
   * The account of the destination registry. Another account makes this a cross-account
   * destination: that account's registry policy must allow this account to replicate in
   * (`Registry.allowReplicationFrom` or `Registry.allowReplicationFromRegistry` in the destination's stack).
   *
   * @default - this stack's account (cross-region replication)
   */
  readonly account?: string;
}

/**
 * One replication rule: which repositories go to which destinations.
 */
export interface ReplicationRule {
  /**
   * Destinations: 1 or more, and at most 25 distinct destinations across all rules of a registry (ECR quota).
   */
  readonly destinations: ReplicationDestination[];

  /**
   * Replicate only the repositories whose names start with one of these prefixes
   * (ECR `PREFIX_MATCH` filters, 1-100 per rule, 2-256 characters each).
   *
   * @default - every repository
   */
  readonly repositoryPrefixes?: string[];
}
