import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { EcrValidationError, ImageCheck, ImageReference, PrivateRepository, ScanFindingSeverity } from '../../src';
import { newestNodeRuntime } from '../../src/private/lambda-runtime';
import { caught } from '../helpers/errors';
import { newStack } from '../helpers/synth';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const REMOTE_ARN = 'arn:aws:ecr:eu-west-1:222222222222:repository/payments/api';

describe('ImageCheck: three checks in one stack', () => {
  const stack = newStack();
  const owned = new PrivateRepository(stack, 'Owned', { repositoryName: 'platform/base' });
  const remote = ecr.Repository.fromRepositoryArn(stack, 'Remote', REMOTE_ARN);
  const local = ecr.Repository.fromRepositoryName(stack, 'Local', 'web');
  const c1 = new ImageCheck(stack, 'Base', { images: [ImageReference.fromTag(owned, 'v1')] });
  const c2 = new ImageCheck(stack, 'Api', {
    images: [ImageReference.fromTag(remote, 'v1.2.3'), ImageReference.fromDigest(remote, DIGEST)],
    failOnSeverity: ScanFindingSeverity.HIGH,
  });
  const c3 = new ImageCheck(stack, 'Web', { images: [ImageReference.fromTag(local, 'latest'), ImageReference.fromTag(local, 'latest')] });
  const t = Template.fromStack(stack);

  test('one Lambda function, log group and role for the whole stack', () => {
    t.resourceCountIs('AWS::Lambda::Function', 1);
    t.resourceCountIs('AWS::Logs::LogGroup', 1);
    t.resourceCountIs('AWS::IAM::Role', 1);
    t.resourceCountIs('Custom::EcrImageCheck', 3);
    const fn = Object.keys(t.findResources('AWS::Lambda::Function'))[0];
    const checks = t.findResources('Custom::EcrImageCheck');
    for (const c of Object.values(checks) as any[]) {
      expect(c.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [fn, 'Arn'] });
      expect(c.Properties.ServiceTimeout).toBe('360');
    }
  });

  test('the function: the newest Node runtime aws-cdk-lib knows, 5-minute timeout, its own log group with a one-year retention', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: newestNodeRuntime().name,
      Handler: 'index.handler',
      Timeout: 300,
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('LogGroup') } },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('IAM: DescribeImages on exactly the referenced repositories, scan findings only for the gated one, no * resource', () => {
    const ownedArn = { 'Fn::GetAtt': [stack.getLogicalId(owned.node.defaultChild as any), 'Arn'] };
    t.resourceCountIs('AWS::IAM::Policy', 1);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogGroup'), 'Arn'] } },
          {
            Effect: 'Allow',
            Action: 'ecr:DescribeImages',
            Resource: [
              ownedArn,
              REMOTE_ARN,
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/web']] },
            ],
          },
          { Effect: 'Allow', Action: 'ecr:DescribeImageScanFindings', Resource: REMOTE_ARN },
        ],
      },
    });
    const json = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(json).not.toContain('"*"');
    expect(json).not.toContain('GetAuthorizationToken');
    t.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  test('properties: registry and region from the repository, tag or digest, and the gate', () => {
    t.hasResourceProperties('Custom::EcrImageCheck', {
      Images: [
        { Registry: '222222222222', Region: 'eu-west-1', Repository: 'payments/api', Tag: 'v1.2.3' },
        { Registry: '222222222222', Region: 'eu-west-1', Repository: 'payments/api', Digest: DIGEST },
      ],
      FailOnSeverity: 'HIGH',
      ScanWaitSeconds: '120',
    });
    t.hasResourceProperties('Custom::EcrImageCheck', {
      Images: [{ Registry: '111111111111', Region: 'us-east-1', Repository: { Ref: Match.anyValue() }, Tag: 'v1' }],
      FailOnSeverity: Match.absent(),
      ScanWaitSeconds: Match.absent(),
    });
    // Duplicates are checked once.
    t.hasResourceProperties('Custom::EcrImageCheck', {
      Images: [{ Registry: '111111111111', Region: 'us-east-1', Repository: 'web', Tag: 'latest' }],
    });
  });

  test('each check depends on the provider, so its policy exists before it runs', () => {
    const checks = t.findResources('Custom::EcrImageCheck');
    for (const c of Object.values(checks) as any[]) {
      expect(c.DependsOn).toEqual(expect.arrayContaining([
        expect.stringMatching(/RoleDefaultPolicy/), expect.stringMatching(/Handler/), expect.stringMatching(/LogGroup/),
      ]));
    }
  });

  test('digest and pinned URI are tokens of the check resource', () => {
    const v = c2.verifiedImage(ImageReference.fromTag(remote, 'v1.2.3'));
    expect(v).toBe(c2.verifiedImages[0]);
    const logicalId = stack.getLogicalId(c2.resources[0].node.defaultChild as any);
    expect(stack.resolve(v.digest)).toEqual({ 'Fn::GetAtt': [logicalId, 'D0'] });
    expect(stack.resolve(c2.verifiedImages[1].digest)).toEqual({ 'Fn::GetAtt': [logicalId, 'D1'] });
    expect(stack.resolve(v.imageUri)).toEqual({
      'Fn::Join': ['', ['222222222222.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/payments/api@', { 'Fn::GetAtt': [logicalId, 'D0'] }]],
    });
    expect(c3.verifiedImages).toHaveLength(1);
    expect(c1.verifiedImages[0].repository).toBe(owned);
  });

  test('fails for a reference the check does not verify', () => {
    expect(() => c3.verifiedImage(ImageReference.fromTag(local, 'v2')))
      .toThrow('TestStack/Web: invalid reference "web:v2": must be one of the images this check verifies: "web:latest"');
    const error = caught(() => c3.verifiedImage(ImageReference.fromTag(local, 'v2')));
    expect(EcrValidationError.isEcrValidationError(error)).toBe(true);
    expect((error as EcrValidationError).constructPath).toBe('TestStack/Web');
    expect((error as EcrValidationError).violations).toEqual([{
      property: 'reference', value: 'web:v2', allowed: 'must be one of the images this check verifies: "web:latest"',
    }]);
    // Same repository, other check: the reference belongs to c2, not c1.
    expect(() => c1.verifiedImage(ImageReference.fromTag(remote, 'v1.2.3')))
      .toThrow(/TestStack\/Base: invalid reference ".*:v1.2.3": must be one of the images this check verifies: ".*:v1"$/);
  });

  test('verifiedImage finds an equal reference (same repository and tag or digest), not only the same object', () => {
    expect(c2.verifiedImage(ImageReference.fromDigest(remote, DIGEST))).toBe(c2.verifiedImages[1]);
    // Two equal references in images: one verified image.
    expect(c3.verifiedImage(ImageReference.fromTag(local, 'latest'))).toBe(c3.verifiedImages[0]);
    // A tag is not a digest, even on the same repository.
    expect(() => c2.verifiedImage(ImageReference.fromTag(remote, DIGEST.slice(7, 20)))).toThrow(/must be one of the images this check verifies/);
  });

  test('cdk-nag AwsSolutions: no findings', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v: any) => `${v.ruleName}: ${v.resourceLogicalId ?? ''}`)).toEqual([]);
  });

  test('NIST 800-53 R5, HIPAA and PCI DSS: the handler findings are acknowledged with reasons, nothing else fires', () => {
    const acked = new Map<string, string[]>();
    for (const c of stack.node.findAll()) {
      for (const m of c.node.metadata.filter(e => e.type === 'aws:cdk:acknowledged-rules')) {
        acked.set(c.node.path, [...(acked.get(c.node.path) ?? []), ...Object.keys(m.data).map(k => k.replace(/^annotation::/i, ''))]);
      }
    }
    const unacknowledged = [new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()].flatMap(pack =>
      pack.validateScope(stack).violations.flatMap((v: any) => v.violatingResources
        .filter((r: any) => ![...acked].some(([p, ids]) => r.constructPath.startsWith(p) && ids.includes(v.ruleName)))
        .map((r: any) => `${v.ruleName} ${r.constructPath}`)));
    expect(unacknowledged).toEqual([]);
    const p = 'TestStack/CdkEcrRegistryImageCheckProvider';
    expect(acked.get(`${p}/Handler`)?.filter(id => id.startsWith('NIST'))).toEqual(
      ['NIST.800.53.R5-LambdaDLQ', 'NIST.800.53.R5-LambdaInsideVPC', 'NIST.800.53.R5-LambdaConcurrency']);
    expect(acked.get(`${p}/LogGroup`)).toContain('PCI.DSS.321-CloudWatchLogGroupEncrypted');
    expect(acked.get(`${p}/Role`)).toContain('HIPAA.Security-IAMNoInlinePolicy');
  });

  test('checkov skips and cfn-guard suppressions on the function and log group carry reasons', () => {
    const fn = Object.values(t.findResources('AWS::Lambda::Function'))[0];
    expect(fn.Metadata.checkov.skip.map((x: any) => x.id)).toEqual(['CKV_AWS_115', 'CKV_AWS_116', 'CKV_AWS_117']);
    expect(fn.Metadata.guard.SuppressedRules).toEqual(['lambda_inside_vpc_check']);
    expect(fn.Metadata.guard.Reasons.lambda_inside_vpc_check).toContain('only the ECR API');
    const logGroup = Object.values(t.findResources('AWS::Logs::LogGroup'))[0];
    expect(logGroup.Metadata.checkov.skip).toEqual([{ id: 'CKV_AWS_158', comment: expect.stringContaining('no secrets') }]);
    expect(logGroup.Metadata.guard.SuppressedRules).toEqual(['cloudwatch_log_group_encrypted_check']);
  });

  test('snapshot', () => {
    // The runtime is the newest the installed aws-cdk-lib knows (asserted above; CI runs several versions),
    // written "nodejs<latest>" by test/helpers/lambda-runtime-serializer.js.
    expect(t.toJSON()).toMatchSnapshot();
  });
});

describe('ImageCheck: large checks and tokens', () => {
  test(`more than ${ImageCheck.MAX_IMAGES_PER_RESOURCE} images are spread over several resources of the same function`, () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'R', 'web');
    const refs = Array.from({ length: 95 }, (_, i) => ImageReference.fromTag(repo, `b${i}`));
    const check = new ImageCheck(stack, 'Many', { images: refs });
    const t = Template.fromStack(stack);
    t.resourceCountIs('Custom::EcrImageCheck', 3);
    t.resourceCountIs('AWS::Lambda::Function', 1);
    expect(check.resources.map(r => r.node.id)).toEqual(['Check0', 'Check1', 'Check2']);
    const sizes = Object.values(t.findResources('Custom::EcrImageCheck')).map((r: any) => r.Properties.Images.length);
    expect(sizes).toEqual([40, 40, 15]);
    expect(stack.resolve(check.verifiedImage(refs[41]).digest)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(check.resources[1].node.defaultChild as any), 'D1'] });
    // The error lists the first five references allowed, then how many more.
    expect(() => check.verifiedImage(ImageReference.fromTag(repo, 'b95'))).toThrow(
      'TestStack/Many: invalid reference "web:b95": must be one of the images this check verifies: "web:b0", "web:b1", "web:b2", "web:b3", "web:b4", and 90 more');
  });

  test('1,000 images (25 resources) synthesize; the limit is 2,000 distinct images, duplicates counted once', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'R', 'web');
    const thousand = Array.from({ length: 1_000 }, (_, i) => ImageReference.fromTag(repo, `b${i}`));
    const check = new ImageCheck(stack, 'Thousand', { images: thousand });
    expect(check.resources).toHaveLength(25);
    expect(check.verifiedImages).toHaveLength(1_000);
    Template.fromStack(stack).resourceCountIs('Custom::EcrImageCheck', 25);
    expect(ImageCheck.MAX_IMAGES).toBe(2_000);

    const max = Array.from({ length: ImageCheck.MAX_IMAGES }, (_, i) => ImageReference.fromTag(repo, `m${i}`));
    // The largest check, with a duplicate of each of its first ten references: still 2,000 distinct images.
    expect(() => new ImageCheck(stack, 'Max', { images: [...max, ...max.slice(0, 10)] })).not.toThrow();

    const over = [...max, ImageReference.fromTag(repo, 'one-more')];
    const e = caught(() => new ImageCheck(stack, 'Over', { images: over })) as Error;
    expect(e).toBeInstanceOf(EcrValidationError);
    expect(e.message).toBe('TestStack/Over: invalid images "2001 distinct images": must list at most 2,000 distinct images '
      + '(50 custom resources of 40): split them over several checks or stacks');
    // Nothing was created for the refused check.
    expect(stack.node.tryFindChild('Over')).toBeUndefined();
  });

  test('token inputs do not throw', () => {
    const stack = newStack();
    const tag = new CfnParameter(stack, 'Tag').valueAsString;
    const digest = new CfnParameter(stack, 'Digest').valueAsString;
    const repo = ecr.Repository.fromRepositoryAttributes(stack, 'R', {
      repositoryArn: new CfnParameter(stack, 'Arn').valueAsString,
      repositoryName: new CfnParameter(stack, 'Name').valueAsString,
    });
    const wait = new CfnParameter(stack, 'Wait', { type: 'Number' }).valueAsNumber;
    expect(() => new ImageCheck(stack, 'C', {
      images: [ImageReference.fromTag(repo, tag), ImageReference.fromDigest(repo, digest)],
      failOnSeverity: ScanFindingSeverity.CRITICAL,
      scanWaitTimeout: Duration.seconds(wait),
    })).not.toThrow();
    const t = Template.fromStack(stack);
    // A late-bound ARN is split at deploy time.
    t.hasResourceProperties('Custom::EcrImageCheck', {
      Images: Match.arrayWith([Match.objectLike({ Registry: { 'Fn::Select': [4, { 'Fn::Split': [':', { Ref: 'Arn' }] }] } })]),
    });
  });

  test('fails for an empty image list', () => {
    const stack = newStack();
    expect(() => new ImageCheck(stack, 'C', { images: [] }))
      .toThrow('TestStack/C: invalid images []: must list at least one image');
  });

  test('fails for a bad tag and a bad digest, reported together', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'R', 'web');
    expect(() => new ImageCheck(stack, 'C', {
      images: [ImageReference.fromTag(repo, '-bad'), ImageReference.fromDigest(repo, 'sha256:XYZ')],
    })).toThrow([
      'TestStack/C: 2 invalid properties:',
      '  - invalid images[0].tag "-bad": must be an image tag: 1-128 of letters, digits, \'_\', \'.\' and \'-\', not starting with \'.\' or \'-\' (^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$)',
      '  - invalid images[1].digest "sha256:XYZ": must be an image digest: \'sha256:\' and 64 lowercase hexadecimal digits (^sha256:[a-f0-9]{64}$)',
    ].join('\n'));
    // Nothing was created.
    expect(stack.node.tryFindChild('C')).toBeUndefined();
    expect(Stack.of(repo).node.tryFindChild('CdkEcrRegistryImageCheckProvider')).toBeUndefined();
  });

  test('fails for scanWaitTimeout without failOnSeverity', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'R', 'web');
    expect(() => new ImageCheck(stack, 'C', { images: [ImageReference.fromTag(repo, 'v1')], scanWaitTimeout: Duration.minutes(1) }))
      .toThrow('TestStack/C: invalid scanWaitTimeout "1 minute": only with failOnSeverity (there is no scan to wait for without a scan gate)');
  });

  test('fails for a scanWaitTimeout over 3 minutes', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'R', 'web');
    expect(() => new ImageCheck(stack, 'C', {
      images: [ImageReference.fromTag(repo, 'v1')], failOnSeverity: ScanFindingSeverity.HIGH, scanWaitTimeout: Duration.minutes(4),
    })).toThrow('TestStack/C: invalid scanWaitTimeout "4 minutes": must be at most 3 minutes (the handler answers CloudFormation within 5 minutes)');
  });
});

describe('ImageCheck requireSignature (the signature gate)', () => {
  const policyStatements = (stack: Stack) => (Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')) as any[])
    .flatMap(p => p.Properties.PolicyDocument.Statement);

  test('renders RequireSignature and the default wait; DescribeImageSigningStatus on exactly the gated repositories', () => {
    const stack = newStack();
    const gated = ecr.Repository.fromRepositoryArn(stack, 'Gated', REMOTE_ARN);
    const plain = ecr.Repository.fromRepositoryName(stack, 'Plain', 'web');
    new ImageCheck(stack, 'Signed', { images: [ImageReference.fromTag(gated, 'v1'), ImageReference.fromDigest(gated, DIGEST)], requireSignature: true });
    new ImageCheck(stack, 'Unsigned', { images: [ImageReference.fromTag(plain, 'v1')] });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('Custom::EcrImageCheck', { Images: Match.arrayWith([Match.objectLike({ Tag: 'v1', Repository: 'payments/api' })]), RequireSignature: 'true', SignatureWaitSeconds: '120' });
    t.hasResourceProperties('Custom::EcrImageCheck', { Images: [Match.objectLike({ Repository: 'web' })], RequireSignature: Match.absent(), SignatureWaitSeconds: Match.absent() });
    const signing = policyStatements(stack).filter(s => JSON.stringify(s.Action).includes('DescribeImageSigningStatus'));
    expect(signing).toEqual([{ Effect: 'Allow', Action: 'ecr:DescribeImageSigningStatus', Resource: REMOTE_ARN }]);
  });

  test('off by default: no RequireSignature property and no signing permission', () => {
    const stack = newStack();
    new ImageCheck(stack, 'C', { images: [ImageReference.fromTag(ecr.Repository.fromRepositoryName(stack, 'R', 'web'), 'v1')], failOnSeverity: ScanFindingSeverity.HIGH });
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toMatch(/RequireSignature|SignatureWaitSeconds|DescribeImageSigningStatus/);
  });

  test('signatureWaitTimeout renders in seconds and accepts a token', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'R', 'web');
    new ImageCheck(stack, 'C', { images: [ImageReference.fromTag(repo, 'v1')], requireSignature: true, signatureWaitTimeout: Duration.seconds(45) });
    Template.fromStack(stack).hasResourceProperties('Custom::EcrImageCheck', { SignatureWaitSeconds: '45' });
    const wait = new CfnParameter(stack, 'Wait', { type: 'Number' }).valueAsNumber;
    expect(() => new ImageCheck(stack, 'T', { images: [ImageReference.fromTag(repo, 'v2')], requireSignature: true, signatureWaitTimeout: Duration.seconds(wait) })).not.toThrow();
  });

  test('fails for signatureWaitTimeout without requireSignature, over 3 minutes, and a requireSignature that is not a boolean', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'R', 'web');
    const images = [ImageReference.fromTag(repo, 'v1')];
    expect(() => new ImageCheck(stack, 'A', { images, signatureWaitTimeout: Duration.minutes(1) }))
      .toThrow('TestStack/A: invalid signatureWaitTimeout "1 minute": only with requireSignature: true (there is no signing to wait for without the signature gate)');
    expect(() => new ImageCheck(stack, 'B', { images, requireSignature: true, signatureWaitTimeout: Duration.minutes(4) }))
      .toThrow('TestStack/B: invalid signatureWaitTimeout "4 minutes": must be at most 3 minutes (the handler answers CloudFormation within 5 minutes)');
    expect(() => new ImageCheck(stack, 'C', { images, requireSignature: 'true' as any }))
      .toThrow('TestStack/C: invalid requireSignature "true": must be true or false (a boolean, not a string)');
    expect(stack.node.tryFindChild('CdkEcrRegistryImageCheckProvider')).toBeUndefined();
  });
});
