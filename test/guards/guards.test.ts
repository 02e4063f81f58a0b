import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, App, PhysicalName, Stack } from 'aws-cdk-lib';
import { Annotations as AssertAnnotations, Match } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  EcrValidationError, ImageCheck, ImageReference, PrivateRepository, PublicRepository, Registry, RegistryScanning,
  RepositoryAccess, ScanFindingSeverity, UpstreamRegistry,
} from '../../src';
import { caught } from '../helpers/errors';
import { newStack, templateOf } from '../helpers/synth';

/** The errors `app.synth()` reports from `node.addValidation`. */
function synthError(app: App): string {
  const e = caught(() => app.synth()) as Error;
  return e.message;
}

describe('open principal on a PrivateRepository policy, however it got there', () => {
  test('fails grantPull(AnyPrincipal) without a condition, naming the path and property', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo').grantPull(new iam.AnyPrincipal());
    const message = synthError(stack.node.root as App);
    expect(message).toMatch(/TestStack\/Repo: invalid repositoryPolicy\.Statement\[0\] \{"AWS":"\*"\}: Principal "\*" needs an aws:PrincipalOrgID/);
  });

  test('fails addToResourcePolicy with Principal * and no condition', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    repo.addToResourcePolicy(new iam.PolicyStatement({ actions: ['ecr:BatchGetImage'], principals: [new iam.StarPrincipal()] }));
    expect(synthError(stack.node.root as App)).toMatch(/TestStack\/Repo: invalid repositoryPolicy\.Statement\[0\] "\*": Principal "\*" needs/);
  });

  test('fails an open statement added next to RepositoryAccess grants (one guard per repository)', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    RepositoryAccess.of(repo).grantPullToOrganization('o-a1b2c3d4e5');
    repo.grantPull(new iam.AnyPrincipal());
    const message = synthError(stack.node.root as App);
    expect(message.match(/Principal "\*" needs/g)).toHaveLength(1);
  });

  test('accepts Principal * narrowed by a condition', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    repo.addToResourcePolicy(new iam.PolicyStatement({
      actions: ['ecr:BatchGetImage'],
      principals: [new iam.AnyPrincipal()],
      conditions: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    }));
    expect(() => (stack.node.root as App).synth()).not.toThrow();
  });

  test('fails an escape hatch that writes an open policy on the L1', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    (repo.node.defaultChild as ecr.CfnRepository).repositoryPolicyText = {
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }],
    };
    expect(synthError(stack.node.root as App)).toMatch(/Principal "\*" needs/);
  });
});

describe('principal of another stack', () => {
  function twoStacks() {
    const app = new App();
    const repoStack = newStack({ stackName: 'Registry' }, app);
    const consumer = new Stack(app, 'Consumer', { env: { account: '222222222222', region: 'us-east-1' } });
    const role = new iam.Role(consumer, 'Puller', {
      assumedBy: new iam.AccountRootPrincipal(),
      roleName: PhysicalName.GENERATE_IF_NEEDED,
    });
    const repo = new PrivateRepository(repoStack, 'Repo', { repositoryName: 'app' });
    return { app, repoStack, consumer, role, repo };
  }

  test('the repository stack depends on the principal stack (RepositoryAccess)', () => {
    const { repoStack, consumer, role, repo } = twoStacks();
    repo.access.grantPullToPrincipal(role);
    expect(repoStack.dependencies).toContain(consumer);
  });

  test('the repository stack depends on the principal stack (addToResourcePolicy)', () => {
    const { repoStack, consumer, role, repo } = twoStacks();
    repo.addToResourcePolicy(new iam.PolicyStatement({ actions: ['ecr:BatchGetImage'], principals: [role] }));
    expect(repoStack.dependencies).toContain(consumer);
  });

  test('fails a cycle at grant time, naming both stacks and the way out', () => {
    const { repoStack, consumer, role, repo } = twoStacks();
    consumer.addDependency(repoStack);
    const e = caught(() => repo.access.grantPullToPrincipal(role));
    expect(EcrValidationError.isEcrValidationError(e)).toBe(true);
    expect((e as EcrValidationError).constructPath).toBe('Registry/Repo');
    expect((e as Error).message).toMatch(/stack Consumer already depends on stack Registry \(a cycle\)/);
    expect((e as Error).message).toMatch(/iam\.Role\.fromRoleArn/);
  });

  test('a dependency back added after the grant fails with aws-cdk-lib\'s cycle error, which gives the way out', () => {
    const { repoStack, consumer, role, repo } = twoStacks();
    repo.access.grantPullToPrincipal(role);
    const message = (caught(() => consumer.addDependency(repoStack)) as Error).message;
    expect(message).toMatch(/cyclic reference/);
    expect(message).toMatch(/the repository policy of Registry\/Repo names Consumer\/Puller.*iam\.Role\.fromRoleArn/);
  });

  test('an imported role ARN adds no dependency', () => {
    const { repoStack, repo } = twoStacks();
    repo.access.grantPullToPrincipal(iam.Role.fromRoleArn(repoStack, 'Imported', 'arn:aws:iam::222222222222:role/puller', { mutable: false }));
    expect(repoStack.dependencies).toHaveLength(0);
  });
});

test('fails a pull-through rule with repositoryPrefix ROOT and an ECR upstream prefix', () => {
  const stack = newStack();
  const e = caught(() => new Registry(stack, 'Registry', { scanning: RegistryScanning.unmanaged() }).addPullThroughCacheRule('Rule', {
    repositoryPrefix: 'ROOT',
    upstream: UpstreamRegistry.ecr({ account: '222222222222', region: 'eu-west-1', upstreamRepositoryPrefix: 'team' }),
  }));
  expect((e as Error).message).toMatch(/TestStack\/Registry\/Rule: invalid upstream\.upstreamRepositoryPrefix "team": ECR accepts an upstream repository prefix only when/);
});

test.each([
  ['failOnSeverity', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(repo, 'v1')], failOnSeverity: 'high' as any });
  }, /TestStack\/Check: invalid failOnSeverity "high": must be a ScanFindingSeverity: one of "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"/],
  ['imageTagMutability', () => new PrivateRepository(newStack(), 'Repo', { imageTagMutability: 'immutable' as any }),
    /invalid imageTagMutability "immutable": must be a ecr\.TagMutability/],
  ['removalPolicy', () => new PrivateRepository(newStack(), 'Repo', { removalPolicy: 'DELETE' as any }),
    /invalid removalPolicy "DELETE": must be a RemovalPolicy/],
])('fails %s outside its enum (a plain JavaScript or Python string)', (_name, build, message) => {
  expect(caught(build)).toMatchObject({ message: expect.stringMatching(message) });
});

test('fails two creation templates with the same prefix in one Registry', () => {
  const stack = newStack();
  const registry = new Registry(stack, 'Registry', { scanning: RegistryScanning.unmanaged() });
  registry.addCreationTemplate('First', { prefix: 'team' });
  const e = caught(() => registry.addCreationTemplate('Second', { prefix: 'team' }));
  expect((e as Error).message).toMatch(/TestStack\/Registry\/Second: invalid prefix "team": TestStack\/Registry\/First already uses this prefix/);
});

describe('inline public-repository logos', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logos-'));
  function png(name: string, bytes: number): string {
    const file = path.join(dir, name);
    const data = Buffer.alloc(bytes, 7);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(data);
    fs.writeFileSync(file, data);
    return file;
  }

  test('fails at synth when two 500 KB logos push the template past 1,000,000 bytes, naming each logo and its size', () => {
    const stack = newStack();
    new PublicRepository(stack, 'One', { logoImagePath: png('one.png', 500_000) });
    new PublicRepository(stack, 'Two', { logoImagePath: png('two.png', 500_000) });
    const message = synthError(stack.node.root as App);
    expect(message).toMatch(/TestStack\/One logoImagePath ".*one\.png": the logo is 500000 bytes \(666668 bytes inline as base64\)/);
    expect(message).toMatch(/TestStack\/Two logoImagePath ".*two\.png": the logo is 500000 bytes/);
    expect(message).toMatch(/past CloudFormation's 1000000-byte limit/);
  });

  test('one 500 KB logo fits', () => {
    const stack = newStack();
    new PublicRepository(stack, 'One', { logoImagePath: png('single.png', 500_000) });
    expect(() => (stack.node.root as App).synth()).not.toThrow();
  });
});

describe('replication destination region', () => {
  test('warns (not fails) about a region aws-cdk-lib does not know', () => {
    const stack = newStack();
    new Registry(stack, 'Registry', { scanning: RegistryScanning.unmanaged(), replicationRules: [{ destinations: [{ region: 'eu-west-99' }] }] });
    AssertAnnotations.fromStack(stack).hasWarning('/TestStack/Registry', Match.stringLikeRegexp('"eu-west-99" is not a region aws-cdk-lib knows.*cdk-ecr-registry:unknownReplicationRegion'));
    templateOf(stack).resourceCountIs('AWS::ECR::ReplicationConfiguration', 1);
  });

  test('the warning can be acknowledged; a known region gives none', () => {
    const stack = newStack();
    const registry = new Registry(stack, 'Registry', { scanning: RegistryScanning.unmanaged(), replicationRules: [{ destinations: [{ region: 'eu-west-99' }] }] });
    registry.addReplicationRule({ destinations: [{ region: 'eu-west-1' }] });
    Annotations.of(registry).acknowledgeWarning('cdk-ecr-registry:unknownReplicationRegion');
    AssertAnnotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

test('fails ImageCheck on an unnamed PrivateRepository of another region, saying what to do', () => {
  const app = new App();
  const source = new Stack(app, 'Source', { env: { account: '111111111111', region: 'eu-west-1' } });
  const here = new Stack(app, 'Here', { env: { account: '111111111111', region: 'us-east-1' } });
  const repo = new PrivateRepository(source, 'Repo');
  const e = caught(() => new ImageCheck(here, 'Check', { images: [ImageReference.fromTag(repo, 'v1')] }));
  expect((e as Error).message).toMatch(/Here\/Check: invalid images\[0\]\.repository "Source\/Repo": is in stack Source \(111111111111\/eu-west-1\) and has a generated name/);
  expect((e as Error).message).toMatch(/give the repository a repositoryName, or import it here by ARN/);

  // Named, it works across regions.
  const named = new PrivateRepository(source, 'Named', { repositoryName: 'named' });
  expect(() => new ImageCheck(here, 'Check2', { images: [ImageReference.fromTag(named, 'v1')], failOnSeverity: ScanFindingSeverity.HIGH })).not.toThrow();
});
