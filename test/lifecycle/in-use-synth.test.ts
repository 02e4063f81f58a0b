import { App, CfnParameter, Duration, Stack, Annotations as CdkAnnotations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  EksImageAccess, ImageCheck, ImageReference, LifecyclePolicy, LifecycleRule, PrivateRepository, TagSelection,
} from '../../src';
import { newStack } from '../helpers/synth';

const AT_RISK = 'cdk-ecr-registry:inUseAtRisk';
const NOTE = 'cdk-ecr-registry:inUseCountRule';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

interface Message { readonly path: string; readonly level: 'warning' | 'info'; readonly text: string }

/** Every in-use warning and note of the app after synth, with the construct path. */
function inUseMessages(app: App): Message[] {
  app.synth();
  return app.node.findAll().flatMap(c => c.node.metadata
    .filter(m => (m.type === 'aws:cdk:warning' || m.type === 'aws:cdk:info') && /inUse(AtRisk|CountRule)/.test(String(m.data)))
    .map(m => ({ path: c.node.path, level: m.type === 'aws:cdk:warning' ? 'warning' as const : 'info' as const, text: String(m.data) })));
}

function repo(stack: Stack, rules?: LifecycleRule[], props: Partial<ConstructorParameters<typeof PrivateRepository>[2]> = {}): PrivateRepository {
  return new PrivateRepository(stack, 'Repo', {
    repositoryName: 'payments/api',
    ...(rules ? { lifecyclePolicy: new LifecyclePolicy({ rules }) } : {}),
    ...props,
  });
}

function ecsUse(stack: Stack, image: ecs.ContainerImage, id = 'Task'): ecs.TaskDefinition {
  const task = new ecs.FargateTaskDefinition(stack, id);
  task.addContainer('app', { image, memoryLimitMiB: 512 });
  return task;
}

const ageRule = () => LifecycleRule.expireAfterPush(Duration.days(30), { tagSelection: TagSelection.prefixes(['dev-']) });

describe('synth warnings for references the protection tag cannot cover', () => {
  test('ECS fromEcrRepository: an age rule selecting the tag warns on the container, naming rule and age', () => {
    const stack = newStack();
    ecsUse(stack, ecs.ContainerImage.fromEcrRepository(repo(stack, [ageRule()]), 'dev-42'));
    const messages = inUseMessages(stack.node.root as App);
    expect(messages).toEqual([{
      path: 'TestStack/Task/app',
      level: 'warning',
      text: expect.stringMatching(/^ECS container TestStack\/Task\/app uses the image with tag dev-42 in repository payments\/api \(TestStack\/Repo\) .*rule 2 of the repository's lifecycle policy selects it and expires it 30 days after it was pushed\..*protectInUse: true.*\[ack: cdk-ecr-registry:inUseAtRisk\]$/),
    }]);
  });

  test('the repository is named by its path alone when its name is generated or a token', () => {
    const generated = newStack();
    ecsUse(generated, ecs.ContainerImage.fromEcrRepository(repo(generated, [ageRule()], { repositoryName: undefined }), 'dev-42'));
    expect(inUseMessages(generated.node.root as App).map(m => m.text)).toEqual([
      expect.stringMatching(/uses the image with tag dev-42 in repository TestStack\/Repo \(reference by tag/),
    ]);
    const token = newStack();
    const name = new CfnParameter(token, 'Name').valueAsString;
    ecsUse(token, ecs.ContainerImage.fromEcrRepository(repo(token, [ageRule()], { repositoryName: name }), 'dev-42'));
    expect(inUseMessages(token.node.root as App).map(m => m.text)).toEqual([
      expect.stringMatching(/uses the image with tag dev-42 in repository TestStack\/Repo \(reference by tag/),
    ]);
  });

  test('a tag the rule does not select does not warn', () => {
    const stack = newStack();
    ecsUse(stack, ecs.ContainerImage.fromEcrRepository(repo(stack, [ageRule()]), 'v1.2.3'));
    expect(inUseMessages(stack.node.root as App)).toEqual([]);
  });

  test('a count rule warns with the count named', () => {
    const stack = newStack();
    ecsUse(stack, ecs.ContainerImage.fromEcrRepository(repo(stack, [LifecycleRule.keepLast(5, { tagSelection: TagSelection.patterns(['v*']) })]), 'v1'));
    const [m] = inUseMessages(stack.node.root as App);
    expect(m.level).toBe('warning');
    expect(m.text).toMatch(/expires it once more than 5 newer images tagged v\* are pushed/);
  });

  test('Lambda DockerImageCode.fromEcr: an archive rule (not pulled) warns on the function', () => {
    const stack = newStack();
    const r = repo(stack, [LifecycleRule.archiveAfterNotPulled(Duration.days(90), { tagSelection: TagSelection.anyTag() })]);
    new lambda.DockerImageFunction(stack, 'Fn', { code: lambda.DockerImageCode.fromEcr(r, { tagOrDigest: 'v7' }) });
    const messages = inUseMessages(stack.node.root as App);
    expect(messages.map(m => [m.path, m.level])).toEqual([['TestStack/Fn', 'warning']]);
    expect(messages[0].text).toMatch(/^Lambda function TestStack\/Fn uses the image with tag v7 .* archives it 90 days after its last pull/);
  });

  test('the default policy: one info note per repository, no warning, whatever the number of references', () => {
    const stack = newStack();
    const r = repo(stack);
    ecsUse(stack, ecs.ContainerImage.fromEcrRepository(r, 'v1'), 'A');
    ecsUse(stack, ecs.ContainerImage.fromEcrRepository(r, 'v2'), 'B');
    new lambda.DockerImageFunction(stack, 'Fn', { code: lambda.DockerImageCode.fromEcr(r, { tagOrDigest: 'v3' }) });
    ecsUse(stack, ecs.ContainerImage.fromEcrRepository(r, DIGEST), 'C');
    const messages = inUseMessages(stack.node.root as App);
    expect(messages.map(m => [m.path, m.level])).toEqual([['TestStack/Repo', 'info']]);
    expect(messages[0].text).toContain('once more than 1,000 newer tagged images are pushed: :v1, :v2, :v3');
    expect(messages[0].text).toContain('expires images 14 days after they were pushed that have no tag');
    expect(messages[0].text).toContain(`@${DIGEST}`);
    expect(messages[0].text).toContain(`[ack: ${NOTE}]`);
  });

  describe('a pinned digest (selected by untagged and any rules once it has no tag)', () => {
    test('MUTABLE tags: the untagged rule warns (a push that moves the tag leaves the image untagged)', () => {
      const stack = newStack();
      const r = repo(stack, [LifecycleRule.expireUntaggedAfter(Duration.days(3))], { imageTagMutability: ecr.TagMutability.MUTABLE });
      ecsUse(stack, ecs.ContainerImage.fromEcrRepository(r, DIGEST));
      const messages = inUseMessages(stack.node.root as App).filter(m => m.level === 'warning');
      expect(messages).toHaveLength(1);
      expect(messages[0].text).toMatch(new RegExp(`digest ${DIGEST} .*selects it once it has no tag .*and expires it 3 days after it was pushed`));
    });

    test('an any rule warns; a tagged rule alone does not (the digest\'s tags are unknown at synth)', () => {
      const stack = newStack();
      const r = repo(stack, [LifecycleRule.keepLast(10)]);
      ecsUse(stack, ecs.ContainerImage.fromEcrRepository(r, DIGEST));
      expect(inUseMessages(stack.node.root as App).map(m => m.level)).toEqual(['warning']);

      const other = newStack();
      ecsUse(other, ecs.ContainerImage.fromEcrRepository(repo(other, [ageRule()]), DIGEST));
      expect(inUseMessages(other.node.root as App)).toEqual([]);
    });
  });

  test('an imported repository (policy unknown) does not warn', () => {
    const stack = newStack();
    ecsUse(stack, ecs.ContainerImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Imported', 'payments/api'), 'dev-1'));
    expect(inUseMessages(stack.node.root as App)).toEqual([]);
  });

  test('an acknowledged warning disappears (acknowledged on the stack, before synth)', () => {
    const stack = newStack();
    ecsUse(stack, ecs.ContainerImage.fromEcrRepository(repo(stack, [ageRule()]), 'dev-42'));
    CdkAnnotations.of(stack).acknowledgeWarning(AT_RISK, 'dev images are rebuilt daily');
    expect(inUseMessages(stack.node.root as App)).toEqual([]);
  });

  test('a token tag is never rejected and does not warn', () => {
    const stack = newStack();
    const tag = new CfnParameter(stack, 'Tag').valueAsString;
    expect(() => ecsUse(stack, ecs.ContainerImage.fromEcrRepository(repo(stack, [ageRule()]), tag))).not.toThrow();
    expect(inUseMessages(stack.node.root as App)).toEqual([]);
  });

  test('an ImageCheck with protectInUse on the same tag covers the reference', () => {
    const stack = newStack();
    const r = repo(stack, [ageRule()]);
    ecsUse(stack, ecs.ContainerImage.fromEcrRepository(r, 'dev-42'));
    new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(r, 'dev-42')], protectInUse: true });
    expect(inUseMessages(stack.node.root as App)).toEqual([]);
  });

  test('verified images of an unprotected ImageCheck: on the container that runs it, else (EKS helpers) on the check', () => {
    const stack = newStack();
    const r = repo(stack, [ageRule()]);
    const check = new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(r, 'dev-1'), ImageReference.fromTag(r, 'dev-2')] });
    ecsUse(stack, check.verifiedImages[0].ecsContainerImage());
    const spec = EksImageAccess.container('app', check.verifiedImages[1]);
    expect(spec.name).toBe('app');
    const messages = inUseMessages(stack.node.root as App);
    expect(messages.map(m => [m.path, m.level])).toEqual([['TestStack/Check', 'warning'], ['TestStack/Task/app', 'warning']]);
    expect(messages[0].text).toMatch(/tag dev-2 .*\(verified by ImageCheck TestStack\/Check\)/);
    expect(messages[1].text).toMatch(/tag dev-1/);

    const protectedStack = newStack();
    const p = repo(protectedStack, [ageRule()]);
    const safe = new ImageCheck(protectedStack, 'Check', { images: [ImageReference.fromTag(p, 'dev-1')], protectInUse: true });
    ecsUse(protectedStack, safe.verifiedImages[0].ecsContainerImage());
    expect(inUseMessages(protectedStack.node.root as App)).toEqual([]);
  });

  test('a repository created with aws-cdk-lib lifecycleRules: its rendered policy is parsed', () => {
    const stack = newStack();
    const r = new PrivateRepository(stack, 'Repo', { lifecycleRules: [{ tagPrefixList: ['dev-'], maxImageAge: Duration.days(7) }] });
    ecsUse(stack, ecs.ContainerImage.fromEcrRepository(r, 'dev-3'));
    const [m] = inUseMessages(stack.node.root as App);
    expect(m.path).toBe('TestStack/Task/app');
    expect(m.text).toMatch(/rule 1 .* expires it 7 days after it was pushed/);
  });

  test('across stacks: the warning is on the consumer in the other stack', () => {
    const app = new App();
    const platform = newStack({ stackName: 'Platform' }, app);
    const service = newStack({ stackName: 'Service' }, app);
    ecsUse(service, ecs.ContainerImage.fromEcrRepository(repo(platform, [ageRule()]), 'dev-9'));
    expect(inUseMessages(app).map(m => m.path)).toEqual(['Service/Task/app']);
  });
});
