/**
 * Example: a compliant registry baseline for every account of an AWS Organization.
 *
 * Two parts, one spec each:
 *
 * - the registry-level settings every member account gets (enhanced scanning, pull-through cache
 *   for public registries, a creation template so that repositories ECR creates by itself are
 *   compliant) are synthesized by a `RegistryBaseline` in a separate, in-process App, and the
 *   resulting template is embedded in a service-managed `CfnStackSet` in the management
 *   account. Automatic deployment rolls it out to every account of the target OUs, in every
 *   listed region, including accounts that join the OUs later. This works because the
 *   registry stack has no assets, no Lambda and no bootstrap parameter or rule: a StackSet has
 *   no CDK bootstrap bucket or role in the target accounts;
 * - the registry account's repositories (pullable by the workload OUs) are a second
 *   `RegistryBaseline` with `manageRegistry: false` (the registry account is in a target OU,
 *   so the StackSet already manages its registry settings), spread over shard stacks.
 *
 * Run: npx cdk synth --app "tsx --tsconfig tsconfig.dev.json examples/baseline-stackset/app.ts"
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, App, CfnStackSet, Stack, StackProps, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  BaselineRegistrySettings, BaselineRepository, RegistryBaseline, RegistryScanning, ScanFrequency, UpstreamRegistry,
} from 'cdk-ecr-registry';

export const MANAGEMENT_ACCOUNT = '999999999999';
export const REGISTRY_ACCOUNT = '111111111111';
export const HOME_REGION = 'eu-west-1';
export const ORGANIZATION_ID = 'o-a1b2c3d4e5';
export const ROOT_ID = 'r-ab12';
/** The OUs whose accounts get the registry baseline (the platform OU holds the registry account). */
export const TARGET_OUS = ['ou-ab12-11111111', 'ou-ab12-22222222', 'ou-ab12-33333333'];
/** The OUs whose principals may pull the platform images. */
export const WORKLOAD_OUS = ['ou-ab12-22222222', 'ou-ab12-33333333'];
export const REGIONS = ['eu-west-1', 'us-east-1'];

/** CloudFormation's limit for an inline `TemplateBody` (bytes). */
export const TEMPLATE_BODY_LIMIT = 51_200;

/** What every member account's registry gets. */
export const MEMBER_REGISTRY: BaselineRegistrySettings = {
  scanning: RegistryScanning.enhanced([
    { frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: ['prod/*'] },
    { frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: ['*'] },
  ]),
  pullThroughCacheRules: [
    { upstream: UpstreamRegistry.ecrPublic() },
    { upstream: UpstreamRegistry.kubernetes() },
    { upstream: UpstreamRegistry.quay() },
  ],
  // The default: one ROOT template (immutable tags, KMS, the default lifecycle policy) for
  // pull-through cache, replication and create on push.
};

/** The registry account's repositories. */
export const PLATFORM_REPOSITORIES: BaselineRepository[] = [
  ...['base/amazonlinux', 'base/node', 'base/python', 'base/java'].map(repositoryName => ({ repositoryName })),
  ...['payments/api', 'payments/worker', 'orders/api', 'orders/projector'].map(repositoryName => ({
    repositoryName,
    tags: { 'cost-center': repositoryName.split('/')[0] },
  })),
  // CI in the tooling account pushes the shared build images.
  { repositoryName: 'tooling/builder', pullPushAccounts: ['444444444444'] },
];

/** The synthesized registry-level template of a baseline. */
export interface RegistryTemplate {
  /** The template as an object. */
  readonly template: any;
  /** The template as minified JSON: the `TemplateBody`. */
  readonly body: string;
}

/**
 * Synthesize the registry-level stack of a baseline in a separate, in-process App and return its
 * template. A separate App (not a Stage of the main app) keeps the environment-agnostic stack out
 * of the main cloud assembly, so `cdk deploy --all` cannot deploy it to the management account;
 * its own temporary outdir keeps it from overwriting the main app's `cdk.out` under the CLI.
 */
export function synthesizeRegistryTemplate(registry: BaselineRegistrySettings): RegistryTemplate {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-baseline-'));
  try {
    const app = new App({ outdir });
    const baseline = new RegistryBaseline(app, 'MemberRegistry', { registry });
    const artifact = app.synth().getStackArtifact(baseline.registryStack!.artifactId);
    const errors = artifact.messages.filter(m => m.level === 'error');
    if (errors.length > 0) {
      throw new Error(`the registry-level stack has errors:\n${errors.map(m => `  ${m.id}: ${m.entry.data}`).join('\n')}`);
    }
    return { template: artifact.template, body: JSON.stringify(artifact.template) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Props of the management account's stack. */
export interface OrganizationRegistryStackSetStackProps extends StackProps {
  /** What every member account's registry gets. */
  readonly registry: BaselineRegistrySettings;
  /** The OUs to deploy to (their accounts, now and later). */
  readonly organizationalUnitIds: string[];
  /** The regions to deploy to. */
  readonly regions: string[];
}

/** The management account: a service-managed StackSet with the registry-level template. */
export class OrganizationRegistryStackSetStack extends Stack {
  /** The embedded registry-level template. */
  public readonly registryTemplate: RegistryTemplate;

  constructor(scope: Construct, id: string, props: OrganizationRegistryStackSetStackProps) {
    super(scope, id, props);
    this.registryTemplate = synthesizeRegistryTemplate(props.registry);
    const bytes = Buffer.byteLength(this.registryTemplate.body, 'utf8');
    if (bytes > TEMPLATE_BODY_LIMIT) {
      // Inline is the simple, self-contained path. A larger template needs TemplateURL: an S3 object the
      // StackSet's caller can read (the CDK asset bucket is private to this account's deploy roles).
      throw new Error(`the registry-level template is ${bytes} bytes, above CloudFormation's TemplateBody limit of ${TEMPLATE_BODY_LIMIT}: `
        + 'reduce the registry settings, or upload the template to S3 and pass templateUrl instead of templateBody');
    }
    const resources: any[] = Object.values(this.registryTemplate.template.Resources ?? {});
    const iam = resources.filter(r => String(r.Type).startsWith('AWS::IAM::'));
    const capabilities = iam.length === 0 ? undefined
      : iam.some(r => r.Properties?.RoleName !== undefined) ? ['CAPABILITY_NAMED_IAM'] : ['CAPABILITY_IAM'];

    new CfnStackSet(this, 'RegistryBaseline', {
      stackSetName: 'ecr-registry-baseline',
      description: 'Compliant ECR registry settings for every account (cdk-ecr-registry RegistryBaseline)',
      permissionModel: 'SERVICE_MANAGED',
      callAs: 'SELF',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      managedExecution: { Active: true },
      operationPreferences: { failureTolerancePercentage: 10, maxConcurrentPercentage: 25, regionConcurrencyType: 'PARALLEL' },
      capabilities,
      stackInstancesGroup: [{
        deploymentTargets: { organizationalUnitIds: props.organizationalUnitIds },
        regions: props.regions,
      }],
      templateBody: this.registryTemplate.body,
    });
  }
}

export function buildApp(app = new App()): App {
  new OrganizationRegistryStackSetStack(app, 'OrganizationRegistryBaseline', {
    env: { account: MANAGEMENT_ACCOUNT, region: HOME_REGION },
    description: 'cdk-ecr-registry example: the registry baseline StackSet for the organization',
    registry: MEMBER_REGISTRY,
    organizationalUnitIds: TARGET_OUS,
    regions: REGIONS,
  });
  const repositories = new RegistryBaseline(app, 'PlatformRepositories', {
    env: { account: REGISTRY_ACCOUNT, region: HOME_REGION },
    manageRegistry: false,
    repositories: PLATFORM_REPOSITORIES,
    repositoryDefaults: {
      pullOrganizationalUnitPaths: WORKLOAD_OUS.map(ou => `${ORGANIZATION_ID}/${ROOT_ID}/${ou}/`),
    },
    // Room for 1,000 repositories in 4 stacks of about 250: adding repositories never moves one.
    sharding: { capacity: 1000 },
  });
  // Security Hub ECR.5 (a customer managed key) is a warning in EcrChecks; this organization accepts the
  // AWS managed key aws/ecr for platform images, whose content is not confidential.
  Validations.of(repositories).acknowledge({
    id: 'EcrChecks-ECR5',
    reason: 'Platform images hold no confidential data; the organization accepts the AWS managed key aws/ecr for them (Security Hub ECR.5 is advisory here).',
  });
  Annotations.of(repositories.repository('tooling/builder')).acknowledgeWarning('cdk-ecr-registry:accountRootPrincipal',
    'The tooling account is a single-purpose CI account: its administrators allow only the build role to push.');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
