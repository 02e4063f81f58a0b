import { App, CfnCondition, CfnParameter, CfnResource, Fn, Stack, Tags, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { EcrChecks, PrivateRepository, Registry, RegistryScanning, UpstreamRegistry } from '../../src';
import { RuleCompliance } from '../../src/compliance/private/rule';
import { EcrTagImmutability } from '../../src/compliance/rules';
import { modelFromTemplate } from '../../src/model/template';
import { newStack } from '../helpers/synth';

/** Paths of the resources that fail `ruleId` under `scope`. */
function failing(scope: IConstruct, ruleId: string): string[] {
  return new EcrChecks().validateScope(scope).violations
    .filter(v => v.ruleName === ruleId)
    .flatMap(v => v.violatingResources.map(r => r.constructPath ?? ''));
}

/** Rule ids reported under `scope`. */
function ruleIds(scope: IConstruct): string[] {
  return new EcrChecks().validateScope(scope).violations.map(v => v.ruleName).sort();
}

const LIFECYCLE_TEXT = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } }],
});

/** A fully compliant L1 repository; override single properties to make it fail one rule. */
function cfnRepository(scope: IConstruct, id: string, props: Partial<ecr.CfnRepositoryProps> = {}): ecr.CfnRepository {
  return new ecr.CfnRepository(scope, id, {
    imageTagMutability: 'IMMUTABLE',
    imageScanningConfiguration: { scanOnPush: true },
    lifecyclePolicy: { lifecyclePolicyText: LIFECYCLE_TEXT },
    encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    ...props,
  });
}

function policy(...statements: any[]): any {
  return { Version: '2012-10-17', Statement: statements };
}

const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];

describe('EcrChecks pack', () => {
  test('reports the version of the package it comes from (a valid semantic version)', () => {
    const pack = new EcrChecks();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(pack.version).toBe(require('../../package.json').version);
    expect(pack.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });

  test('has the name EcrChecks and reports with EcrChecks- rule ids', () => {
    const pack = new EcrChecks();
    expect(pack.name).toBe('EcrChecks');
    expect(pack.ruleIds).toEqual([
      'EcrChecks-ECR1', 'EcrChecks-ECR2', 'EcrChecks-ECR3', 'EcrChecks-ECR4', 'EcrChecks-ECR5',
      'EcrChecks-OpenAccess', 'EcrChecks-CrossAccountWildcard', 'EcrChecks-RegistryScanning',
      'EcrChecks-RegistryPolicyActions', 'EcrChecks-CreationTemplate',
    ]);
    const stack = newStack();
    new ecr.Repository(stack, 'Plain');
    expect(ruleIds(stack)).toEqual(['EcrChecks-ECR1', 'EcrChecks-ECR2', 'EcrChecks-ECR3', 'EcrChecks-ECR5']);
  });

  test('ECR5 is a warning, the other rules are errors', () => {
    const stack = newStack();
    new ecr.Repository(stack, 'Plain');
    const severities = Object.fromEntries(new EcrChecks().validateScope(stack).violations.map(v => [v.ruleName, v.severity]));
    expect(severities).toEqual({
      'EcrChecks-ECR1': 'error',
      'EcrChecks-ECR2': 'error',
      'EcrChecks-ECR3': 'error',
      'EcrChecks-ECR5': 'warning',
    });
  });

  test('a stack of plain ecr.Repository defaults fails ECR1, ECR2 and ECR3 for every repository', () => {
    const stack = newStack();
    new ecr.Repository(stack, 'A');
    new ecr.Repository(stack, 'B');
    for (const id of ['EcrChecks-ECR1', 'EcrChecks-ECR2', 'EcrChecks-ECR3']) {
      expect(failing(stack, id)).toEqual(['TestStack/A/Resource', 'TestStack/B/Resource']);
    }
  });

  test('a stack of PrivateRepository defaults passes every error-level rule (only the ECR5 warning: AWS managed key)', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'A');
    new PrivateRepository(stack, 'B');
    const report = new EcrChecks().validateScope(stack);
    expect(report.violations.filter(v => v.severity === 'error')).toEqual([]);
    expect(report.violations.map(v => v.ruleName)).toEqual(['EcrChecks-ECR5']);
  });

  test('PrivateRepository with a customer managed key passes every rule', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new PrivateRepository(stack, 'A', { encryptionKey: key });
    new PrivateRepository(stack, 'B', { encryptionKey: key, encryption: ecr.RepositoryEncryption.KMS_DSSE });
    expect(new EcrChecks().validateScope(stack)).toEqual({ success: true, violations: [] });
  });

  test('an acknowledgement through Validations.acknowledge silences exactly that rule on that resource', () => {
    const stack = newStack();
    const a = new ecr.Repository(stack, 'A');
    new ecr.Repository(stack, 'B');
    Validations.of(a).acknowledge({ id: 'EcrChecks-ECR2', reason: 'CI cache repository: the latest tag is moved on every build' });
    expect(failing(stack, 'EcrChecks-ECR2')).toEqual(['TestStack/B/Resource']);
    expect(failing(stack, 'EcrChecks-ECR1')).toEqual(['TestStack/A/Resource', 'TestStack/B/Resource']);
  });

  describe('as a policy validation plugin (Validations.of(app).addPlugins)', () => {
    let exitCode: typeof process.exitCode;
    let errors: jest.SpyInstance;
    beforeEach(() => {
      exitCode = process.exitCode;
      errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    });
    afterEach(() => {
      process.exitCode = exitCode;
      errors.mockRestore();
    });

    test('findings fail the synthesis and name the rule', () => {
      const app = new App();
      Validations.of(app).addPlugins(new EcrChecks());
      const stack = newStack({}, app);
      new ecr.Repository(stack, 'Plain');
      process.exitCode = undefined;
      let thrown: Error | undefined;
      try {
        app.synth();
      } catch (e) {
        thrown = e as Error;
      }
      // aws-cdk-lib before 2.262 reports failed validation plugins through the exit code; later releases throw.
      expect(thrown !== undefined || process.exitCode === 1).toBe(true);
      expect(`${thrown?.message ?? ''}\n${errors.mock.calls.flat().join('\n')}`).toMatch(/EcrChecks-ECR2/);
    });

    test('a compliant app passes', () => {
      const app = new App();
      Validations.of(app).addPlugins(new EcrChecks());
      const stack = newStack({}, app);
      new PrivateRepository(stack, 'Repo', { encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
      process.exitCode = undefined;
      app.synth();
      expect(process.exitCode).toBeUndefined();
    });
  });

  test('a violation names the resource (path and logical id), the fix and the controls', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Plain');
    const logicalId = stack.getLogicalId(repo.node.defaultChild as ecr.CfnRepository);
    const ecr1 = new EcrChecks().validateScope(stack).violations.find(v => v.ruleName === 'EcrChecks-ECR1')!;
    expect(ecr1.violatingResources).toEqual([{ constructPath: 'TestStack/Plain/Resource', resourceLogicalId: logicalId, locations: ['Properties'] }]);
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::ECR::Repository'))).toEqual([logicalId]);
    expect(ecr1.fix).toMatch(/imageScanOnPush/);
    expect(ecr1.ruleMetadata).toEqual({ controls: 'Security Hub ECR.1; Control Tower CT.ECR.PR.2; checkov CKV_AWS_163' });
  });

  test('the plugin-qualified id EcrChecks::EcrChecks-ECR1 acknowledges too', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Plain');
    Validations.of(repo).acknowledge({ id: 'EcrChecks::EcrChecks-ECR1', reason: 'Registry-level enhanced scanning covers this repository' });
    expect(failing(stack, 'EcrChecks-ECR1')).toEqual([]);
  });

  test('rules do not apply to other resource types', () => {
    const stack = newStack();
    new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    expect(new EcrChecks().validateScope(stack).violations).toEqual([]);
  });
});

describe('EcrChecks-ECR1: scan on push', () => {
  test('Noncompliance 1: ScanOnPush absent', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { imageScanningConfiguration: undefined });
    expect(failing(stack, 'EcrChecks-ECR1')).toEqual(['TestStack/Repo']);
  });

  test('Noncompliance 2: ScanOnPush false', () => {
    const stack = newStack();
    new ecr.Repository(stack, 'Repo', { imageScanOnPush: false });
    expect(failing(stack, 'EcrChecks-ECR1')).toEqual(['TestStack/Repo/Resource']);
  });

  test('Noncompliance 3: an escape-hatch override turns it off after construction', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    (repo.node.defaultChild as ecr.CfnRepository).addPropertyOverride('ImageScanningConfiguration.ScanOnPush', false);
    expect(failing(stack, 'EcrChecks-ECR1')).toEqual(['TestStack/Repo/Resource']);
  });

  test('Noncompliance 4: a CfnParameter without AllowedValues cannot be known at synth time', () => {
    const stack = newStack();
    const scan = new CfnParameter(stack, 'Scan', { default: 'true' });
    cfnRepository(stack, 'Repo', { imageScanningConfiguration: { scanOnPush: scan.valueAsString as any } });
    expect(failing(stack, 'EcrChecks-ECR1')).toEqual(['TestStack/Repo']);
  });

  test('Compliance 1: ScanOnPush true', () => {
    const stack = newStack();
    new ecr.Repository(stack, 'Repo', { imageScanOnPush: true });
    expect(failing(stack, 'EcrChecks-ECR1')).toEqual([]);
  });

  test('Compliance 2: a CfnParameter whose AllowedValues are all "true"', () => {
    const stack = newStack();
    const scan = new CfnParameter(stack, 'Scan', { default: 'true', allowedValues: ['true'] });
    cfnRepository(stack, 'Repo', { imageScanningConfiguration: { scanOnPush: scan.valueAsString as any } });
    expect(failing(stack, 'EcrChecks-ECR1')).toEqual([]);
  });

  test('Compliance 3: a plain CfnResource of type AWS::ECR::Repository is judged too', () => {
    const stack = newStack();
    new CfnResource(stack, 'Raw', {
      type: 'AWS::ECR::Repository',
      properties: { ImageScanningConfiguration: { ScanOnPush: 'true' } },
    });
    expect(failing(stack, 'EcrChecks-ECR1')).toEqual([]);
    expect(failing(stack, 'EcrChecks-ECR2')).toEqual(['TestStack/Raw']);
  });
});

describe('EcrChecks-ECR2: IMMUTABLE tags', () => {
  test('Noncompliance 1: mutability absent (ECR defaults to MUTABLE)', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { imageTagMutability: undefined });
    expect(failing(stack, 'EcrChecks-ECR2')).toEqual(['TestStack/Repo']);
  });

  test('Noncompliance 2: IMMUTABLE_WITH_EXCLUSION is not IMMUTABLE exactly', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo', {
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: ['latest'],
    });
    expect(failing(stack, 'EcrChecks-ECR2')).toEqual(['TestStack/Repo/Resource']);
  });

  test('Noncompliance 3: a CfnParameter that allows MUTABLE', () => {
    const stack = newStack();
    const mutability = new CfnParameter(stack, 'Mutability', { default: 'IMMUTABLE', allowedValues: ['IMMUTABLE', 'MUTABLE'] });
    cfnRepository(stack, 'Repo', { imageTagMutability: mutability.valueAsString });
    expect(failing(stack, 'EcrChecks-ECR2')).toEqual(['TestStack/Repo']);
  });

  test('Noncompliance 4: Fn::If with one MUTABLE branch', () => {
    const stack = newStack();
    const prod = new CfnCondition(stack, 'Prod', { expression: Fn.conditionEquals(Fn.ref('AWS::Region'), 'eu-west-1') });
    cfnRepository(stack, 'Repo', { imageTagMutability: Fn.conditionIf(prod.logicalId, 'IMMUTABLE', 'MUTABLE').toString() });
    expect(failing(stack, 'EcrChecks-ECR2')).toEqual(['TestStack/Repo']);
  });

  test('Compliance 1: IMMUTABLE', () => {
    const stack = newStack();
    new ecr.Repository(stack, 'Repo', { imageTagMutability: ecr.TagMutability.IMMUTABLE });
    expect(failing(stack, 'EcrChecks-ECR2')).toEqual([]);
  });

  test('Compliance 2: a CfnParameter whose only AllowedValue is IMMUTABLE (judged as it resolves)', () => {
    const stack = newStack();
    const mutability = new CfnParameter(stack, 'Mutability', { default: 'IMMUTABLE', allowedValues: ['IMMUTABLE'] });
    cfnRepository(stack, 'Repo', { imageTagMutability: mutability.valueAsString });
    expect(failing(stack, 'EcrChecks-ECR2')).toEqual([]);
  });

  test('Compliance 3: Fn::If with IMMUTABLE in both branches', () => {
    const stack = newStack();
    const prod = new CfnCondition(stack, 'Prod', { expression: Fn.conditionEquals(Fn.ref('AWS::Region'), 'eu-west-1') });
    cfnRepository(stack, 'Repo', { imageTagMutability: Fn.conditionIf(prod.logicalId, 'IMMUTABLE', 'IMMUTABLE').toString() });
    expect(failing(stack, 'EcrChecks-ECR2')).toEqual([]);
  });
});

describe('EcrChecks-ECR3: lifecycle policy', () => {
  test('Noncompliance 1: no lifecycle policy', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { lifecyclePolicy: undefined });
    expect(failing(stack, 'EcrChecks-ECR3')).toEqual(['TestStack/Repo']);
  });

  test('Noncompliance 2: a blank policy text', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { lifecyclePolicy: { lifecyclePolicyText: '  ' } });
    expect(failing(stack, 'EcrChecks-ECR3')).toEqual(['TestStack/Repo']);
  });

  test('Noncompliance 3: PrivateRepository with lifecycleRules: []', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo', { lifecycleRules: [] });
    expect(failing(stack, 'EcrChecks-ECR3')).toEqual(['TestStack/Repo/Resource']);
  });

  test('Compliance 1: lifecycle rules added to an ecr.Repository after construction', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Repo');
    repo.addLifecycleRule({ maxImageCount: 10 });
    expect(failing(stack, 'EcrChecks-ECR3')).toEqual([]);
  });

  test('Compliance 2: a text built with Fn::Join', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { lifecyclePolicy: { lifecyclePolicyText: Fn.join('', ['{"rules":', Fn.ref('AWS::NoValue'), ']}']) } });
    expect(failing(stack, 'EcrChecks-ECR3')).toEqual([]);
  });
});

describe('EcrChecks-ECR4: public repositories tagged', () => {
  test('Noncompliance 1: no tags', () => {
    const stack = newStack();
    new ecr.CfnPublicRepository(stack, 'Public', { repositoryName: 'tools' });
    expect(failing(stack, 'EcrChecks-ECR4')).toEqual(['TestStack/Public']);
  });

  test('Noncompliance 2: only system (aws:) tags', () => {
    const stack = newStack();
    new ecr.CfnPublicRepository(stack, 'Public', { tags: [{ key: 'aws:cloudformation:stack-name', value: 'x' }] });
    expect(failing(stack, 'EcrChecks-ECR4')).toEqual(['TestStack/Public']);
  });

  test('Compliance 1: a tag on the L1', () => {
    const stack = newStack();
    new ecr.CfnPublicRepository(stack, 'Public', { tags: [{ key: 'owner', value: 'platform' }] });
    expect(failing(stack, 'EcrChecks-ECR4')).toEqual([]);
  });

  test('Compliance 2: Tags.of(stack) counts once aspects have run (synth, or as a validation plugin)', () => {
    const app = new App();
    const stack = newStack({}, app);
    new ecr.CfnPublicRepository(stack, 'Public');
    Tags.of(stack).add('owner', 'platform');
    expect(failing(stack, 'EcrChecks-ECR4')).toEqual(['TestStack/Public']);
    app.synth();
    expect(failing(stack, 'EcrChecks-ECR4')).toEqual([]);
  });

  test('private repositories are not judged', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo');
    expect(failing(stack, 'EcrChecks-ECR4')).toEqual([]);
  });
});

describe('EcrChecks-ECR5: customer managed KMS key', () => {
  test('Noncompliance 1: no encryption configuration (AES256)', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { encryptionConfiguration: undefined });
    expect(failing(stack, 'EcrChecks-ECR5')).toEqual(['TestStack/Repo']);
  });

  test('Noncompliance 2: KMS with the AWS managed key (no KmsKey)', () => {
    const stack = newStack();
    new ecr.Repository(stack, 'Repo', { encryption: ecr.RepositoryEncryption.KMS });
    expect(failing(stack, 'EcrChecks-ECR5')).toEqual(['TestStack/Repo/Resource']);
  });

  test('Noncompliance 3: KMS with the alias aws/ecr named explicitly', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/aws/ecr' } });
    expect(failing(stack, 'EcrChecks-ECR5')).toEqual(['TestStack/Repo']);
  });

  test('Compliance 1: a customer key of the stack (Fn::GetAtt)', () => {
    const stack = newStack();
    new ecr.Repository(stack, 'Repo', { encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
    expect(failing(stack, 'EcrChecks-ECR5')).toEqual([]);
  });

  test('Compliance 2: KMS_DSSE with a key ARN', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { encryptionConfiguration: { encryptionType: 'KMS_DSSE', kmsKey: 'arn:aws:kms:us-east-1:111111111111:key/k' } });
    expect(failing(stack, 'EcrChecks-ECR5')).toEqual([]);
  });
});

describe('EcrChecks-OpenAccess: no pull or push for everyone without an organization or source condition', () => {
  test('Noncompliance 1: Principal "*" pulls (repository policy)', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { repositoryPolicyText: policy({ Effect: 'Allow', Principal: '*', Action: PULL }) });
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual(['TestStack/Repo']);
  });

  test('Noncompliance 2: AnyPrincipal push through addToResourcePolicy of an ecr.Repository', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Repo');
    repo.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['ecr:PutImage'] }));
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual(['TestStack/Repo/Resource']);
  });

  test('Noncompliance 3: an action wildcard counts as pull', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { repositoryPolicyText: policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'ecr:Batch*' }) });
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual(['TestStack/Repo']);
  });

  test('Noncompliance 4: a negated organization condition (StringNotEquals) does not restrict', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', {
      repositoryPolicyText: policy({
        Effect: 'Allow',
        Principal: '*',
        Action: PULL,
        Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } },
      }),
    });
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual(['TestStack/Repo']);
  });

  test('Noncompliance 5: an IfExists or wildcard-valued condition does not restrict', () => {
    const stack = newStack();
    cfnRepository(stack, 'A', {
      repositoryPolicyText: policy({ Effect: 'Allow', Principal: '*', Action: PULL, Condition: { StringEqualsIfExists: { 'aws:SourceAccount': '222222222222' } } }),
    });
    cfnRepository(stack, 'B', {
      repositoryPolicyText: policy({ Effect: 'Allow', Principal: '*', Action: PULL, Condition: { StringLike: { 'aws:PrincipalOrgID': '*' } } }),
    });
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual(['TestStack/A', 'TestStack/B']);
  });

  test('Noncompliance 6: a registry policy lets anyone replicate in', () => {
    const stack = newStack();
    new ecr.CfnRegistryPolicy(stack, 'Registry', { policyText: policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::*:root' }, Action: ['ecr:ReplicateImage'], Resource: '*' }) });
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual(['TestStack/Registry']);
  });

  test('Noncompliance 7: a creation template policy (JSON text) opens pull', () => {
    const stack = newStack();
    new ecr.CfnRepositoryCreationTemplate(stack, 'Template', {
      prefix: 'cache',
      appliedFor: ['PULL_THROUGH_CACHE'],
      imageTagMutability: 'IMMUTABLE',
      lifecyclePolicy: LIFECYCLE_TEXT,
      repositoryPolicy: JSON.stringify(policy({ Effect: 'Allow', Principal: '*', Action: PULL })),
    });
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual(['TestStack/Template']);
  });

  test('Noncompliance 8: a public repository that lets anyone push', () => {
    const stack = newStack();
    new ecr.CfnPublicRepository(stack, 'Public', {
      tags: [{ key: 'owner', value: 'platform' }],
      repositoryPolicyText: policy({ Effect: 'Allow', Principal: '*', Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload'] }),
    });
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual(['TestStack/Public']);
  });

  test('Compliance 1: Principal "*" with aws:PrincipalOrgID', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    repo.grantPull(new iam.OrganizationPrincipal('o-abcdef1234'));
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual([]);
  });

  test('Compliance 2: Principal "*" with ForAnyValue:StringLike aws:PrincipalOrgPaths, or aws:SourceArn', () => {
    const stack = newStack();
    cfnRepository(stack, 'A', {
      repositoryPolicyText: policy({ Effect: 'Allow', Principal: '*', Action: PULL, Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-abcdef1234/r-ab12/ou-ab12-11111111/*'] } } }),
    });
    cfnRepository(stack, 'B', {
      repositoryPolicyText: policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: PULL }, { Effect: 'Allow', Principal: '*', Action: PULL, Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:lambda:us-east-1:111111111111:function:*' } } }),
    });
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual([]);
  });

  test('Compliance 3: named accounts, a Deny for everyone, and a public repository open for pulls only', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Repo', { imageTagMutability: ecr.TagMutability.IMMUTABLE });
    repo.grantPull(new iam.AccountPrincipal('222222222222'));
    repo.addToResourcePolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['ecr:DeleteRepository'] }));
    new ecr.CfnPublicRepository(stack, 'Public', {
      tags: [{ key: 'owner', value: 'platform' }],
      repositoryPolicyText: policy({ Effect: 'Allow', Principal: '*', Action: PULL }),
    });
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual([]);
  });

  test('a policy that cannot be read at synth time does not pass', () => {
    const stack = newStack();
    const text = new CfnParameter(stack, 'PolicyText');
    cfnRepository(stack, 'Repo', { repositoryPolicyText: text.valueAsString });
    expect(failing(stack, 'EcrChecks-OpenAccess')).toEqual(['TestStack/Repo']);
  });
});

describe('EcrChecks-CrossAccountWildcard: no wildcard actions to another account', () => {
  test('Noncompliance 1: ecr:* to another account id', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { repositoryPolicyText: policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: 'ecr:*' }) });
    expect(failing(stack, 'EcrChecks-CrossAccountWildcard')).toEqual(['TestStack/Repo']);
  });

  test('Noncompliance 2: grant(...) with ecr:* to an AccountPrincipal (rendered with Fn::Join)', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Repo');
    repo.grant(new iam.AccountPrincipal('222222222222'), 'ecr:*');
    expect(failing(stack, 'EcrChecks-CrossAccountWildcard')).toEqual(['TestStack/Repo/Resource']);
  });

  test('Noncompliance 3: a partial wildcard to the whole organization, and NotAction to a role', () => {
    const stack = newStack();
    cfnRepository(stack, 'A', {
      repositoryPolicyText: policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:Get*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } } }),
    });
    cfnRepository(stack, 'B', {
      repositoryPolicyText: policy({ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::333333333333:role/deployer'] }, NotAction: 'ecr:DeleteRepository' }),
    });
    expect(failing(stack, 'EcrChecks-CrossAccountWildcard')).toEqual(['TestStack/A', 'TestStack/B']);
  });

  test('Noncompliance 4: ecr:* in a registry policy', () => {
    const stack = newStack();
    new ecr.CfnRegistryPolicy(stack, 'Registry', { policyText: policy({ Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: 'ecr:*', Resource: '*' }) });
    expect(failing(stack, 'EcrChecks-CrossAccountWildcard')).toEqual(['TestStack/Registry']);
  });

  test('Compliance 1: named pull actions to another account (grantPull)', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Repo');
    repo.grantPull(new iam.AccountPrincipal('222222222222'));
    repo.grantPullPush(new iam.ArnPrincipal('arn:aws:iam::333333333333:role/ci'));
    expect(failing(stack, 'EcrChecks-CrossAccountWildcard')).toEqual([]);
  });

  test('Compliance 2: ecr:* to the stack\'s own account', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Repo');
    repo.grant(new iam.AccountRootPrincipal(), 'ecr:*');
    cfnRepository(stack, 'Literal', { repositoryPolicyText: policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:role/admin' }, Action: 'ecr:*' }) });
    expect(failing(stack, 'EcrChecks-CrossAccountWildcard')).toEqual([]);
  });

  test('Compliance 3: a wildcard Deny', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { repositoryPolicyText: policy({ Effect: 'Deny', Principal: { AWS: '222222222222' }, Action: 'ecr:*' }) });
    expect(failing(stack, 'EcrChecks-CrossAccountWildcard')).toEqual([]);
  });

  test('in an environment-agnostic stack, any concrete account counts as another account', () => {
    const stack = new Stack(new App(), 'Agnostic');
    cfnRepository(stack, 'Repo', { repositoryPolicyText: policy({ Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'ecr:*' }) });
    expect(failing(stack, 'EcrChecks-CrossAccountWildcard')).toEqual(['Agnostic/Repo']);
  });
});

describe('EcrChecks-RegistryScanning: the registry scans every repository', () => {
  function scanning(scope: IConstruct, id: string, props: Partial<ecr.CfnRegistryScanningConfigurationProps> = {}) {
    return new ecr.CfnRegistryScanningConfiguration(scope, id, {
      scanType: 'ENHANCED',
      rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
      ...props,
    });
  }
  function replication(scope: IConstruct, id: string) {
    return new ecr.CfnReplicationConfiguration(scope, id, {
      replicationConfiguration: { rules: [{ destinations: [{ region: 'eu-west-1', registryId: '111111111111' }] }] },
    });
  }

  test('Noncompliance 1: basic scanning with no rules', () => {
    const stack = newStack();
    scanning(stack, 'Scanning', { scanType: 'BASIC', rules: [] });
    expect(failing(stack, 'EcrChecks-RegistryScanning')).toEqual(['TestStack/Scanning']);
  });

  test('Noncompliance 2: rules that only cover a prefix', () => {
    const stack = newStack();
    scanning(stack, 'Scanning', { rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'prod/*', filterType: 'WILDCARD' }] }] });
    expect(failing(stack, 'EcrChecks-RegistryScanning')).toEqual(['TestStack/Scanning']);
  });

  test('Noncompliance 3: MANUAL frequency for "*"', () => {
    const stack = newStack();
    scanning(stack, 'Scanning', { scanType: 'BASIC', rules: [{ scanFrequency: 'MANUAL', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }] });
    expect(failing(stack, 'EcrChecks-RegistryScanning')).toEqual(['TestStack/Scanning']);
  });

  test('Noncompliance 4: a replication configuration in a registry without a scanning configuration', () => {
    const stack = newStack();
    replication(stack, 'Replication');
    new ecr.CfnPullThroughCacheRule(stack, 'Cache', { ecrRepositoryPrefix: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws' });
    expect(failing(stack, 'EcrChecks-RegistryScanning')).toEqual(['TestStack/Replication', 'TestStack/Cache']);
  });

  test('Noncompliance 5: scanning configured for another region does not count', () => {
    const app = new App();
    const euStack = newStack({ stackName: 'Eu', env: { account: '111111111111', region: 'eu-west-1' } }, app);
    scanning(euStack, 'Scanning');
    const usStack = newStack({ stackName: 'Us' }, app);
    replication(usStack, 'Replication');
    expect(failing(app, 'EcrChecks-RegistryScanning')).toEqual(['Us/Replication']);
  });

  test('Compliance 1: ENHANCED continuous scanning of "*"; BASIC scan on push of "*"', () => {
    const app = new App();
    scanning(newStack({ stackName: 'A' }, app), 'Scanning');
    scanning(newStack({ stackName: 'B', env: { account: '111111111111', region: 'eu-west-1' } }, app), 'Scanning', {
      scanType: 'BASIC', rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
    });
    expect(failing(app, 'EcrChecks-RegistryScanning')).toEqual([]);
  });

  test('Compliance 2: registry-level resources with scanning in another stack of the same account and region', () => {
    const app = new App();
    scanning(newStack({ stackName: 'Scanning' }, app), 'Scanning');
    const registry = newStack({ stackName: 'Registry' }, app);
    replication(registry, 'Replication');
    new ecr.CfnRegistryPolicy(registry, 'Policy', { policyText: policy({ Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: ['ecr:ReplicateImage'], Resource: '*' }) });
    expect(failing(app, 'EcrChecks-RegistryScanning')).toEqual([]);
  });

  test('a Registry writes scanning only when asked: without it the registry stack fails until it is given or acknowledged', () => {
    const stack = newStack({ env: { account: '111111111111', region: 'eu-west-1' } });
    const registry = new Registry(stack, 'Registry');
    registry.addPullThroughCacheRule('EcrPublic', { upstream: UpstreamRegistry.ecrPublic() });
    expect(failing(stack, 'EcrChecks-RegistryScanning')).toEqual(['TestStack/Registry/EcrPublic/Resource']);
    Validations.of(registry).acknowledge({ id: 'EcrChecks-RegistryScanning', reason: 'Amazon Inspector (organization administrator) owns scanning' });
    expect(failing(stack, 'EcrChecks-RegistryScanning')).toEqual([]);

    const asked = newStack({ stackName: 'Asked', env: { account: '111111111111', region: 'eu-west-1' } });
    new Registry(asked, 'Registry', { scanning: RegistryScanning.basic() }).addPullThroughCacheRule('EcrPublic', { upstream: UpstreamRegistry.ecrPublic() });
    expect(failing(asked, 'EcrChecks-RegistryScanning')).toEqual([]);
  });

  test('plain repositories are not judged (application stacks use registries they do not manage)', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo');
    expect(failing(stack, 'EcrChecks-RegistryScanning')).toEqual([]);
  });
});

describe('EcrChecks-RegistryPolicyActions: only registry-level actions in a registry policy', () => {
  test('Noncompliance 1: a push, delete or policy action in a registry policy (V2 enforces it on every repository)', () => {
    const app = new App();
    for (const action of ['ecr:PutImage', 'ecr:DeleteRepository', 'ecr:SetRepositoryPolicy', 's3:GetObject']) {
      const stack = newStack({ stackName: action.replace(/[^A-Za-z]/g, '') }, app);
      new ecr.CfnRegistryPolicy(stack, 'Policy', { policyText: policy({ Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: ['ecr:ReplicateImage', action], Resource: '*' }) });
    }
    expect(failing(app, 'EcrChecks-RegistryPolicyActions')).toEqual(['ecrPutImage/Policy', 'ecrDeleteRepository/Policy', 'ecrSetRepositoryPolicy/Policy', 'sGetObject/Policy']);
  });

  test('Compliance 2: pull actions (V2 scope: an organization pulling through the cache)', () => {
    const stack = newStack();
    new ecr.CfnRegistryPolicy(stack, 'Policy', {
      policyText: policy({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        Resource: 'arn:aws:ecr:us-east-1:111111111111:repository/docker-hub/*',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      }),
    });
    expect(failing(stack, 'EcrChecks-RegistryPolicyActions')).toEqual([]);
  });

  test('Noncompliance 2: a wildcard or NotAction', () => {
    const stack = newStack();
    new ecr.CfnRegistryPolicy(stack, 'A', { policyText: policy({ Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'ecr:Replicate*', Resource: '*' }) });
    new ecr.CfnRegistryPolicy(newStack({ stackName: 'Other' }), 'B', { policyText: policy({ Effect: 'Allow', Principal: { AWS: '111111111111' }, NotAction: 'ecr:DeleteRepository', Resource: '*' }) });
    expect(failing(stack, 'EcrChecks-RegistryPolicyActions')).toEqual(['TestStack/A']);
  });

  test('Compliance 1: replication and pull-through cache actions', () => {
    const stack = newStack();
    new ecr.CfnRegistryPolicy(stack, 'Policy', {
      policyText: policy(
        { Sid: 'Replication', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'], Resource: 'arn:aws:ecr:us-east-1:111111111111:repository/*' },
        { Sid: 'PullThroughCache', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:role/builder' }, Action: ['ecr:CreateRepository', 'ecr:BatchImportUpstreamImage'], Resource: 'arn:aws:ecr:us-east-1:111111111111:repository/cache/*' },
        { Sid: 'NoDelete', Effect: 'Deny', Principal: '*', Action: 'ecr:*', Resource: '*' },
      ),
    });
    expect(failing(stack, 'EcrChecks-RegistryPolicyActions')).toEqual([]);
  });

  test('repository policies are not judged by this rule', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { repositoryPolicyText: policy({ Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: PULL }) });
    expect(failing(stack, 'EcrChecks-RegistryPolicyActions')).toEqual([]);
  });
});

describe('EcrChecks-CreationTemplate: created repositories get IMMUTABLE tags and a lifecycle policy', () => {
  test('Noncompliance 1: no settings (ECR defaults to MUTABLE, no lifecycle policy)', () => {
    const stack = newStack();
    new ecr.CfnRepositoryCreationTemplate(stack, 'Template', { prefix: 'ROOT', appliedFor: ['REPLICATION'] });
    expect(failing(stack, 'EcrChecks-CreationTemplate')).toEqual(['TestStack/Template']);
  });

  test('Noncompliance 2: IMMUTABLE without a lifecycle policy', () => {
    const stack = newStack();
    new ecr.CfnRepositoryCreationTemplate(stack, 'Template', { prefix: 'ROOT', appliedFor: ['REPLICATION'], imageTagMutability: 'IMMUTABLE' });
    expect(failing(stack, 'EcrChecks-CreationTemplate')).toEqual(['TestStack/Template']);
  });

  test('Compliance 1: IMMUTABLE and a lifecycle policy', () => {
    const stack = newStack();
    new ecr.CfnRepositoryCreationTemplate(stack, 'Template', {
      prefix: 'ROOT', appliedFor: ['REPLICATION', 'PULL_THROUGH_CACHE'], imageTagMutability: 'IMMUTABLE', lifecyclePolicy: LIFECYCLE_TEXT,
    });
    expect(failing(stack, 'EcrChecks-CreationTemplate')).toEqual([]);
  });
});

describe('rule functions', () => {
  test('a resource that is not synthesized is not in the model and has no finding', () => {
    const stack = newStack();
    const repo = cfnRepository(stack, 'Repo', { imageTagMutability: 'MUTABLE' });
    expect(failing(stack, 'EcrChecks-ECR2')).toEqual(['TestStack/Repo']);
    // A resource that does not render (shouldSynthesize false) has nothing to judge.
    (repo as any).shouldSynthesize = () => false;
    expect(modelFromTemplate(stack).subjects).toEqual([]);
    expect(failing(stack, 'EcrChecks-ECR2')).toEqual([]);
  });

  test('judge the settings model, not a resource: NOT_APPLICABLE for another kind, the value seen when not compliant', () => {
    const stack = newStack();
    cfnRepository(stack, 'Repo', { imageTagMutability: 'MUTABLE' });
    const [{ subject }] = modelFromTemplate(stack).subjects;
    expect(subject).toMatchObject({ kind: 'repository', id: 'TestStack/Repo', tagMutability: ['MUTABLE'], scanOnPush: [true] });
    expect(EcrTagImmutability(subject)).toEqual({ compliance: RuleCompliance.NON_COMPLIANT, detail: 'tag mutability is MUTABLE' });
    expect(EcrTagImmutability({ kind: 'registryPolicy', id: 'x', policyStatements: [] })).toEqual({ compliance: RuleCompliance.NOT_APPLICABLE });
  });

  test('a resource that fails to render fails every rule of its kind, with the error', () => {
    const stack = newStack();
    const repo = cfnRepository(stack, 'Repo');
    (repo as any)._toCloudFormation = () => {
      throw new Error('boom');
    };
    const report = new EcrChecks().validateScope(stack);
    expect(report.violations.map(v => v.ruleName).sort()).toEqual([
      'EcrChecks-CrossAccountWildcard', 'EcrChecks-ECR1', 'EcrChecks-ECR2', 'EcrChecks-ECR3', 'EcrChecks-ECR5', 'EcrChecks-OpenAccess',
    ]);
    expect(report.violations[0].violatingResources[0].locations).toEqual(['Properties (the rule failed: boom)']);
  });
});
