import { Aws, IResource, Resource, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CheckContext, contextOf } from '../private/context';
import { pathOf, Violations } from '../private/errors';
import {
  checkNamespacePrefix, checkRegion, PULL_THROUGH_CACHE_SECRET_PREFIX, repositoryArnForPrefix,
} from './private/shared';
import { RegistryStackState } from './private/stack-state';
import { isKnown, isUnresolved } from '../private/tokens';
import { checkAccountId, checkPattern } from '../private/validation';

/**
 * Another private ECR registry as a pull-through cache upstream (cross-region, cross-account or both).
 */
export interface EcrUpstreamProps {
  /**
   * The account of the upstream registry.
   */
  readonly account: string;

  /**
   * The region of the upstream registry.
   */
  readonly region: string;

  /**
   * The role ECR assumes to pull from the upstream registry. It must trust
   * `pullthroughcache.ecr.amazonaws.com` and live in this registry's account. The upstream
   * registry must also allow this account to pull (its registry or repository policy).
   *
   * @default - for an upstream in another account, a role is created with that trust and with
   * pull permissions on the upstream repositories and import permissions on the cache repositories;
   * for an upstream in this account, none (ECR uses its service-linked role)
   */
  readonly role?: iam.IRole;

  /**
   * Cache only the upstream repositories under this namespace (2-30 characters, or `ROOT`).
   *
   * @default 'ROOT' - every upstream repository
   */
  readonly upstreamRepositoryPrefix?: string;
}

/**
 * An upstream registry that a pull-through cache rule caches images from.
 *
 * Upstreams that need credentials take a Secrets Manager secret whose name starts with
 * `ecr-pullthroughcache/`, in the same account and region as the rule.
 */
export class UpstreamRegistry {
  /** Amazon ECR Public (`public.ecr.aws`); no credentials. Default prefix `ecr-public`. */
  public static ecrPublic(): UpstreamRegistry {
    return new UpstreamRegistry('ecr-public', 'public.ecr.aws', 'ecr-public', false);
  }

  /** The Kubernetes container image registry (`registry.k8s.io`); no credentials. Default prefix `kubernetes`. */
  public static kubernetes(): UpstreamRegistry {
    return new UpstreamRegistry('k8s', 'registry.k8s.io', 'kubernetes', false);
  }

  /** Quay (`quay.io`); no credentials. Default prefix `quay`. */
  public static quay(): UpstreamRegistry {
    return new UpstreamRegistry('quay', 'quay.io', 'quay', false);
  }

  /** Docker Hub (`registry-1.docker.io`); needs credentials. Default prefix `docker-hub`. */
  public static dockerHub(credentials: secretsmanager.ISecret): UpstreamRegistry {
    return new UpstreamRegistry('docker-hub', 'registry-1.docker.io', 'docker-hub', true, credentials);
  }

  /** GitHub Container Registry (`ghcr.io`); needs credentials. Default prefix `github`. */
  public static githubContainerRegistry(credentials: secretsmanager.ISecret): UpstreamRegistry {
    return new UpstreamRegistry('github-container-registry', 'ghcr.io', 'github', true, credentials);
  }

  /** GitLab Container Registry (`registry.gitlab.com`, GitLab SaaS only); needs credentials. Default prefix `gitlab`. */
  public static gitLabContainerRegistry(credentials: secretsmanager.ISecret): UpstreamRegistry {
    return new UpstreamRegistry('gitlab-container-registry', 'registry.gitlab.com', 'gitlab', true, credentials);
  }

  /**
   * A Microsoft Azure Container Registry (`<registryName>.azurecr.io`); needs credentials. Default prefix `azure`.
   *
   * @param registryName the Azure registry name (5-50 letters and digits)
   */
  public static azureContainerRegistry(registryName: string, credentials: secretsmanager.ISecret): UpstreamRegistry {
    return new UpstreamRegistry('azure-container-registry', `${registryName}.azurecr.io`, 'azure', true, credentials, undefined, registryName);
  }

  /** The Chainguard registry (`cgr.dev`); needs credentials. Default prefix `chainguard`. */
  public static chainguard(credentials: secretsmanager.ISecret): UpstreamRegistry {
    return new UpstreamRegistry('chainguard', 'cgr.dev', 'chainguard', true, credentials);
  }

  /** Another private ECR registry (cross-region and/or cross-account). Default prefix `ecr`. */
  public static ecr(props: EcrUpstreamProps): UpstreamRegistry {
    const region = props.region;
    const suffix = isUnresolved(region) ? Aws.URL_SUFFIX : region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    return new UpstreamRegistry('ecr', `${props.account}.dkr.ecr.${region}.${suffix}`, 'ecr', false, undefined, props);
  }

  /** The `UpstreamRegistry` value of `AWS::ECR::PullThroughCacheRule` (e.g. `docker-hub`). */
  public readonly registryType: string;

  /** The upstream registry URL (e.g. `registry-1.docker.io`). */
  public readonly registryUrl: string;

  /** The repository prefix used when a rule does not set one. */
  public readonly defaultRepositoryPrefix: string;

  /** Whether the upstream needs a credentials secret. */
  public readonly requiresCredentials: boolean;

  /** The credentials secret, if any. */
  public readonly credentials?: secretsmanager.ISecret;

  /** The upstream ECR registry, for `UpstreamRegistry.ecr`. */
  public readonly ecrUpstream?: EcrUpstreamProps;

  /** The Azure registry name, for `UpstreamRegistry.azureContainerRegistry`. */
  public readonly azureRegistryName?: string;

  private constructor(
    upstreamRegistry: string,
    registryUrl: string,
    defaultRepositoryPrefix: string,
    requiresCredentials: boolean,
    credentials?: secretsmanager.ISecret,
    ecrUpstream?: EcrUpstreamProps,
    azureRegistryName?: string,
  ) {
    this.registryType = upstreamRegistry;
    this.registryUrl = registryUrl;
    this.defaultRepositoryPrefix = defaultRepositoryPrefix;
    this.requiresCredentials = requiresCredentials;
    this.credentials = credentials;
    this.ecrUpstream = ecrUpstream;
    this.azureRegistryName = azureRegistryName;
  }
}

/**
 * Options of a pull-through cache rule added to a `Registry`.
 */
export interface PullThroughCacheRuleOptions {
  /**
   * The upstream registry.
   */
  readonly upstream: UpstreamRegistry;

  /**
   * The namespace of the cache repositories in this registry (2-30 characters, lowercase, or `ROOT`
   * for no namespace). Images are pulled as `<registry>/<prefix>/<upstream repository>:<tag>`.
   *
   * @default - the upstream's usual prefix: `ecr-public`, `kubernetes`, `quay`, `docker-hub`, `github`,
   * `gitlab`, `azure`, `chainguard` or `ecr`
   */
  readonly repositoryPrefix?: string;
}

/**
 * Properties of a `PullThroughCacheRule`.
 */
export interface PullThroughCacheRuleProps extends PullThroughCacheRuleOptions {}

/** Most pull-through cache rules per registry (ECR quota). */
const MAX_RULES = 50;

/** What a principal needs to pull an image through the cache. */
const PULL_THROUGH_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:BatchImportUpstreamImage',
  'ecr:CreateRepository',
  'ecr:GetDownloadUrlForLayer',
];

/** What the ECR-to-ECR role does on the cache repositories (the documented policy, scoped). */
const ECR_UPSTREAM_DOWNSTREAM_ACTIONS = [
  'ecr:BatchImportUpstreamImage',
  'ecr:CompleteLayerUpload',
  'ecr:GetImageCopyStatus',
  'ecr:InitiateLayerUpload',
  'ecr:PutImage',
  'ecr:UploadLayerPart',
];

/** What the ECR-to-ECR role reads from the upstream repositories. */
const ECR_UPSTREAM_PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/**
 * A pull-through cache rule, owned by this app (`PullThroughCacheRule`) or imported by its prefix
 * (`PullThroughCacheRule.fromRepositoryPrefix`).
 */
export interface IPullThroughCacheRule extends IResource {
  /**
   * The namespace of the cache repositories in the registry (`ROOT` for none).
   *
   * @attribute
   */
  readonly repositoryPrefix: string;

  /**
   * The ARN pattern of the repositories this rule creates in the registry.
   */
  readonly repositoryArnPattern: string;

  /**
   * The URI to pull an upstream repository through the cache, e.g.
   * `repositoryUri('library/nginx')` for Docker Hub's nginx. Append `:tag` or `@digest`.
   */
  repositoryUri(upstreamRepository: string): string;

  /**
   * Grant a principal what it needs to pull images through this cache: `ecr:GetAuthorizationToken`,
   * the pull actions, `ecr:BatchImportUpstreamImage` (first pull of an image) and
   * `ecr:CreateRepository` (first pull of a repository), on this rule's repositories only.
   */
  grantPullThroughCache(grantee: iam.IGrantable): iam.Grant;
}

/**
 * What every pull-through cache rule offers, owned or imported: URIs, the repository ARN pattern and
 * the pull-through grant, all derived from the prefix and the registry (the stack's account and region).
 */
export abstract class PullThroughCacheRuleBase extends Resource implements IPullThroughCacheRule {
  /** The namespace of the cache repositories in the registry (`ROOT` for none). */
  public abstract readonly repositoryPrefix: string;

  /**
   * The ARN pattern of the repositories this rule creates in the registry.
   */
  public get repositoryArnPattern(): string {
    return repositoryArnForPrefix(this, this.repositoryPrefix);
  }

  /**
   * The URI to pull an upstream repository through the cache, e.g.
   * `repositoryUri('library/nginx')` for Docker Hub's nginx. Append `:tag` or `@digest`.
   */
  public repositoryUri(upstreamRepository: string): string {
    const stack = Stack.of(this);
    const path = this.repositoryPrefix === 'ROOT' ? upstreamRepository : `${this.repositoryPrefix.replace(/\/$/, '')}/${upstreamRepository}`;
    return `${stack.account}.dkr.ecr.${stack.region}.${stack.urlSuffix}/${path}`;
  }

  /**
   * Grant a principal what it needs to pull images through this cache: `ecr:GetAuthorizationToken`,
   * the pull actions, `ecr:BatchImportUpstreamImage` (first pull of an image) and
   * `ecr:CreateRepository` (first pull of a repository), on this rule's repositories only.
   */
  public grantPullThroughCache(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: PULL_THROUGH_ACTIONS,
      resourceArns: [this.repositoryArnPattern],
    }).combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['ecr:GetAuthorizationToken'],
      resourceArns: ['*'],
    }));
  }
}

/**
 * A pull-through cache rule (`AWS::ECR::PullThroughCacheRule`): images pulled from
 * `<registry>/<prefix>/...` are fetched from the upstream registry and cached in this registry.
 * The L1 is `node.defaultChild`.
 *
 * Repositories that pull-through cache creates get the settings of a matching repository creation
 * template (`Registry.addCreationTemplate` with `PULL_THROUGH_CACHE`).
 */
export class PullThroughCacheRule extends PullThroughCacheRuleBase {
  /**
   * A pull-through cache rule of this stack's registry that exists already (created by another stack
   * or by hand), by its repository prefix, to grant pulls through it and build image URIs.
   *
   * @param repositoryPrefix the rule's namespace (2-30 characters, or `ROOT`)
   */
  public static fromRepositoryPrefix(scope: Construct, id: string, repositoryPrefix: string): IPullThroughCacheRule {
    const v = new Violations(pathOf(scope, id));
    checkNamespacePrefix(v, 'repositoryPrefix', repositoryPrefix, 30);
    v.throwIfAny();
    class Import extends PullThroughCacheRuleBase {
      public readonly repositoryPrefix = repositoryPrefix;
    }
    return new Import(scope, id);
  }

  /**
   * Collect every violation of the props (nothing is created). The constructor calls it, then
   * throws once; `RegistryBaseline` calls it on each rule of its spec.
   * @internal
   */
  public static _collect(v: Violations, props: PullThroughCacheRuleProps, context: CheckContext): void {
    const stack = context;
    const upstream = props.upstream;
    const prefix = props.repositoryPrefix ?? upstream?.defaultRepositoryPrefix;
    if (!upstream) {
      v.add('upstream', upstream, 'needs an UpstreamRegistry (e.g. UpstreamRegistry.ecrPublic())');
      return;
    }
    checkNamespacePrefix(v, 'repositoryPrefix', prefix, 30);

    const credentials = upstream.credentials;
    if (upstream.requiresCredentials && !credentials) {
      v.add('upstream.credentials', credentials,
        `${upstream.registryType} needs credentials: a Secrets Manager secret whose name starts with ${PULL_THROUGH_CACHE_SECRET_PREFIX}`);
    }
    if (credentials) {
      // An owned secret's name is a token; read the name it was given (none: CloudFormation generates one).
      const cfnSecret = credentials.node.defaultChild;
      const owned = cfnSecret instanceof secretsmanager.CfnSecret;
      const name = owned ? (cfnSecret as secretsmanager.CfnSecret).name : credentials.secretName;
      if (owned && (name === undefined || Stack.of(credentials).resolve(name) === undefined)) {
        v.add('upstream.credentials', credentials.node.path,
          `the secret has a generated name; give it a secretName that starts with ${PULL_THROUGH_CACHE_SECRET_PREFIX} (ECR reads only those secrets)`);
      } else if (isKnown(name) && !name.startsWith(PULL_THROUGH_CACHE_SECRET_PREFIX)) {
        v.add('upstream.credentials', name, `the secret name must start with ${PULL_THROUGH_CACHE_SECRET_PREFIX} (ECR reads only those secrets)`);
      }
      const env = credentials.env;
      if (isKnown(env.account) && isKnown(stack.account) && env.account !== stack.account) {
        v.add('upstream.credentials', credentials.secretArn, `the secret must be in this registry's account ${stack.account}`);
      } else if (isKnown(env.region) && isKnown(stack.region) && env.region !== stack.region) {
        v.add('upstream.credentials', credentials.secretArn, `the secret must be in this registry's region ${stack.region}`);
      }
    }
    if (upstream.azureRegistryName !== undefined) {
      checkPattern(v, 'upstream.registryName', upstream.azureRegistryName, /^[a-zA-Z0-9]{5,50}$/,
        'must be an Azure container registry name: 5-50 letters and digits');
    }
    const ecrUp = upstream.ecrUpstream;
    if (ecrUp) {
      const accountOk = checkAccountId(v, 'upstream.account', ecrUp.account);
      const regionOk = checkRegion(v, 'upstream.region', ecrUp.region);
      checkNamespacePrefix(v, 'upstream.upstreamRepositoryPrefix', ecrUp.upstreamRepositoryPrefix, 30);
      if (prefix === 'ROOT' && isKnown(ecrUp.upstreamRepositoryPrefix) && ecrUp.upstreamRepositoryPrefix !== 'ROOT') {
        v.add('upstream.upstreamRepositoryPrefix', ecrUp.upstreamRepositoryPrefix,
          "ECR accepts an upstream repository prefix only when the rule's repositoryPrefix is not ROOT: give the rule a repositoryPrefix (e.g. the upstream prefix), or drop upstreamRepositoryPrefix");
      }
      if (accountOk && regionOk && isKnown(ecrUp.account) && isKnown(ecrUp.region)
        && ecrUp.account === stack.account && ecrUp.region === stack.region) {
        v.add('upstream', `${ecrUp.account}/${ecrUp.region}`, 'is this registry itself; an ECR upstream must be in another region or account');
      }
    }

    if (context.scope) {
      const stackOfScope = Stack.of(context.scope);
      const prefixes = RegistryStackState.find(stackOfScope)?.cachePrefixes ?? new Map<string, string>();
      if (prefix !== undefined && isKnown(prefix) && prefixes.has(prefix)) {
        v.add('repositoryPrefix', prefix, `${prefixes.get(prefix)} already uses this prefix; each rule needs its own`);
      }
      if (prefixes.size >= MAX_RULES) {
        v.add('scope', stackOfScope.node.path, `a registry holds at most ${MAX_RULES} pull-through cache rules (ECR quota)`);
      }
    }
  }

  /** The namespace of the cache repositories (`ROOT` for none). */
  public readonly repositoryPrefix: string;

  /** The upstream registry. */
  public readonly upstream: UpstreamRegistry;

  /** The role ECR assumes to pull from an upstream ECR registry, if any. */
  public readonly role?: iam.IRole;

  constructor(scope: Construct, id: string, props: PullThroughCacheRuleProps) {
    const v = new Violations(pathOf(scope, id));
    PullThroughCacheRule._collect(v, props, contextOf(scope));
    v.throwIfAny();
    const prefix = props.repositoryPrefix ?? props.upstream.defaultRepositoryPrefix;
    super(scope, id);
    const stack = Stack.of(this);
    RegistryStackState.obtain(this).cachePrefixes.set(isUnresolved(prefix) ? `${this.node.path}#token` : prefix, this.node.path);

    this.repositoryPrefix = prefix;
    this.upstream = props.upstream;
    const ecrUp = props.upstream.ecrUpstream;
    if (ecrUp) {
      const sameAccount = isKnown(ecrUp.account) && isKnown(stack.account) && ecrUp.account === stack.account;
      this.role = ecrUp.role ?? (sameAccount ? undefined : this.createUpstreamRole(ecrUp));
    }

    const resource = new ecr.CfnPullThroughCacheRule(this, 'Resource', {
      ecrRepositoryPrefix: prefix,
      upstreamRegistry: props.upstream.registryType,
      upstreamRegistryUrl: props.upstream.registryUrl,
      credentialArn: props.upstream.credentials?.secretArn,
      customRoleArn: this.role?.roleArn,
      upstreamRepositoryPrefix: ecrUp?.upstreamRepositoryPrefix,
    });
    if (this.role) {
      resource.node.addDependency(this.role);
    }
  }

  private createUpstreamRole(up: EcrUpstreamProps): iam.Role {
    const role = new iam.Role(this, 'UpstreamRole', {
      assumedBy: new iam.ServicePrincipal('pullthroughcache.ecr.amazonaws.com'),
      description: `ECR pull-through cache from ${up.account} in ${up.region}`,
    });
    const upstreamPrefix = up.upstreamRepositoryPrefix ?? 'ROOT';
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PullFromUpstream',
      actions: ECR_UPSTREAM_PULL_ACTIONS,
      resources: [repositoryArnForPrefix(this, upstreamPrefix, { account: up.account, region: up.region })],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ImportIntoCache',
      actions: ECR_UPSTREAM_DOWNSTREAM_ACTIONS,
      resources: [repositoryArnForPrefix(this, this.repositoryPrefix)],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'Authenticate',
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
    }));
    return role;
  }
}
