import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Fn, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as signer from 'aws-cdk-lib/aws-signer';
import {
  CountType, CreationTemplateAppliedFor, EcrChecks, EcrValidationError, EksImageAccess, FindingsAlert, FindingSource, ImageCheck, ImageCopy,
  ImageCopySource, ImageReference,
  LifecycleAction, LifecyclePolicy, LifecycleRule, PrivateRepository, PublicRepository, PublicRepositoryArchitecture,
  PublicRepositoryOperatingSystem, PullThroughCacheRule, Registry, RegistryAudit, RegistryBaseline, RegistryScanning, RepositoryAccess,
  RepositoryCreationTemplate, ScanFindingSeverity, ScanFrequency, StorageClass, TagSelection, UpstreamRegistry, VerifiedDockerImageCode,
} from '../../src';
import { newStack } from '../helpers/synth';

/*
 * Generated coverage of every prop of every props interface in the jsii assembly: each needs at
 * least one bad-input case (asserting the EcrValidationError's construct path, property and value)
 * and one token case (asserting that the token is accepted), or a written reason why the prop has
 * none. A prop added to a props interface without cases fails this test.
 */

const ROOT = path.join(__dirname, '..', '..');
const ASSEMBLY = path.join(ROOT, '.jsii');

/** The assembly, compiled first when it is missing or older than a source file. */
function assembly(): any {
  const newestSource = Math.max(...listTs(path.join(ROOT, 'src')).map(f => fs.statSync(f).mtimeMs));
  if (!fs.existsSync(ASSEMBLY) || fs.statSync(ASSEMBLY).mtimeMs < newestSource) {
    execFileSync('npx', ['jsii', '--silence-warnings=reserved-word'], { cwd: ROOT, stdio: 'inherit' });
  }
  return JSON.parse(fs.readFileSync(ASSEMBLY, 'utf8'));
}

function listTs(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory()
    ? listTs(path.join(dir, e.name))
    : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []);
}

/** Structs the library returns rather than takes: not input. */
const OUTPUT_STRUCTS: Record<string, string> = {
  ImageDecision: 'returned by LifecyclePreview, never given by a user',
  Violation: 'carried by EcrValidationError, never given by a user',
};

/** Why a prop has no case of one kind. */
class NotApplicable {
  constructor(public readonly reason: string) {}
}
const na = (reason: string) => new NotApplicable(reason);

interface Bad {
  readonly build: () => unknown;
  readonly path: string;
  readonly property: string | RegExp;
  readonly value: unknown;
}

interface Case {
  readonly bad: Bad[] | NotApplicable;
  readonly token: (() => unknown) | NotApplicable;
}

const str = (name = 'Value') => Fn.importValue(name);
const num = () => Token.asNumber(Fn.importValue('Number'));
const list = () => Token.asList(Fn.importValue('List'));
const NO_BOOLEAN_TOKEN = na('aws-cdk-lib has no token form for a boolean prop');

const repo = (props: any) => new PrivateRepository(newStack(), 'Repo', props);
const template = (props: any) => new RepositoryCreationTemplate(newStack(), 'Template', { prefix: 'team', ...props });
const cacheRule = (props: any) => new PullThroughCacheRule(newStack(), 'Rule', { upstream: UpstreamRegistry.ecrPublic(), ...props });
const ecrUpstream = (up: any) => cacheRule({ repositoryPrefix: 'mirror', upstream: UpstreamRegistry.ecr({ account: '222222222222', region: 'eu-west-1', ...up }) });
const registry = (props: any) => new Registry(newStack(), 'Registry', { scanning: RegistryScanning.unmanaged(), ...props });
const publicRepo = (props: any) => new PublicRepository(newStack(), 'Public', props);
const alert = (props: any) => new FindingsAlert(newStack(), 'Alert', props);
const baseline = (props: any) => new RegistryBaseline(new App(), 'Baseline', { env: { account: '111111111111', region: 'us-east-1' }, ...props });
const baselineRepo = (props: any) => baseline({ repositories: [{ repositoryName: 'app', ...props }] });
const check = (props: any) => {
  const stack = newStack();
  return new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(new PrivateRepository(stack, 'Repo'), 'v1')], ...props });
};
const verified = () => check({}).verifiedImages[0];
const lambdaCode = (options: any) => VerifiedDockerImageCode.fromVerifiedImage(verified(), options);
const appRunner = (options: any) => {
  const image = verified();
  return image.appRunnerSourceConfiguration({ accessRole: new iam.Role(image.check, 'Role', { assumedBy: new iam.ServicePrincipal('build.apprunner.amazonaws.com') }), ...options });
};
const policy = (rule: LifecycleRule) => repo({ lifecyclePolicy: new LifecyclePolicy({ rules: [rule] }) });

const REPO = 'TestStack/Repo';
const AUDIT = 'TestStack/Audit';
const COPY = 'TestStack/Copy';
const CHECK = 'TestStack/Check';
const copy = (props: any) => {
  const stack = newStack();
  return new ImageCopy(stack, 'Copy', { source: ImageCopySource.fromRegistry('nginx:1.27'), destination: new PrivateRepository(stack, 'Repo'), ...props });
};
const assetCopy = (assetPlatform: ecrAssets.Platform, platform: ecrAssets.Platform) => {
  const stack = newStack();
  const asset = new ecrAssets.DockerImageAsset(stack, 'Asset', { directory: path.join(ROOT, 'test', 'image-copy', 'fixtures', 'app'), platform: assetPlatform });
  return new ImageCopy(stack, 'Copy', { source: ImageCopySource.fromDockerImageAsset(asset, { platform }), destination: new PrivateRepository(stack, 'Repo') });
};
const nodePlatforms = (options: any) => EksImageAccess.requireNodePlatforms({ workload: verified().check, nodePlatforms: ['linux/amd64'], ...options }, verified());
const audit = (props: any) => new RegistryAudit(newStack(), 'Audit', { regions: ['eu-west-1'], ...props });
const ORG = 'o-a1b2c3d4e5';
/** A registry with one signing rule: an imported profile in the registry's stack, its ARN replaced by `arn` when given. */
const signing = (rule: any, arn?: string) => {
  const r = registry({});
  const imported = signer.SigningProfile.fromSigningProfileAttributes(Stack.of(r), 'Profile', { signingProfileName: 'images', signingProfileVersion: 'v1' });
  const signingProfile = arn === undefined ? imported : Object.assign(Object.create(imported), { signingProfileArn: arn });
  return r.addSigningRule({ signingProfile, ...rule });
};
const SHARDING_AT_SYNTH = na('sharding decides at synth how many stacks there are and where each repository goes');
const CONSTRUCT_ID = na('a construct id is fixed at synth (it names the logical ids)');
const PREVIEW = 'LifecyclePolicy.preview';
const PREVIEW_LOCAL = na('the preview runs locally on known image descriptions (it reads ECR, or a file), never on deploy-time values');
const image = (props: any) => ({ digest: `sha256:${'a'.repeat(64)}`, pushedAt: new Date('2026-01-01T00:00:00Z'), tags: ['v1'], ...props });
const preview = (props: any) => LifecyclePolicy.repositoryDefault().preview([image(props)], { now: new Date('2026-06-01T00:00:00Z') });

const CASES: Record<string, Case> = {
  // PrivateRepository
  'PrivateRepositoryProps.repositoryName': {
    bad: [{ build: () => repo({ repositoryName: 'Bad_Name!' }), path: REPO, property: 'repositoryName', value: 'Bad_Name!' }],
    token: () => repo({ repositoryName: str() }),
  },
  'PrivateRepositoryProps.lifecycleRules': {
    bad: [{ build: () => repo({ lifecycleRules: [{ maxImageCount: 5 }], lifecyclePolicy: LifecyclePolicy.repositoryDefault() }), path: REPO, property: 'lifecycleRules', value: '1 rules' }],
    token: () => repo({ lifecycleRules: [{ maxImageCount: num() }] }),
  },
  'RepositorySettings.imageTagMutability': {
    bad: [{ build: () => repo({ imageTagMutability: 'immutable' }), path: REPO, property: 'imageTagMutability', value: 'immutable' }],
    token: () => repo({ imageTagMutability: str() }),
  },
  'RepositorySettings.imageTagMutabilityExclusionFilters': {
    bad: [{
      build: () => repo({ imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION, imageTagMutabilityExclusionFilters: ['no spaces'] }),
      path: REPO,
      property: 'imageTagMutabilityExclusionFilters[0]',
      value: 'no spaces',
    }],
    token: () => repo({ imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION, imageTagMutabilityExclusionFilters: [str()] }),
  },
  'RepositorySettings.encryption': {
    bad: [{ build: () => repo({ encryption: 'KMS' }), path: REPO, property: 'encryption', value: 'KMS' }],
    token: na('ecr.RepositoryEncryption is an enum-like class with a protected constructor: its values are the three constants'),
  },
  'RepositorySettings.encryptionKey': {
    bad: [{
      build: () => { const s = newStack(); return new PrivateRepository(s, 'Repo', { encryption: ecr.RepositoryEncryption.AES_256, encryptionKey: new kms.Key(s, 'Key') }); },
      path: REPO,
      property: 'encryption',
      value: 'AES256',
    }],
    token: () => { const s = newStack(); return new PrivateRepository(s, 'Repo', { encryptionKey: kms.Key.fromKeyArn(s, 'Key', str('KeyArn')) }); },
  },
  'RepositorySettings.lifecyclePolicy': {
    bad: [{ build: () => policy(LifecycleRule.keepLast(0)), path: REPO, property: /countNumber/, value: 0 }],
    token: () => policy(LifecycleRule.keepLast(num())),
  },
  'RepositoryResourceSettings.emptyOnDelete': {
    bad: [{ build: () => repo({ emptyOnDelete: true }), path: REPO, property: 'emptyOnDelete', value: true }],
    token: NO_BOOLEAN_TOKEN,
  },
  'RepositoryResourceSettings.imageScanOnPush': {
    bad: [{ build: () => repo({ imageScanOnPush: 'false' }), path: REPO, property: 'imageScanOnPush', value: 'false' }],
    token: NO_BOOLEAN_TOKEN,
  },
  'RepositoryResourceSettings.removalPolicy': {
    bad: [{ build: () => repo({ removalPolicy: 'DELETE' }), path: REPO, property: 'removalPolicy', value: 'DELETE' }],
    token: na('a removal policy becomes DeletionPolicy, which CloudFormation does not resolve intrinsic functions in'),
  },

  // Creation templates
  'RepositoryCreationTemplateOptions.prefix': {
    bad: [{ build: () => template({ prefix: 'Team A' }), path: 'TestStack/Template', property: 'prefix', value: 'Team A' }],
    token: () => template({ prefix: str() }),
  },
  'RepositoryCreationTemplateOptions.appliedFor': {
    bad: [
      { build: () => template({ appliedFor: ['replication'] }), path: 'TestStack/Template', property: 'appliedFor[0]', value: 'replication' },
      { build: () => template({ appliedFor: [] }), path: 'TestStack/Template', property: 'appliedFor', value: [] },
    ],
    token: () => template({ appliedFor: [CreationTemplateAppliedFor.REPLICATION, str() as any] }),
  },
  'RepositoryCreationTemplateOptions.description': {
    bad: [{ build: () => template({ description: 'x'.repeat(257) }), path: 'TestStack/Template', property: 'description', value: 'x'.repeat(257) }],
    token: () => template({ description: str() }),
  },
  'RepositoryCreationTemplateOptions.repositoryPolicy': {
    bad: [{
      build: () => {
        const t = template({ repositoryPolicy: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['ecr:*'], principals: [new iam.AccountPrincipal('222222222222')] })] }) });
        return (t.node.root as App).synth();
      },
      path: 'TestStack/Template',
      property: 'repositoryPolicy.Statement[0]',
      value: ['ecr:*'],
    }],
    token: () => template({ repositoryPolicy: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['ecr:BatchGetImage'], principals: [new iam.AccountPrincipal(str())] })] }) }),
  },
  'RepositoryCreationTemplateOptions.resourceTags': {
    bad: [{ build: () => template({ resourceTags: { 'aws:team': 'a' } }), path: 'TestStack/Template', property: 'resourceTags key', value: 'aws:team' }],
    token: () => template({ resourceTags: { team: str() } }),
  },
  'RepositoryCreationTemplateOptions.role': {
    bad: na('any IAM role can be given; ECR checks at deploy time that it can assume it'),
    token: () => { const s = newStack(); return new RepositoryCreationTemplate(s, 'Template', { prefix: 'team', role: iam.Role.fromRoleArn(s, 'Role', str('RoleArn')) }); },
  },

  // Pull-through cache
  'PullThroughCacheRuleOptions.repositoryPrefix': {
    bad: [{ build: () => cacheRule({ repositoryPrefix: 'A' }), path: 'TestStack/Rule', property: 'repositoryPrefix', value: 'A' }],
    token: () => cacheRule({ repositoryPrefix: str() }),
  },
  'PullThroughCacheRuleOptions.upstream': {
    bad: [{ build: () => cacheRule({ upstream: undefined }), path: 'TestStack/Rule', property: 'upstream', value: undefined }],
    token: () => ecrUpstream({ account: str('Account'), region: str('Region') }),
  },
  'EcrUpstreamProps.account': {
    bad: [{ build: () => ecrUpstream({ account: '1234' }), path: 'TestStack/Rule', property: 'upstream.account', value: '1234' }],
    token: () => ecrUpstream({ account: str() }),
  },
  'EcrUpstreamProps.region': {
    bad: [{ build: () => ecrUpstream({ region: 'Europe' }), path: 'TestStack/Rule', property: 'upstream.region', value: 'Europe' }],
    token: () => ecrUpstream({ region: str() }),
  },
  'EcrUpstreamProps.upstreamRepositoryPrefix': {
    bad: [
      { build: () => ecrUpstream({ upstreamRepositoryPrefix: 'X' }), path: 'TestStack/Rule', property: 'upstream.upstreamRepositoryPrefix', value: 'X' },
      {
        build: () => cacheRule({ repositoryPrefix: 'ROOT', upstream: UpstreamRegistry.ecr({ account: '222222222222', region: 'eu-west-1', upstreamRepositoryPrefix: 'team' }) }),
        path: 'TestStack/Rule',
        property: 'upstream.upstreamRepositoryPrefix',
        value: 'team',
      },
    ],
    token: () => ecrUpstream({ upstreamRepositoryPrefix: str() }),
  },
  'EcrUpstreamProps.role': {
    bad: na('any IAM role can be given; ECR checks at deploy time that it can assume it'),
    token: () => { const s = newStack(); return new PullThroughCacheRule(s, 'Rule', { repositoryPrefix: 'mirror', upstream: UpstreamRegistry.ecr({ account: '222222222222', region: 'eu-west-1', role: iam.Role.fromRoleArn(s, 'Role', str('RoleArn')) }) }); },
  },

  // Registry
  'RegistryProps.replicationRules': {
    bad: [{ build: () => registry({ replicationRules: [{ destinations: [] }] }), path: 'TestStack/Registry', property: 'replicationRules[0].destinations', value: [] }],
    token: () => registry({ replicationRules: [{ destinations: [{ region: str() }] }] }),
  },
  'ReplicationRule.destinations': {
    bad: [{ build: () => registry({ replicationRules: [{ destinations: [{ region: 'us-east-1' }] }] }), path: 'TestStack/Registry', property: 'replicationRules[0].destinations[0]', value: { region: 'us-east-1' } }],
    token: () => registry({ replicationRules: [{ destinations: [{ region: str(), account: str('Account') }] }] }),
  },
  'ReplicationRule.repositoryPrefixes': {
    bad: [{ build: () => registry({ replicationRules: [{ destinations: [{ region: 'eu-west-1' }], repositoryPrefixes: ['UPPER'] }] }), path: 'TestStack/Registry', property: 'replicationRules[0].repositoryPrefixes[0]', value: 'UPPER' }],
    token: () => registry({ replicationRules: [{ destinations: [{ region: 'eu-west-1' }], repositoryPrefixes: [str()] }] }),
  },
  'ReplicationDestination.region': {
    bad: [{ build: () => registry({ replicationRules: [{ destinations: [{ region: 'EU' }] }] }), path: 'TestStack/Registry', property: 'replicationRules[0].destinations[0].region', value: 'EU' }],
    token: () => registry({ replicationRules: [{ destinations: [{ region: str() }] }] }),
  },
  'ReplicationDestination.account': {
    bad: [{ build: () => registry({ replicationRules: [{ destinations: [{ region: 'eu-west-1', account: '12' }] }] }), path: 'TestStack/Registry', property: 'replicationRules[0].destinations[0].account', value: '12' }],
    token: () => registry({ replicationRules: [{ destinations: [{ region: 'eu-west-1', account: str() }] }] }),
  },
  'RegistryProps.scanning': {
    bad: [{ build: () => registry({ scanning: RegistryScanning.basic([{ frequency: ScanFrequency.CONTINUOUS_SCAN }]) }), path: 'TestStack/Registry', property: 'scanning.rules[0].frequency', value: 'CONTINUOUS_SCAN' }],
    token: () => registry({ scanning: RegistryScanning.enhanced([{ frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: [str()] }]) }),
  },
  'ScanningRule.frequency': {
    bad: [{ build: () => registry({ scanning: RegistryScanning.enhanced([{ frequency: 'DAILY' as any }]) }), path: 'TestStack/Registry', property: 'scanning.rules[0].frequency', value: 'DAILY' }],
    token: () => registry({ scanning: RegistryScanning.enhanced([{ frequency: str() as any }]) }),
  },
  'ScanningRule.repositoryFilters': {
    bad: [{ build: () => registry({ scanning: RegistryScanning.enhanced([{ frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: [] }]) }), path: 'TestStack/Registry', property: 'scanning.rules[0].repositoryFilters.length', value: 0 }],
    token: () => registry({ scanning: RegistryScanning.enhanced([{ frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: [str()] }]) }),
  },
  'RegistryProps.replicationSources': {
    bad: [{ build: () => registry({ replicationSources: [{ account: 'abc' }] }), path: 'TestStack/Registry', property: /account/, value: 'abc' }],
    token: () => registry({ replicationSources: [{ account: str() }] }),
  },
  'ReplicationSource.account': {
    bad: [{ build: () => registry({ replicationSources: [{ account: '111111111111' }] }), path: 'TestStack/Registry', property: /account/, value: '111111111111' }],
    token: () => registry({ replicationSources: [{ account: str() }] }),
  },
  'ReplicationSource.repositoryPrefixes': {
    bad: [{ build: () => registry({ replicationSources: [{ account: '222222222222', repositoryPrefixes: ['UPPER'] }] }), path: 'TestStack/Registry', property: /repositoryPrefixes\[0\]/, value: 'UPPER' }],
    token: () => registry({ replicationSources: [{ account: '222222222222', repositoryPrefixes: [str()] }] }),
  },
  'ReplicationSource.createRepository': {
    bad: [{ build: () => registry({ replicationSources: [{ account: '222222222222', createRepository: 'no' }] }), path: 'TestStack/Registry', property: /createRepository/, value: 'no' }],
    token: NO_BOOLEAN_TOKEN,
  },

  'RegistryProps.pullTimeUpdateExclusions': {
    bad: [{ build: () => registry({ pullTimeUpdateExclusions: ['arn:aws:iam::111111111111:group/scanners'] }), path: 'TestStack/Registry', property: 'pullTimeUpdateExclusions[0]', value: 'arn:aws:iam::111111111111:group/scanners' }],
    token: () => registry({ pullTimeUpdateExclusions: [str()] }),
  },
  'OrganizationPrincipals.organizationId': {
    bad: [{ build: () => registry({}).allowReplicationFromOrganization({ organizationId: 'my-org' }), path: 'TestStack/Registry', property: 'organizationId', value: 'my-org' }],
    token: () => registry({}).allowReplicationFromOrganization({ organizationId: str() }),
  },
  'OrganizationPrincipals.organizationalUnitPaths': {
    bad: [{ build: () => registry({}).allowReplicationFromOrganization({ organizationalUnitPaths: ['ou-ab12-11111111'] }), path: 'TestStack/Registry', property: 'organizationalUnitPaths[0]', value: 'ou-ab12-11111111' }],
    token: () => registry({}).allowReplicationFromOrganization({ organizationalUnitPaths: [str()] }),
  },
  'OrganizationReplicationOptions.createRepository': {
    bad: [{ build: () => registry({}).allowReplicationFromOrganization({ organizationId: ORG, createRepository: 'no' as any }), path: 'TestStack/Registry', property: 'createRepository', value: 'no' }],
    token: NO_BOOLEAN_TOKEN,
  },
  'OrganizationReplicationOptions.repositoryPrefixes': {
    bad: [{ build: () => registry({}).allowReplicationFromOrganization({ organizationId: ORG, repositoryPrefixes: ['A'] }), path: 'TestStack/Registry', property: 'repositoryPrefixes[0]', value: 'A' }],
    token: () => registry({}).allowReplicationFromOrganization({ organizationId: ORG, repositoryPrefixes: [str()] }),
  },
  'OrganizationPullThroughCacheOptions.pull': {
    bad: [{ build: () => registry({}).allowPullThroughCacheFromOrganization({ organizationId: ORG, repositoryPrefixes: ['docker-hub'], pull: 'yes' as any }), path: 'TestStack/Registry', property: 'pull', value: 'yes' }],
    token: NO_BOOLEAN_TOKEN,
  },
  'OrganizationPullThroughCacheOptions.repositoryPrefixes': {
    bad: [{ build: () => registry({}).allowPullThroughCacheFromOrganization({ organizationId: ORG, repositoryPrefixes: ['ROOT'] }), path: 'TestStack/Registry', property: 'repositoryPrefixes[0]', value: 'ROOT' }],
    token: () => registry({}).allowPullThroughCacheFromOrganization({ organizationId: ORG, repositoryPrefixes: [str()] }),
  },
  'SigningRule.signingProfile': {
    bad: [{ build: () => signing({}, 'arn:aws:signer:eu-west-1:111111111111:/signing-profiles/x'), path: 'TestStack/Registry', property: 'signingRules[0].signingProfile', value: 'arn:aws:signer:eu-west-1:111111111111:/signing-profiles/x' }],
    token: () => signing({}, str()),
  },
  'SigningRule.repositoryFilters': {
    bad: [{ build: () => signing({ repositoryFilters: ['Prod/*'] }), path: 'TestStack/Registry', property: 'signingRules[0].repositoryFilters[0]', value: 'Prod/*' }],
    token: () => signing({ repositoryFilters: [str()] }),
  },

  // Public repositories
  'PublicRepositoryProps.repositoryName': {
    bad: [{ build: () => publicRepo({ repositoryName: 'A' }), path: 'TestStack/Public', property: 'repositoryName', value: 'A' }],
    token: () => publicRepo({ repositoryName: str() }),
  },
  'PublicRepositoryProps.description': {
    bad: [{ build: () => publicRepo({ description: 'x'.repeat(1025) }), path: 'TestStack/Public', property: 'description', value: 'x'.repeat(1025) }],
    token: () => publicRepo({ description: str() }),
  },
  'PublicRepositoryProps.aboutText': {
    bad: [{ build: () => publicRepo({ aboutText: 'x'.repeat(10241) }), path: 'TestStack/Public', property: 'aboutText', value: 'x'.repeat(10241) }],
    token: () => publicRepo({ aboutText: str() }),
  },
  'PublicRepositoryProps.usageText': {
    bad: [{ build: () => publicRepo({ usageText: 'x'.repeat(10241) }), path: 'TestStack/Public', property: 'usageText', value: 'x'.repeat(10241) }],
    token: () => publicRepo({ usageText: str() }),
  },
  'PublicRepositoryProps.architectures': {
    bad: [{ build: () => publicRepo({ architectures: [PublicRepositoryArchitecture.of('')] }), path: 'TestStack/Public', property: /architectures/, value: '' }],
    token: () => publicRepo({ architectures: [PublicRepositoryArchitecture.of(str())] }),
  },
  'PublicRepositoryProps.operatingSystems': {
    bad: [{ build: () => publicRepo({ operatingSystems: [PublicRepositoryOperatingSystem.of('')] }), path: 'TestStack/Public', property: /operatingSystems/, value: '' }],
    token: () => publicRepo({ operatingSystems: [PublicRepositoryOperatingSystem.of(str())] }),
  },
  'PublicRepositoryProps.logoImagePath': {
    bad: [{ build: () => publicRepo({ logoImagePath: 'logo.gif' }), path: 'TestStack/Public', property: 'logoImagePath', value: 'logo.gif' }],
    token: na('a local file read at synth: a deploy-time value cannot name it'),
  },
  'PublicRepositoryProps.removalPolicy': {
    bad: [{ build: () => publicRepo({ removalPolicy: 'keep' }), path: 'TestStack/Public', property: 'removalPolicy', value: 'keep' }],
    token: na('a removal policy becomes DeletionPolicy, which CloudFormation does not resolve intrinsic functions in'),
  },
  'PublicRepositoryProps.tags': {
    bad: [{ build: () => publicRepo({ tags: { 'aws:x': 'y' } }), path: 'TestStack/Public', property: 'tags["aws:x"]', value: 'aws:x' }],
    token: () => publicRepo({ tags: { team: str() } }),
  },

  // Image check
  'ImageCheckProps.images': {
    bad: [{ build: () => check({ images: [] }), path: 'TestStack/Check', property: 'images', value: [] }],
    token: na('images are ImageReference objects, not values'),
  },
  'ImageCheckProps.failOnSeverity': {
    bad: [{ build: () => check({ failOnSeverity: 'high' }), path: 'TestStack/Check', property: 'failOnSeverity', value: 'high' }],
    token: () => check({ failOnSeverity: str() as any }),
  },
  'ImageCheckProps.protectInUse': {
    bad: [{ build: () => check({ protectInUse: 'true' }), path: 'TestStack/Check', property: 'protectInUse', value: 'true' }],
    token: NO_BOOLEAN_TOKEN,
  },
  'ImageCheckProps.scanWaitTimeout': {
    bad: [{ build: () => check({ failOnSeverity: ScanFindingSeverity.HIGH, scanWaitTimeout: Duration.minutes(10) }), path: 'TestStack/Check', property: 'scanWaitTimeout', value: '10 minutes' }],
    token: () => check({ failOnSeverity: ScanFindingSeverity.HIGH, scanWaitTimeout: Duration.seconds(num()) }),
  },
  'ImageCheckProps.requireSignature': {
    bad: [{ build: () => check({ requireSignature: 'yes' }), path: 'TestStack/Check', property: 'requireSignature', value: 'yes' }],
    token: NO_BOOLEAN_TOKEN,
  },
  'ImageCheckProps.signatureWaitTimeout': {
    bad: [
      { build: () => check({ requireSignature: true, signatureWaitTimeout: Duration.minutes(10) }), path: 'TestStack/Check', property: 'signatureWaitTimeout', value: '10 minutes' },
      { build: () => check({ signatureWaitTimeout: Duration.minutes(1) }), path: 'TestStack/Check', property: 'signatureWaitTimeout', value: '1 minute' },
    ],
    token: () => check({ requireSignature: true, signatureWaitTimeout: Duration.seconds(num()) }),
  },
  'EcrChecksProps.requireSigning': {
    bad: [{ build: () => new EcrChecks({ requireSigning: { repositoryPrefixes: [] } }), path: 'EcrChecks', property: 'requireSigning.repositoryPrefixes.length', value: 0 }],
    token: () => new EcrChecks({ requireSigning: { repositoryPrefixes: list() } }),
  },
  'SigningRequirement.repositoryPrefixes': {
    bad: [{ build: () => new EcrChecks({ requireSigning: { repositoryPrefixes: ['Prod/'] } }), path: 'EcrChecks', property: 'requireSigning.repositoryPrefixes[0]', value: 'Prod/' }],
    token: () => new EcrChecks({ requireSigning: { repositoryPrefixes: [str()] } }),
  },

  // Findings alerts
  'FindingsAlertOptions.minimumSeverity': {
    bad: [{ build: () => alert({ minimumSeverity: 'SEVERE' }), path: 'TestStack/Alert', property: 'minimumSeverity', value: 'SEVERE' }],
    token: na('the severity selects which severities the event pattern lists, at synth'),
  },
  'FindingsAlertOptions.sources': {
    bad: [{ build: () => alert({ sources: ['GUARDDUTY'] }), path: 'TestStack/Alert', property: 'sources[0]', value: 'GUARDDUTY' }],
    token: na('the sources select which EventBridge rules are created, at synth'),
  },
  'FindingsAlertOptions.repositoryPrefixes': {
    bad: [{ build: () => alert({ repositoryPrefixes: ['UPPER'] }), path: 'TestStack/Alert', property: 'repositoryPrefixes[0]', value: 'UPPER' }],
    token: () => alert({ repositoryPrefixes: [str()] }),
  },
  'FindingsAlertOptions.targets': {
    bad: [{ build: () => alert({ targets: new Array(6).fill({ bind: () => ({ arn: 'arn' }) }) }), path: 'TestStack/Alert', property: 'targets', value: '6 targets' }],
    token: na('targets are constructs (IRuleTarget), not values'),
  },
  'FindingsAlertProps.registryId': {
    bad: [{ build: () => alert({ registryId: '12345' }), path: 'TestStack/Alert', property: 'registryId', value: '12345' }],
    token: () => alert({ registryId: str() }),
  },

  // RegistryAudit
  'PlatformRequirement.consumer': {
    bad: na('any text: it only names the consumer in the failure message (the handler bounds it to 1,024 characters)'),
    token: () => verified().requirePlatform({ consumer: str(), os: 'linux' }),
  },
  'PlatformRequirement.os': {
    bad: [{ build: () => verified().requirePlatform({ consumer: 'x', os: 'darwin' }), path: CHECK, property: 'requirePlatform.os', value: 'darwin' }],
    token: () => verified().requirePlatform({ consumer: 'x', os: str() }),
  },
  'PlatformRequirement.architecture': {
    bad: [{ build: () => verified().requirePlatform({ consumer: 'x', os: 'linux', architecture: 'x86_64' }), path: CHECK, property: 'requirePlatform.architecture', value: 'x86_64' }],
    token: () => verified().requirePlatform({ consumer: 'x', os: 'linux', architecture: str() }),
  },
  'PlatformRequirement.imageManifestOnly': {
    bad: [{ build: () => verified().requirePlatform({ consumer: 'x', os: 'linux', imageManifestOnly: 'yes' as any }), path: CHECK, property: 'requirePlatform.imageManifestOnly', value: 'yes' }],
    token: NO_BOOLEAN_TOKEN,
  },
  'ImageCopyProps.source': {
    bad: [{ build: () => copy({ source: ImageCopySource.fromRegistry('ghcr.io/org/app') }), path: COPY, property: 'source.reference', value: 'ghcr.io/org/app' }],
    token: () => copy({ source: ImageCopySource.fromRegistry(str()) }),
  },
  'ImageCopyProps.destination': {
    bad: [{ build: () => copy({ destination: 'team/app' }), path: COPY, property: 'destination', value: 'team/app' }],
    token: () => copy({ destination: ecr.Repository.fromRepositoryAttributes(newStack(), 'Dest', { repositoryArn: str('Arn'), repositoryName: str('Name') }) }),
  },
  'ImageCopyProps.tags': {
    bad: [{ build: () => copy({ tags: ['.v1'] }), path: COPY, property: 'tags[0]', value: '.v1' }],
    token: () => copy({ tags: list() }),
  },
  'ImageCopyProps.platforms': {
    bad: [{ build: () => copy({ platforms: ['amd64'] }), path: COPY, property: 'platforms[0]', value: 'amd64' }],
    token: () => copy({ platforms: list() }),
  },
  'ImageCopyProps.attestations': {
    bad: [
      { build: () => copy({ platforms: ['linux/amd64'], attestations: 'yes' }), path: COPY, property: 'attestations', value: 'yes' },
      { build: () => copy({ attestations: true }), path: COPY, property: 'attestations', value: true },
    ],
    token: NO_BOOLEAN_TOKEN,
  },
  'ImageCopyProps.referrers': {
    bad: [{ build: () => copy({ referrers: 1 }), path: COPY, property: 'referrers', value: 1 }],
    token: NO_BOOLEAN_TOKEN,
  },
  'ImageCopyProps.removeTagsOnDelete': {
    bad: [{ build: () => copy({ tags: ['v1'], removeTagsOnDelete: 'true' }), path: COPY, property: 'removeTagsOnDelete', value: 'true' }],
    token: NO_BOOLEAN_TOKEN,
  },
  'ImageAssetSourceOptions.platform': {
    bad: [{ build: () => assetCopy(ecrAssets.Platform.LINUX_AMD64, ecrAssets.Platform.LINUX_ARM64), path: COPY, property: 'source.platform', value: 'linux/arm64' }],
    token: () => assetCopy(ecrAssets.Platform.LINUX_AMD64, ecrAssets.Platform.custom(str())),
  },
  'EksNodePlatformOptions.nodePlatforms': {
    bad: [{ build: () => nodePlatforms({ nodePlatforms: ['linux/x86_64'] }), path: CHECK, property: 'nodePlatforms[0]', value: 'linux/x86_64' }],
    token: () => nodePlatforms({ nodePlatforms: [str()] }),
  },
  'EksNodePlatformOptions.workload': {
    bad: na('any construct is a workload: only its path is used, to name the consumer in the messages'),
    token: na('a construct is never a token'),
  },
  'RegistrySourceOptions.credentials': {
    bad: na('any ISecret is accepted: the handler may read it (GetSecretValue on its ARN, kms:Decrypt on its key); its value is checked at deploy'),
    token: () => copy({ source: ImageCopySource.fromRegistry('nginx:1.27', { credentials: secretsmanager.Secret.fromSecretCompleteArn(newStack(), 'Secret', str()) }) }),
  },
  'RegistryAuditProps.regions': {
    bad: [{ build: () => audit({ regions: ['EU_WEST'] }), path: AUDIT, property: 'regions[0]', value: 'EU_WEST' }],
    token: () => audit({ regions: list() }),
  },
  'RegistryAuditProps.accounts': {
    bad: [{ build: () => audit({ accounts: ['12345'] }), path: AUDIT, property: 'accounts[0]', value: '12345' }],
    token: () => audit({ accounts: list() }),
  },
  'RegistryAuditProps.memberRoleName': {
    bad: [{ build: () => audit({ memberRoleName: 'bad name' }), path: AUDIT, property: 'memberRoleName', value: 'bad name' }],
    token: () => audit({ memberRoleName: str() }),
  },
  'RegistryAuditProps.schedule': {
    bad: na('a ScheduleExpression is built and checked by aws-cdk-lib (rate, cron, at)'),
    token: () => audit({ schedule: scheduler.ScheduleExpression.expression(str()) }),
  },
  'RegistryAuditProps.maxConcurrency': {
    bad: [{ build: () => audit({ maxConcurrency: 0 }), path: AUDIT, property: 'maxConcurrency', value: 0 }],
    token: () => audit({ maxConcurrency: num() }),
  },
  'RegistryAuditProps.requestsPerSecond': {
    bad: [{ build: () => audit({ requestsPerSecond: 5000 }), path: AUDIT, property: 'requestsPerSecond', value: 5000 }],
    token: () => audit({ requestsPerSecond: num() }),
  },
  'RegistryAuditProps.usage': {
    bad: [{ build: () => audit({ usage: 'false' }), path: AUDIT, property: 'usage', value: 'false' }],
    token: NO_BOOLEAN_TOKEN,
  },
  'RegistryAuditProps.securityHub': {
    bad: [{ build: () => audit({ securityHub: 'yes' }), path: AUDIT, property: 'securityHub', value: 'yes' }],
    token: NO_BOOLEAN_TOKEN,
  },
  'RegistryAuditProps.retention': {
    bad: [{ build: () => audit({ retention: Duration.hours(36) }), path: AUDIT, property: 'retention', value: 'Duration.hours(36)' }],
    token: () => audit({ retention: Duration.days(num()) }),
  },
  'RegistryAuditProps.encryptionKey': {
    bad: na('any IKey is accepted: the bucket is encrypted with it and the worker and state machine are granted its use'),
    token: () => audit({ encryptionKey: kms.Key.fromKeyArn(newStack(), 'Key', str()) }),
  },

  // Lifecycle rules (checked when a policy is given to a repository)
  'LifecycleRuleProps.countNumber': {
    bad: [{ build: () => policy(new LifecycleRule({ countType: CountType.IMAGE_COUNT_MORE_THAN, countNumber: -1 })), path: REPO, property: /countNumber/, value: -1 }],
    token: () => policy(new LifecycleRule({ countType: CountType.IMAGE_COUNT_MORE_THAN, countNumber: num() })),
  },
  'LifecycleRuleProps.countType': {
    bad: [{ build: () => policy(new LifecycleRule({ countType: 'count' as any, countNumber: 1 })), path: REPO, property: /countType/, value: 'count' }],
    token: na('the count type decides the rule form (count unit, storage class) at synth'),
  },
  'LifecycleRuleProps.action': {
    bad: [{ build: () => policy(new LifecycleRule({ countType: CountType.IMAGE_COUNT_MORE_THAN, countNumber: 1, action: 'delete' as any })), path: REPO, property: /action\.type/, value: 'delete' }],
    token: na('the action decides the target storage class at synth'),
  },
  'LifecycleRuleProps.storageClass': {
    bad: [{ build: () => policy(new LifecycleRule({ countType: CountType.IMAGE_COUNT_MORE_THAN, countNumber: 1, storageClass: 'glacier' as any })), path: REPO, property: /storageClass/, value: 'glacier' }],
    token: na('the storage class decides which rules may be combined, at synth'),
  },
  'LifecycleRuleOptions.rulePriority': {
    bad: [{ build: () => policy(LifecycleRule.keepLast(5, { rulePriority: 0 })), path: REPO, property: /rulePriority/, value: 0 }],
    token: na('rule priorities order the rules and are compared at synth'),
  },
  'LifecycleRuleOptions.description': {
    bad: na('any text is a valid rule description'),
    token: () => policy(LifecycleRule.keepLast(5, { description: str() })),
  },
  'SelectedLifecycleRuleOptions.tagSelection': {
    bad: [{ build: () => policy(LifecycleRule.keepLast(5, { tagSelection: TagSelection.prefixes([]) })), path: REPO, property: /tagPrefixList/, value: [] }],
    token: () => policy(LifecycleRule.keepLast(5, { tagSelection: TagSelection.prefixes([str()]) })),
  },
  'LifecyclePolicyProps.rules': {
    bad: [{ build: () => repo({ lifecyclePolicy: new LifecyclePolicy({ rules: [] }) }), path: REPO, property: /rules/, value: 0 }],
    token: () => policy(LifecycleRule.expireAfterPush(Duration.days(num()))),
  },

  // Baseline
  'BaselineRepository.repositoryName': {
    bad: [{ build: () => baselineRepo({ repositoryName: 'Bad!' }), path: 'Baseline', property: 'repositories[0].repositoryName', value: 'Bad!' }],
    token: na('a baseline repository name places the repository in a shard at synth'),
  },
  'BaselineRepositoryOptions.pullAccounts': {
    bad: [{ build: () => baselineRepo({ pullAccounts: ['12'] }), path: 'Baseline', property: 'repositories[0].pullAccounts[0]', value: '12' }],
    token: () => baselineRepo({ pullAccounts: [str()] }),
  },
  'BaselineRepositoryOptions.pullPushAccounts': {
    bad: [{ build: () => baselineRepo({ pullPushAccounts: ['12'] }), path: 'Baseline', property: 'repositories[0].pullPushAccounts[0]', value: '12' }],
    token: () => baselineRepo({ pullPushAccounts: [str()] }),
  },
  'BaselineRepositoryOptions.pullOrganizationId': {
    bad: [{ build: () => baselineRepo({ pullOrganizationId: 'org' }), path: 'Baseline', property: 'repositories[0].pullOrganizationId', value: 'org' }],
    token: () => baselineRepo({ pullOrganizationId: str() }),
  },
  'BaselineRepositoryOptions.pullOrganizationalUnitPaths': {
    bad: [{ build: () => baselineRepo({ pullOrganizationalUnitPaths: ['ou'] }), path: 'Baseline', property: 'repositories[0].pullOrganizationalUnitPaths[0]', value: 'ou' }],
    token: () => baselineRepo({ pullOrganizationalUnitPaths: [str()] }),
  },
  'BaselineRepositoryOptions.lambdaPull': {
    bad: [{ build: () => baselineRepo({ lambdaPull: { functionArns: ['fn'] } }), path: 'Baseline', property: /lambdaPull.*functionArns\[0\]/, value: 'fn' }],
    token: () => baselineRepo({ lambdaPull: { functionArns: [str()] } }),
  },
  'RegistryBaselineProps.manageRegistry': {
    bad: [{ build: () => baseline({ manageRegistry: 'no' }), path: 'Baseline', property: 'manageRegistry', value: 'no' }],
    token: NO_BOOLEAN_TOKEN,
  },
  'ReplicationFromRegistryOptions.createRepository': {
    bad: [{
      build: () => {
        const app = new App();
        const source = new Registry(newStack({ stackName: 'Source', env: { account: '222222222222', region: 'eu-west-1' } }, app), 'Registry', {
          scanning: RegistryScanning.unmanaged(), replicationRules: [{ destinations: [{ region: 'us-east-1', account: '111111111111' }] }],
        });
        new Registry(newStack({}, app), 'Registry', { scanning: RegistryScanning.unmanaged() }).allowReplicationFromRegistry(source, { createRepository: 'yes' as any });
      },
      path: 'TestStack/Registry',
      property: 'options.createRepository',
      value: 'yes',
    }],
    token: NO_BOOLEAN_TOKEN,
  },
  'RegistryBaselineProps.stackNamePrefix': {
    bad: [{ build: () => baseline({ stackNamePrefix: '1-ecr' }), path: 'Baseline', property: 'stackNamePrefix', value: '1-ecr' }],
    token: na('stack names are fixed at synth (they name the CloudFormation stacks)'),
  },
  'RegistryBaselineProps.sharding': {
    bad: [{ build: () => baseline({ sharding: { shardCount: 0 } }), path: 'Baseline', property: 'sharding.shardCount', value: 0 }],
    token: SHARDING_AT_SYNTH,
  },
  'RepositorySharding.shardCount': {
    bad: [{ build: () => baseline({ sharding: { shardCount: 1.5 } }), path: 'Baseline', property: 'sharding.shardCount', value: 1.5 }],
    token: SHARDING_AT_SYNTH,
  },
  'RepositorySharding.capacity': {
    bad: [{ build: () => baseline({ sharding: { capacity: 0 } }), path: 'Baseline', property: 'sharding.capacity', value: 0 }],
    token: SHARDING_AT_SYNTH,
  },
  'RepositorySharding.maxResourcesPerStack': {
    bad: [{ build: () => baseline({ sharding: { maxResourcesPerStack: 100_000 } }), path: 'Baseline', property: 'sharding.maxResourcesPerStack', value: 100_000 }],
    token: SHARDING_AT_SYNTH,
  },
  'RepositorySharding.targetResourcesPerStack': {
    bad: [{ build: () => baseline({ sharding: { targetResourcesPerStack: 0 } }), path: 'Baseline', property: 'sharding.targetResourcesPerStack', value: 0 }],
    token: SHARDING_AT_SYNTH,
  },
  'BaselineRepository.shardKey': {
    bad: [{ build: () => baselineRepo({ shardKey: 'no spaces' }), path: 'Baseline', property: 'repositories[0].shardKey', value: 'no spaces' }],
    token: SHARDING_AT_SYNTH,
  },
  'BaselineRepository.shard': {
    bad: [{ build: () => baselineRepo({ shard: -1 }), path: 'Baseline', property: 'repositories[0].shard', value: -1 }],
    token: SHARDING_AT_SYNTH,
  },
  'BaselineRepositoryOptions.tags': {
    bad: [{ build: () => baselineRepo({ tags: { 'aws:team': 'a' } }), path: 'Baseline', property: /tags key/, value: 'aws:team' }],
    token: () => baselineRepo({ tags: { team: str() } }),
  },
  'RegistryBaselineProps.repositories': {
    bad: [{ build: () => baseline({ repositories: [{ repositoryName: 'app' }, { repositoryName: 'app' }] }), path: 'Baseline', property: /repositories\[1\]/, value: 'app' }],
    token: () => baseline({ repositories: [{ repositoryName: 'app', pullAccounts: [str()] }] }),
  },
  'RegistryBaselineProps.repositoryDefaults': {
    bad: [{ build: () => baseline({ repositoryDefaults: { pullAccounts: ['12'] }, repositories: [{ repositoryName: 'app' }] }), path: 'Baseline', property: /pullAccounts\[0\]/, value: '12' }],
    token: () => baseline({ repositoryDefaults: { pullAccounts: [str()] }, repositories: [{ repositoryName: 'app' }] }),
  },
  'RegistryBaselineProps.registry': {
    bad: [{ build: () => baseline({ registry: { replicationRules: [{ destinations: [] }] } }), path: 'Baseline', property: /replicationRules\[0\]\.destinations/, value: [] }],
    token: () => baseline({ registry: { replicationRules: [{ destinations: [{ region: str() }] }] } }),
  },
  'RegistryBaselineProps.env': {
    bad: [{ build: () => baseline({ env: { account: '12', region: 'us-east-1' } }), path: 'Baseline', property: 'env.account', value: '12' }],
    token: na('a baseline for CloudFormation StackSets is environment-agnostic: env is left out (the stack instances supply it), not a token'),
  },
  'BaselineRegistrySettings.pullThroughCacheRules': {
    bad: [{ build: () => baseline({ registry: { pullThroughCacheRules: [{ upstream: UpstreamRegistry.ecrPublic(), repositoryPrefix: 'A' }] } }), path: 'Baseline', property: /pullThroughCacheRules\[0\]\.repositoryPrefix/, value: 'A' }],
    token: () => baseline({ registry: { pullThroughCacheRules: [{ upstream: UpstreamRegistry.ecrPublic(), repositoryPrefix: str() }] } }),
  },
  'BaselineRegistrySettings.creationTemplates': {
    bad: [{ build: () => baseline({ registry: { creationTemplates: [{ prefix: 'Team A' }] } }), path: 'Baseline', property: /creationTemplates\[0\]\.prefix/, value: 'Team A' }],
    token: () => baseline({ registry: { creationTemplates: [{ prefix: str() }] } }),
  },
  'BaselinePullThroughCacheRule.id': {
    bad: [{ build: () => baseline({ registry: { pullThroughCacheRules: [{ id: 'a/b', upstream: UpstreamRegistry.ecrPublic() }] } }), path: 'Baseline', property: /pullThroughCacheRules\[0\]\.id/, value: 'a/b' }],
    token: CONSTRUCT_ID,
  },
  'BaselineCreationTemplate.id': {
    bad: [{ build: () => baseline({ registry: { creationTemplates: [{ id: 'a/b', prefix: 'team' }] } }), path: 'Baseline', property: /creationTemplates\[0\]\.id/, value: 'a/b' }],
    token: CONSTRUCT_ID,
  },

  // Lifecycle preview input
  'ImageDescription.digest': {
    bad: [{ build: () => preview({ digest: '' }), path: PREVIEW, property: /digest/, value: '' }],
    token: PREVIEW_LOCAL,
  },
  'ImageDescription.pushedAt': {
    bad: [{ build: () => preview({ pushedAt: new Date('not a date') }), path: PREVIEW, property: /pushedAt/, value: expect.anything() }],
    token: PREVIEW_LOCAL,
  },
  'ImageDescription.lastPulledAt': {
    bad: [{ build: () => preview({ lastPulledAt: new Date('not a date') }), path: PREVIEW, property: /lastPulledAt/, value: expect.anything() }],
    token: PREVIEW_LOCAL,
  },
  'ImageDescription.lastActivatedAt': {
    bad: [{ build: () => preview({ lastActivatedAt: new Date('not a date') }), path: PREVIEW, property: /lastActivatedAt/, value: expect.anything() }],
    token: PREVIEW_LOCAL,
  },
  'ImageDescription.transitionedAt': {
    bad: [{ build: () => preview({ transitionedAt: new Date('not a date') }), path: PREVIEW, property: /transitionedAt/, value: expect.anything() }],
    token: PREVIEW_LOCAL,
  },
  'ImageDescription.storageClass': {
    bad: [{ build: () => preview({ storageClass: 'glacier' }), path: PREVIEW, property: /storageClass/, value: 'glacier' }],
    token: PREVIEW_LOCAL,
  },
  'ImageDescription.tags': {
    bad: [{ build: () => preview({ tags: [42] }), path: PREVIEW, property: /tags/, value: [42] }],
    token: PREVIEW_LOCAL,
  },
  'PreviewOptions.now': {
    bad: [{ build: () => LifecyclePolicy.repositoryDefault().preview([image({})], { now: new Date('not a date') }), path: PREVIEW, property: /now/, value: expect.anything() }],
    token: PREVIEW_LOCAL,
  },
  'VerifiedLambdaImageOptions.functionArns': {
    bad: [{ build: () => lambdaCode({ functionArns: ['fn'] }), path: 'TestStack/Check', property: 'lambdaCode.functionArns[0]', value: 'fn' }],
    token: () => lambdaCode({ functionArns: [str()] }),
  },
  'VerifiedLambdaImageOptions.workingDirectory': {
    bad: [{ build: () => lambdaCode({ workingDirectory: 'x'.repeat(1001) }), path: 'TestStack/Check', property: 'lambdaCode.workingDirectory', value: 'x'.repeat(1001) }],
    token: () => lambdaCode({ workingDirectory: str() }),
  },
  'VerifiedLambdaImageOptions.cmd': {
    bad: [{ build: () => lambdaCode({ cmd: new Array(1501).fill('x') }), path: 'TestStack/Check', property: 'lambdaCode.cmd', value: new Array(1501).fill('x') }],
    token: () => lambdaCode({ cmd: list() }),
  },
  'VerifiedLambdaImageOptions.entrypoint': {
    bad: [{ build: () => lambdaCode({ entrypoint: new Array(1501).fill('x') }), path: 'TestStack/Check', property: 'lambdaCode.entrypoint', value: new Array(1501).fill('x') }],
    token: () => lambdaCode({ entrypoint: list() }),
  },
  'AppRunnerImageOptions.port': {
    bad: [{ build: () => appRunner({ port: 70000 }), path: 'TestStack/Check', property: 'appRunnerSourceConfiguration.port', value: 70000 }],
    token: () => appRunner({ port: num() }),
  },
  'AppRunnerImageOptions.accessRole': {
    bad: [{ build: () => appRunner({ accessRole: undefined }), path: 'TestStack/Check', property: 'appRunnerSourceConfiguration.accessRole', value: undefined }],
    token: () => {
      const img = verified();
      return img.appRunnerSourceConfiguration({ accessRole: iam.Role.fromRoleArn(img.check, 'Role', str('RoleArn')) });
    },
  },
  'AppRunnerImageOptions.environmentVariables': {
    bad: [{ build: () => appRunner({ environmentVariables: { AWSAPPRUNNER_X: '1' } }), path: 'TestStack/Check', property: 'appRunnerSourceConfiguration.environmentVariables["AWSAPPRUNNER_X"]', value: 'AWSAPPRUNNER_X' }],
    token: () => appRunner({ environmentVariables: { MODE: str() } }),
  },
  'AppRunnerImageOptions.startCommand': {
    bad: na('any command line is a valid start command; App Runner runs it in the container'),
    token: () => appRunner({ startCommand: str() }),
  },
  'LambdaPullOptions.functionArns': {
    bad: [{ build: () => { const r = repo({}); RepositoryAccess.of(r).grantPullToLambda({ functionArns: ['fn'] }); }, path: REPO, property: 'functionArns[0]', value: 'fn' }],
    token: () => { const r = repo({}); RepositoryAccess.of(r).grantPullToLambda({ functionArns: [str()] }); },
  },
  'LambdaPullOptions.sourceAccounts': {
    bad: [{ build: () => { const r = repo({}); RepositoryAccess.of(r).grantPullToLambda({ sourceAccounts: ['1'] }); }, path: REPO, property: 'sourceAccounts[0]', value: '1' }],
    token: () => { const r = repo({}); RepositoryAccess.of(r).grantPullToLambda({ sourceAccounts: [str()] }); },
  },
};

/** Every prop of every input struct in the assembly, as `Interface.prop` (each prop under the interface that declares it). */
function assemblyProps(): string[] {
  const types = assembly().types as Record<string, any>;
  return Object.values(types)
    .filter(t => t.kind === 'interface' && t.datatype && !(t.name in OUTPUT_STRUCTS))
    .flatMap(t => (t.properties ?? []).map((p: any) => `${t.name}.${p.name}`))
    .sort();
}


const props = assemblyProps();

test('the assembly has the props interfaces this test expects', () => {
  expect(props.length).toBeGreaterThan(90);
  expect(props).toContain('ImageCheckProps.failOnSeverity');
});

test('every prop of every props interface has cases (or a written reason for a kind it cannot have)', () => {
  const missing = props.filter(p => !(p in CASES));
  expect(missing).toEqual([]);
  expect(Object.keys(CASES).filter(p => !props.includes(p))).toEqual([]);
  for (const [key, c] of Object.entries(CASES)) {
    for (const part of [c.bad, c.token]) {
      if (part instanceof NotApplicable) {
        expect(`${key}: ${part.reason}`.length).toBeGreaterThan(key.length + 20);
      }
    }
  }
});

const badCases = Object.entries(CASES).flatMap(([key, c]) => c.bad instanceof NotApplicable ? [] : c.bad.map((b, i) => [`${key} #${i + 1}`, b] as const));
test.each(badCases)('fails %s with the construct path, property and value', (_key, b) => {
  let error: unknown;
  try {
    b.build();
  } catch (e) {
    error = e;
  }
  expect(EcrValidationError.isEcrValidationError(error) || error instanceof Error).toBe(true);
  if (!EcrValidationError.isEcrValidationError(error)) {
    // A check in node.addValidation reports through app.synth(): the message names path, property and value.
    const message = (error as Error).message;
    expect(message).toContain(`${b.path}: invalid `);
    expect(message).toMatch(typeof b.property === 'string' ? new RegExp(escape(b.property)) : b.property);
    expect(message).toContain(JSON.stringify(b.value).slice(0, 150));
    return;
  }
  expect(error.constructPath).toBe(b.path);
  const match = error.violations.find(v => typeof b.property === 'string' ? v.property === b.property : b.property.test(v.property));
  expect({ found: match?.property, all: error.violations.map(v => v.property) }).toMatchObject({ found: expect.anything() });
  expect(match!.value).toEqual(b.value);
});

const tokenCases = Object.entries(CASES)
  .filter(([, c]) => !(c.token instanceof NotApplicable))
  .map(([key, c]) => [key, c.token as () => unknown] as const);
test.each(tokenCases)('accepts a token for %s', (_key, build) => {
  expect(() => build()).not.toThrow();
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Keep the imports of enums used only as values in casts referenced.
void [FindingSource, LifecycleAction, StorageClass, RemovalPolicy, Lazy];
