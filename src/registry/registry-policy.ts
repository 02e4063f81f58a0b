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

/**
 * The principals of an AWS Organization that a registry policy statement allows: every principal
 * (`Principal: *`) narrowed by an `aws:PrincipalOrgID` and/or `aws:PrincipalOrgPaths` condition.
 * Give at least one of the two.
 */
export interface OrganizationPrincipals {
  /**
   * The organization (`aws:PrincipalOrgID`, `StringEquals`), such as `o-a1b2c3d4e5`.
   *
   * @default - any organization the `organizationalUnitPaths` belong to
   */
  readonly organizationId?: string;

  /**
   * Organizational units and their children (`aws:PrincipalOrgPaths`, `ForAnyValue:StringLike` on
   * `<path>*`), such as `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/`.
   *
   * @default - the whole organization
   */
  readonly organizationalUnitPaths?: string[];
}

/**
 * Options for `Registry.allowReplicationFromOrganization`.
 */
export interface OrganizationReplicationOptions extends OrganizationPrincipals {
  /**
   * Allow only repositories whose names start with one of these prefixes.
   *
   * @default - every repository
   */
  readonly repositoryPrefixes?: string[];

  /**
   * Let the sources create the destination repository when it does not exist yet (`ecr:CreateRepository`).
   *
   * @default true
   */
  readonly createRepository?: boolean;
}

/**
 * Options for `Registry.allowPullThroughCacheFromOrganization`.
 */
export interface OrganizationPullThroughCacheOptions extends OrganizationPrincipals {
  /**
   * The repository prefixes of the pull-through cache rules the organization may use
   * (`docker-hub`, `ecr-public`...): the statement covers `repository/<prefix>/*` only.
   */
  readonly repositoryPrefixes: string[];

  /**
   * Also allow pulling the cached images (`ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`,
   * `ecr:BatchCheckLayerAvailability`) on those repositories. ECR enforces them in a registry policy
   * under the V2 registry policy scope (the default); without them, give pull access in the
   * creation template's repository policy instead.
   *
   * @default true
   */
  readonly pull?: boolean;
}
