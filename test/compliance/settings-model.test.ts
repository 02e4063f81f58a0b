import { App, CfnCondition, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { PrivateRepository } from '../../src';
import { isDeployTimeValue, RepositoryModel } from '../../src/model/settings';
import { modelFromTemplate } from '../../src/model/template';
import { newStack } from '../helpers/synth';

/** The template feed of the settings model the rules evaluate. */
describe('settings model from a template', () => {
  test('a PrivateRepository with a named customer key: one value per setting, the ARN from its literal name', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new PrivateRepository(stack, 'Repo', { repositoryName: 'payments/api', encryptionKey: key });
    const model = modelFromTemplate(stack);
    expect(model.registries).toHaveLength(1);
    expect(model.registries[0]).toMatchObject({ account: '111111111111', region: 'us-east-1' });
    const repo = model.registries[0].repositories[0];
    expect(repo).toMatchObject({
      kind: 'repository',
      id: 'TestStack/Repo/Resource',
      name: 'payments/api',
      arn: 'arn:aws:ecr:us-east-1:111111111111:repository/payments/api',
      tagMutability: ['IMMUTABLE'],
      scanOnPush: [true],
      encryptionType: ['KMS'],
      policyStatements: [],
    });
    expect(repo.kmsKey).toHaveLength(1);
    expect(isDeployTimeValue(repo.kmsKey![0])).toBe(true);
    expect(typeof repo.lifecyclePolicyText![0]).toBe('string');
    expect(JSON.parse(repo.lifecyclePolicyText![0] as string).rules.length).toBeGreaterThan(0);
  });

  test('defaults are effective values: unset mutability is MUTABLE, no encryption is AES256, no scanning is false', () => {
    const stack = newStack();
    new ecr.CfnRepository(stack, 'Repo');
    const repo = modelFromTemplate(stack).registries[0].repositories[0];
    expect(repo).toMatchObject({ tagMutability: ['MUTABLE'], encryptionType: ['AES256'], kmsKey: [undefined], scanOnPush: [false], lifecyclePolicyText: [undefined] });
    expect(repo.arn).toBeUndefined();
  });

  test('Fn::If gives both branches, a parameter without AllowedValues is unknown (null)', () => {
    const stack = newStack();
    const prod = new CfnCondition(stack, 'Prod', { expression: Fn.conditionEquals(Fn.ref('AWS::Region'), 'eu-west-1') });
    const free = new CfnParameter(stack, 'Free');
    new ecr.CfnRepository(stack, 'Repo', {
      imageTagMutability: Fn.conditionIf(prod.logicalId, 'IMMUTABLE', 'MUTABLE').toString(),
      imageScanningConfiguration: { scanOnPush: free.valueAsString as any },
    });
    const repo: RepositoryModel = modelFromTemplate(stack).registries[0].repositories[0];
    expect(repo.tagMutability).toEqual(['IMMUTABLE', 'MUTABLE']);
    expect(repo.scanOnPush).toBeNull();
  });

  test('registries are per account and region across stacks; an environment-agnostic stack is its own', () => {
    const app = new App();
    const a = newStack({ stackName: 'A' }, app);
    const b = newStack({ stackName: 'B' }, app);
    const eu = newStack({ stackName: 'Eu', env: { account: '111111111111', region: 'eu-west-1' } }, app);
    const agnostic = new Stack(app, 'Agnostic');
    new ecr.CfnRegistryScanningConfiguration(a, 'Scanning', { scanType: 'BASIC', rules: [] });
    new ecr.CfnRegistryPolicy(b, 'Policy', { policyText: { Version: '2012-10-17', Statement: [] } });
    new ecr.CfnReplicationConfiguration(eu, 'Replication', {
      replicationConfiguration: { rules: [{ destinations: [{ region: 'us-west-2', registryId: '111111111111' }] }] },
    });
    new ecr.CfnRepositoryCreationTemplate(agnostic, 'Template', { prefix: 'ROOT', appliedFor: ['REPLICATION'] });
    const model = modelFromTemplate(app);
    const counts = (r: typeof model.registries[number]) => [
      r.account, r.region, r.scanningConfigurations.length, r.registryPolicies.length, r.replicationConfigurations.length, r.creationTemplates.length,
    ];
    expect(model.registries.map(counts)).toEqual([
      ['111111111111', 'us-east-1', 1, 1, 0, 0],
      ['111111111111', 'eu-west-1', 0, 0, 1, 0],
      [undefined, undefined, 0, 0, 0, 1],
    ]);
    expect(model.registries[1].replicationConfigurations[0].destinations).toEqual(['us-west-2/111111111111']);
    expect(model.registries[2].creationTemplates[0]).toMatchObject({
      prefix: 'ROOT', appliedFor: ['REPLICATION'], tagMutability: ['MUTABLE'], lifecyclePolicyText: [undefined],
    });
  });
});
