/**
 * Example: the platform team's registry.
 *
 * A registry account (111111111111) in eu-west-1 owns the organization's private
 * repositories, each with the library's secure defaults (immutable tags, scan on push,
 * KMS encryption, a lifecycle policy, RETAIN), and the registry-wide settings:
 *
 * - replication of every repository to us-east-1 (same account), and of the payments
 *   repositories to a disaster-recovery account (222222222222, eu-west-1);
 * - enhanced scanning (Amazon Inspector): continuous for payments, on push for the rest;
 * - pull-through cache rules for Docker Hub (credentials in Secrets Manager) and ECR Public;
 * - repository creation templates, so that repositories ECR creates by itself (cache,
 *   replication, create on push) are compliant too.
 *
 * Two more stacks complete the picture: the same account in us-east-1 (where the replicas
 * land: its creation template and scanning), and the disaster-recovery account, whose
 * registry policy lets the registry account replicate in. The destination policy is derived
 * from the source's replication rules, so both sides always agree.
 *
 * Run: npx projen registry   (or: npx cdk synth --app "tsx --tsconfig tsconfig.dev.json examples/platform-registry/app.ts")
 */
import { Annotations, App, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  CreationTemplateAppliedFor, EcrChecks, PrivateRepository, Registry, RegistryScanning, ScanFrequency, UpstreamRegistry,
} from 'cdk-ecr-registry';

export const REGISTRY_ACCOUNT = '111111111111';
export const PRIMARY_REGION = 'eu-west-1';
export const REPLICA_REGION = 'us-east-1';
export const DR_ACCOUNT = '222222222222';

/**
 * The Docker Hub credentials: created once, out of band, so that the token never appears in a template
 * (`aws secretsmanager create-secret --name ecr-pullthroughcache/docker-hub --secret-string '{"username":...,"accessToken":...}'`).
 */
export const DOCKER_HUB_SECRET_ARN = `arn:aws:secretsmanager:${PRIMARY_REGION}:${REGISTRY_ACCOUNT}:secret:ecr-pullthroughcache/docker-hub-Ab12Cd`;

const PARTITION_LITERALS = '@aws-cdk/core:enablePartitionLiterals';

/** The registry account's repositories and registry settings in the primary region. */
export class PlatformRegistryStack extends Stack {
  /** The registry settings (the destination stack derives its policy from them). */
  public readonly registry: Registry;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    const key = new kms.Key(this, 'ImagesKey', {
      description: 'Encrypts the platform container images',
      enableKeyRotation: true,
    });
    // Control Tower CT.KMS.PR.3: only AWS services (here ECR, for the repositories it encrypts) may create grants.
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'GrantsOnlyForAwsServices',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }));

    for (const name of ['platform/base-images', 'payments/api', 'payments/worker']) {
      new PrivateRepository(this, name.replace(/[^a-z0-9]+/g, '-'), {
        repositoryName: name,
        encryptionKey: key,
      });
    }

    this.registry = new Registry(this, 'Registry', {
      replicationRules: [
        { destinations: [{ region: REPLICA_REGION }] },
        { destinations: [{ region: PRIMARY_REGION, account: DR_ACCOUNT }], repositoryPrefixes: ['payments/'] },
      ],
      scanning: RegistryScanning.enhanced([
        { frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: ['payments/*'] },
        { frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: ['*'] },
      ]),
    });

    const dockerHubCredentials = secretsmanager.Secret.fromSecretCompleteArn(this, 'DockerHubCredentials', DOCKER_HUB_SECRET_ARN);
    const caches = [
      this.registry.addPullThroughCacheRule('DockerHub', { upstream: UpstreamRegistry.dockerHub(dockerHubCredentials) }),
      this.registry.addPullThroughCacheRule('EcrPublic', { upstream: UpstreamRegistry.ecrPublic() }),
    ];

    // Cached repositories: the customer key, and `latest` may move upstream (the cache refreshes it).
    for (const cache of caches) {
      const template = this.registry.addCreationTemplate(`${cache.node.id}Template`, {
        prefix: cache.repositoryPrefix,
        appliedFor: [CreationTemplateAppliedFor.PULL_THROUGH_CACHE],
        description: `Repositories cached from ${cache.upstream.registryUrl}`,
        imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
        imageTagMutabilityExclusionFilters: ['latest'],
        encryptionKey: key,
        resourceTags: { 'managed-by': 'pull-through-cache' },
      });
      // The `latest` exclusion is deliberate (Security Hub ECR.2 wants IMMUTABLE exactly).
      Annotations.of(template).acknowledgeWarning('cdk-ecr-registry:mutableTags',
        'Cached repositories let `latest` move so that it follows the upstream tag; every other tag stays immutable.');
      Validations.of(template).acknowledge({
        id: 'EcrChecks-CreationTemplate',
        reason: 'Cached repositories let `latest` follow the upstream tag (IMMUTABLE_WITH_EXCLUSION [latest]); every other tag stays immutable and the template sets a lifecycle policy.',
      });
      Validations.of(template).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:aws:ecr:${PRIMARY_REGION}:${REGISTRY_ACCOUNT}:repository/${cache.repositoryPrefix}/*]`,
        reason: `ECR creates the cache repositories on demand under ${cache.repositoryPrefix}/, so their names are not known in advance; the template role can create and tag only repositories under that prefix.`,
      });
    }

    // Repositories pushed before anyone created them.
    this.registry.addCreationTemplate('DefaultTemplate', {
      prefix: 'ROOT',
      appliedFor: [CreationTemplateAppliedFor.CREATE_ON_PUSH],
      description: 'Repositories created on push',
    });
  }
}

/** The registry account in the replica region: replicas get compliant repositories and scanning. */
export class ReplicaRegistryStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const registry = new Registry(this, 'Registry', { scanning: RegistryScanning.enhanced() });
    registry.addCreationTemplate('ReplicaTemplate', {
      prefix: 'ROOT',
      appliedFor: [CreationTemplateAppliedFor.REPLICATION],
      description: `Repositories replicated from ${PRIMARY_REGION}`,
    });
  }
}

/** Props of the disaster-recovery account's stack. */
export interface DisasterRecoveryRegistryStackProps extends StackProps {
  /** The registry that replicates into this one. */
  readonly source: Registry;
}

/** The disaster-recovery account: lets the registry account replicate its payments repositories in. */
export class DisasterRecoveryRegistryStack extends Stack {
  /** The registry settings of the DR account. */
  public readonly registry: Registry;

  constructor(scope: Construct, id: string, props: DisasterRecoveryRegistryStackProps) {
    super(scope, id, props);
    // This stack owns the DR registry's scanning (a Registry writes none unless asked).
    this.registry = new Registry(this, 'Registry', { scanning: RegistryScanning.basic() });
    // Allows exactly the source account and the prefixes its rules send here: ecr:ReplicateImage, ecr:CreateRepository.
    this.registry.allowReplicationFromRegistry(props.source);
    this.registry.addCreationTemplate('ReplicaTemplate', {
      prefix: 'payments',
      appliedFor: [CreationTemplateAppliedFor.REPLICATION],
      description: `Payments repositories replicated from ${REGISTRY_ACCOUNT}`,
    });
  }
}

export function buildApp(app = new App()): App {
  // Literal partitions in ARNs (the `cdk init` default): templates are readable, and the cdk-nag finding
  // ids below contain no `<AWS::Partition>` token (an id with two '::' cannot be acknowledged).
  if (app.node.tryGetContext(PARTITION_LITERALS) === undefined) {
    app.node.setContext(PARTITION_LITERALS, true);
  }
  const platform = new PlatformRegistryStack(app, 'PlatformRegistry', {
    env: { account: REGISTRY_ACCOUNT, region: PRIMARY_REGION },
    description: 'cdk-ecr-registry example: the platform registry',
  });
  new ReplicaRegistryStack(app, 'PlatformRegistryReplica', {
    env: { account: REGISTRY_ACCOUNT, region: REPLICA_REGION },
    description: 'cdk-ecr-registry example: the platform registry in the replica region',
  });
  new DisasterRecoveryRegistryStack(app, 'DisasterRecoveryRegistry', {
    env: { account: DR_ACCOUNT, region: PRIMARY_REGION },
    description: 'cdk-ecr-registry example: the disaster-recovery account receiving replicated payments images',
    source: platform.registry,
  });
  return app;
}

if (require.main === module) {
  const app = buildApp();
  // The registry checks itself at synth: an EcrChecks finding fails `cdk synth`.
  Validations.of(app).addPlugins(new EcrChecks());
  app.synth();
}
