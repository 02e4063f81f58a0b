/** The drift comparison, pure: declared stacks and a live model built by hand, no network. */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App, CfnParameter, Fn, Stack, Stage } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as signer from 'aws-cdk-lib/aws-signer';
import { Registry } from '../../src';
import { compareValues, hasToken, normalizeLifecyclePolicy, normalizeStatements } from '../../src/model/compare';
import {
  compareRegistry, DeclaredStack, emptyRegistry, readAssembly, RegistryModel, RegistryReport, RepositoryModel, stacksOfRegistry,
} from '../../src/report';
import { foldKnown } from '../../src/report/assembly';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';

function repo(name: string | undefined, extra: Partial<RepositoryModel> = {}): RepositoryModel {
  return {
    kind: 'repository',
    id: name ?? 'x',
    name,
    tagMutability: ['IMMUTABLE'],
    tagMutabilityExclusionFilters: [],
    scanOnPush: [true],
    encryptionType: ['KMS'],
    kmsKey: [undefined],
    lifecyclePolicyText: [undefined],
    policyStatements: [],
    tags: [[]],
    ...extra,
  };
}

function stack(subjects: DeclaredStack['subjects'], extra: Partial<DeclaredStack> = {}): DeclaredStack {
  return { artifactId: 'S', stackName: 'S', displayName: 'S', account: ACCOUNT, region: REGION, tags: {}, subjects, ...extra };
}

function live(repositories: RepositoryModel[], extra: Partial<RegistryModel> = {}): RegistryModel {
  return { ...emptyRegistry(ACCOUNT, REGION), repositories, ...extra };
}

const declared = (r: RepositoryModel, logicalId = 'Repo') => ({ subject: r, logicalId });

describe('compareValues', () => {
  test('equal, differing, several possible values', () => {
    expect(compareValues(['IMMUTABLE'], ['IMMUTABLE'])).toEqual({ kind: 'same' });
    expect(compareValues(['IMMUTABLE'], ['MUTABLE'])).toMatchObject({ kind: 'differs', declared: 'IMMUTABLE', live: 'MUTABLE' });
    // A parameter with allowed values / both branches of Fn::If: differs only when live is none of them.
    expect(compareValues(['IMMUTABLE', 'MUTABLE'], ['MUTABLE'])).toEqual({ kind: 'same' });
    expect(compareValues(['IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION'], ['MUTABLE'])).toMatchObject({ kind: 'differs', declared: ['IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION'] });
  });

  test('a token or an unknown declared value is not comparable, never drift', () => {
    expect(compareValues(null, ['MUTABLE'])).toMatchObject({ kind: 'notComparable' });
    expect(compareValues([{ deployTime: true, template: { 'Fn::GetAtt': ['Key', 'Arn'] } }] as any, ['arn:aws:kms:x'])).toMatchObject({ kind: 'notComparable' });
    expect(compareValues(['${Token[TOKEN.12]}'], ['x'])).toMatchObject({ kind: 'notComparable' });
    expect(compareValues(['x'], null)).toMatchObject({ kind: 'notComparable', reason: 'the live value could not be read' });
  });

  test('hasToken finds intrinsics anywhere', () => {
    expect(hasToken({ a: [{ Ref: 'P' }] })).toBe(true);
    expect(hasToken({ 'a': 'b', 'Fn::Other': 1 })).toBe(false);
    expect(hasToken([{ 'Fn::ImportValue': 'x' }])).toBe(true);
    expect(hasToken('plain')).toBe(false);
  });
});

describe('normalization', () => {
  test('lifecycle policies compare semantically: key order, whitespace and rule order do not matter', () => {
    const a = '{"rules":[{"rulePriority":2,"action":{"type":"expire"}},{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}';
    const b = JSON.stringify({ rules: [{ action: { type: 'expire' }, selection: { countNumber: 5, countType: 'imageCountMoreThan', tagStatus: 'any' }, rulePriority: 1 }, { action: { type: 'expire' }, rulePriority: 2 }] }, null, 2);
    expect(normalizeLifecyclePolicy(a)).toEqual(normalizeLifecyclePolicy(b));
    expect(JSON.stringify(normalizeLifecyclePolicy(a))).toBe(JSON.stringify(normalizeLifecyclePolicy(b)));
    expect(normalizeLifecyclePolicy(a)).not.toEqual(normalizeLifecyclePolicy(a.replace('"countNumber":5', '"countNumber":6')));
    expect(normalizeLifecyclePolicy(undefined)).toBeNull();
    expect(normalizeLifecyclePolicy('not json')).toBe('not json');
  });

  test('policy statements: one-element lists, account principals, statement order', () => {
    const a = normalizeStatements([
      { Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: 'ecr:BatchGetImage' },
      { Sid: 'B', Effect: 'Deny', Principal: '*', Action: ['ecr:PutImage', 'ecr:DeleteRepository'] },
    ], 'aws');
    const b = normalizeStatements([
      { Action: ['ecr:DeleteRepository', 'ecr:PutImage'], Principal: '*', Effect: 'Deny', Sid: 'B' },
      { Action: ['ecr:BatchGetImage'], Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::222222222222:root'] } },
    ], 'aws');
    expect(a).toEqual(b);
    expect(normalizeStatements([{ Effect: 'Allow', Action: 'ecr:PutImage' }], 'aws')).not.toEqual(normalizeStatements([{ Effect: 'Allow', Action: 'ecr:BatchGetImage' }], 'aws'));
  });

  test('foldKnown puts in pseudo parameters of a known environment and joins literals; leaves references', () => {
    const env = { account: ACCOUNT, region: 'cn-north-1', stackName: 'S' };
    expect(foldKnown({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] }, env)).toBe(`arn:aws-cn:iam::${ACCOUNT}:root`);
    expect(foldKnown({ 'Fn::Sub': '${AWS::StackName}-${AWS::Region}.${AWS::URLSuffix}' }, env)).toBe('S-cn-north-1.amazonaws.com.cn');
    expect(foldKnown({ 'Fn::Sub': '${Bucket}-${AWS::Region}' }, env)).toEqual({ 'Fn::Sub': '${Bucket}-cn-north-1' });
    expect(foldKnown({ 'Fn::Join': ['', ['a', { 'Fn::GetAtt': ['K', 'Arn'] }]] }, env)).toEqual({ 'Fn::Join': ['', ['a', { 'Fn::GetAtt': ['K', 'Arn'] }]] });
    // An environment-agnostic stack: nothing is known.
    expect(foldKnown({ Ref: 'AWS::AccountId' }, {})).toEqual({ Ref: 'AWS::AccountId' });
  });
});

describe('compareRegistry', () => {
  test('a clean repository gives nothing; each differing property one entry with both values', () => {
    const clean = compareRegistry([stack([declared(repo('a'))])], live([repo('a')]));
    expect(clean.entries).toEqual([]);
    expect(clean.summary).toEqual({ declared: 1, live: 1, clean: 1, missing: 0, unmanaged: 0, differs: 0, notComparable: 0 });
    const drift = compareRegistry([stack([declared(repo('a'))])], live([repo('a', { scanOnPush: [false], encryptionType: ['AES256'] })]));
    expect(drift.entries.map(e => [e.kind, e.property, e.declared, e.live, e.reason])).toEqual([
      ['differs', 'encryptionType', 'KMS', 'AES256', 'encryption type is AES256, declared KMS'],
      ['differs', 'scanOnPush', true, false, 'scan on push is false, declared true'],
    ]);
    expect(drift.summary.clean).toBe(0);
  });

  test('unmanaged repositories: the longest declared template prefix governs, ROOT catches the rest, none says so', () => {
    const template = (prefix: string, logicalId: string) => ({
      subject: { kind: 'creationTemplate' as const, id: logicalId, prefix, appliedFor: ['CREATE_ON_PUSH'], tagMutability: ['IMMUTABLE'], lifecyclePolicyText: [undefined], policyStatements: [] },
      logicalId,
    });
    const withTemplates = stack([template('apps', 'T1'), template('apps/team', 'T2')]);
    const l = live([repo('apps/team/x'), repo('apps/y'), repo('appsz'), repo('other')]);
    const entries = compareRegistry([withTemplates], l).entries.filter(e => e.resource === 'repository');
    expect(entries.map(e => [e.name, e.governedBy])).toEqual([['apps/team/x', 'apps/team'], ['apps/y', 'apps'], ['appsz', undefined], ['other', undefined]]);
    expect(entries[2].reason).toBe('not declared by any stack; no declared creation template covers its name');
    const root = compareRegistry([stack([template('ROOT', 'R'), template('apps', 'T1')])], l).entries.filter(e => e.resource === 'repository');
    expect(root.map(e => e.governedBy)).toEqual(['apps', 'apps', 'ROOT', 'ROOT']);
    const none = compareRegistry([stack([])], live([repo('z')])).entries;
    expect(none[0].reason).toBe('not declared by any stack; no creation template is declared');
  });

  test('a repository without a literal name: matched by physical id, else not comparable with the reason', () => {
    const s = stack([declared(repo(undefined), 'Unnamed')]);
    const physical = new Map([['S', { ids: new Map([['Unnamed', 's-unnamed-abc']]) }]]);
    expect(compareRegistry([s], live([repo('s-unnamed-abc')]), physical).entries).toEqual([]);
    const unknown = compareRegistry([s], live([repo('s-unnamed-abc')]), new Map([['S', { reason: 'stack S is not deployed in this account and region' }]])).entries;
    expect(unknown.map(e => [e.kind, e.name, e.logicalId])).toEqual([['unmanaged', 's-unnamed-abc', undefined], ['notComparable', undefined, 'Unnamed']]);
    expect(unknown[0].reason).toMatch(/it may be one of the 1 declared repositories without a known name/);
    expect(unknown[1].reason).toBe('it has no literal repository name and no live repository carries CloudFormation\'s tags for it '
      + '(aws:cloudformation:stack-name S, aws:cloudformation:logical-id Unnamed), and stack S is not deployed in this account and region');
    const unread = compareRegistry([s], live([repo('other', { tags: null, unread: ['tags'] })])).entries;
    expect(unread[1].reason).toMatch(/\(the tags of some repositories could not be read\), and the deployed stack's physical ids were not read \(no stack resources reader\)$/);
  });

  test('CloudFormation\'s tags name a repository without a literal name, in a nested stack too', () => {
    const cfnTags = (stackName: string, logicalId: string) => ({ tags: [[{ key: 'aws:cloudformation:stack-name', value: stackName }, { key: 'aws:cloudformation:logical-id', value: logicalId }]] });
    const parent = stack([declared(repo(undefined), 'Unnamed')], { stackName: 'Reg.Stack' });
    const nested = stack([declared(repo(undefined), 'Inner')], { artifactId: 'S/Nested', stackName: undefined, parent, logicalIdInParent: 'NestedA1' });
    const l = live([
      repo('reg-unnamed-1', cfnTags('Reg.Stack', 'Unnamed')),
      repo('reg-inner-2', cfnTags('Reg.Stack-NestedA1-1XYZ9ABC', 'Inner')),
      // Same logical id in another stack (the "." of the stack name is not a wildcard): not this one.
      repo('other-unnamed', cfnTags('RegXStack', 'Unnamed')),
    ]);
    const drift = compareRegistry([parent, nested], l);
    expect(drift.entries.map(e => [e.kind, e.name])).toEqual([['unmanaged', 'other-unnamed']]);
    expect(drift.summary.clean).toBe(2);
  });

  test('tags: stack tags count, aws: tags do not; a part not read is not comparable', () => {
    const d = repo('a', { tags: [[{ key: 'team', value: 'x' }]] });
    const l = repo('a', { tags: [[{ key: 'team', value: 'x' }, { key: 'cost', value: 'y' }, { key: 'aws:cloudformation:stack-name', value: 'S' }]] });
    expect(compareRegistry([stack([declared(d)], { tags: { cost: 'y' } })], live([l])).entries).toEqual([]);
    expect(compareRegistry([stack([declared(d)])], live([l])).entries.map(e => [e.property, e.declared, e.live]))
      .toEqual([['tags', { team: 'x' }, { cost: 'y', team: 'x' }]]);
    const unreadLive = repo('a', { tags: null, unread: ['tags'] });
    expect(compareRegistry([stack([declared(d)])], live([unreadLive])).entries.map(e => [e.kind, e.property, e.reason]))
      .toEqual([['notComparable', 'tags', 'tags: could not be read']]);
  });

  test('KMS keys: a literal key matches its ARN; an alias is not comparable; no declared key is not compared', () => {
    const arn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234`;
    expect(compareRegistry([stack([declared(repo('a', { kmsKey: ['1234'] }))])], live([repo('a', { kmsKey: [arn] })])).entries).toEqual([]);
    expect(compareRegistry([stack([declared(repo('a', { kmsKey: ['5678'] }))])], live([repo('a', { kmsKey: [arn] })])).entries.map(e => [e.kind, e.property]))
      .toEqual([['differs', 'kmsKey']]);
    expect(compareRegistry([stack([declared(repo('a', { kmsKey: ['alias/x'] }))])], live([repo('a', { kmsKey: [arn] })])).entries.map(e => e.kind))
      .toEqual(['notComparable']);
    expect(compareRegistry([stack([declared(repo('a'))])], live([repo('a', { kmsKey: [arn] })])).entries).toEqual([]);
  });

  test('repositories that could not be listed: one not comparable entry, no missing, no unmanaged', () => {
    const l = live([], { gaps: [{ part: 'repositories', action: 'DescribeRepositories', reason: 'AccessDenied' }] });
    const entries = compareRegistry([stack([declared(repo('a'))])], l).entries;
    expect(entries.map(e => [e.kind, e.resource])).toEqual([['notComparable', 'repository']]);
  });

  test('registry-level: missing, unmanaged and differing pull-through cache rules by prefix', () => {
    const rule = (prefix: string, url: string) => ({ kind: 'pullThroughCacheRule' as const, id: prefix, ecrRepositoryPrefix: prefix, upstreamRegistryUrl: url });
    const s = stack([{ subject: rule('hub', 'registry-1.docker.io'), logicalId: 'Hub' }, { subject: rule('q', 'quay.io'), logicalId: 'Q' }]);
    const entries = compareRegistry([s], live([], { pullThroughCacheRules: [rule('hub', 'public.ecr.aws'), rule('ghcr', 'ghcr.io')] })).entries;
    expect(entries.map(e => [e.kind, e.resource, e.name, e.property ?? null])).toEqual([
      ['missing', 'pullThroughCacheRule', 'q', null],
      ['unmanaged', 'pullThroughCacheRule', 'ghcr', null],
      ['differs', 'pullThroughCacheRule', 'hub', 'upstreamRegistryUrl'],
    ]);
  });

  test('stacksOfRegistry: exact environment, and agnostic stacks wherever they could be', () => {
    const stacks = [stack([], { artifactId: 'A' }), stack([], { artifactId: 'B', account: '222222222222' }),
      stack([], { artifactId: 'C', account: undefined, region: undefined }), stack([], { artifactId: 'D', account: undefined })];
    expect(stacksOfRegistry(stacks, ACCOUNT, REGION).map(s => s.artifactId)).toEqual(['A', 'C', 'D']);
    expect(stacksOfRegistry(stacks, ACCOUNT, 'us-east-1').map(s => s.artifactId)).toEqual(['C']);
  });
});

describe('readAssembly', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'drift-unit-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('stacks of stages and agnostic stacks; parameters with allowed values; tokens stay tokens', () => {
    const app = new App({ outdir: dir });
    const top = new Stack(app, 'Top', { env: { account: ACCOUNT, region: REGION } });
    const mutability = new CfnParameter(top, 'Mutability', { allowedValues: ['IMMUTABLE', 'MUTABLE'] });
    new ecr.CfnRepository(top, 'Param', { repositoryName: 'param', imageTagMutability: mutability.valueAsString });
    new ecr.CfnRepository(top, 'Imported', { repositoryName: Fn.join('-', ['x', Fn.importValue('Name')]) });
    new ecr.CfnRepository(top, 'Joined', { repositoryName: Fn.join('-', ['repo', top.account]) });
    const stage = new Stage(app, 'Prod', { env: { account: '222222222222', region: 'us-east-1' } });
    new ecr.CfnRepository(new Stack(stage, 'Inner'), 'R', { repositoryName: 'inner' });
    new ecr.CfnRepository(new Stack(app, 'Agnostic'), 'R', { repositoryName: 'agnostic' });
    app.synth();
    const d = readAssembly(dir);
    expect(d.stacks.map(s => [s.artifactId, s.displayName, s.account ?? null, s.region ?? null, s.subjects.length]))
      .toEqual([['Top', 'Top', ACCOUNT, REGION, 3], ['Agnostic', 'Agnostic', null, null, 1], ['ProdInner6AE3BBF4', 'Prod/Inner (Prod-Inner)', '222222222222', 'us-east-1', 1]]);
    const top0 = d.stacks[0].subjects.map(s => s.subject as RepositoryModel);
    expect(top0.map(r => r.name)).toEqual(['param', undefined, `repo-${ACCOUNT}`]);
    expect(top0[0].tagMutability).toEqual(['IMMUTABLE', 'MUTABLE']);
    // Compared with a registry where "param" is MUTABLE: one of the allowed values, so no drift.
    const report = RegistryReport.fromModels([live([repo('param', { tagMutability: ['MUTABLE'] }), repo(`repo-${ACCOUNT}`, { tagMutability: ['MUTABLE'], scanOnPush: [false], encryptionType: ['AES256'] })])], new Date(0), d);
    const entries = report.targets[0].drift!.entries;
    expect(entries.filter(e => e.kind === 'differs').map(e => [e.name, e.property])).toEqual([
      ['param', 'encryptionType'], ['param', 'scanOnPush'],
    ]);
    // The imported name and the agnostic stack's repository.
    expect(entries.filter(e => e.kind !== 'differs').map(e => [e.kind, e.name ?? e.logicalId])).toEqual([
      ['missing', 'agnostic'],
      ['notComparable', expect.stringMatching(/^Imported/)],
    ]);
    expect(report.stackMatches.map(m => [m.stack.artifactId, m.targets, m.note ?? null])).toEqual([
      ['Top', [0], null],
      ['Agnostic', [0], 'environment-agnostic (any account/any region): compared with every target it could be deployed in (1)'],
      ['ProdInner6AE3BBF4', [], 'no target reads its registry 222222222222/us-east-1'],
    ]);
  });

  test('fails on a path that is not a cloud assembly', () => {
    expect(() => readAssembly(path.join(dir, 'nope'))).toThrow(/is not a directory: give the cloud assembly directory/);
    expect(() => readAssembly(dir)).toThrow(/has no manifest\.json/);
  });
});

describe('managed signing (AWS::ECR::SigningConfiguration)', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'drift-signing-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const PROFILE = `arn:aws:signer:${REGION}:${ACCOUNT}:/signing-profiles/ecr_images`;
  const liveSigning = (filters: string[]): Partial<RegistryModel> => ({
    signingConfigurations: [{
      id: `arn:aws:ecr:${REGION}:${ACCOUNT}:registry#signing`,
      rules: [{ signingProfileArn: PROFILE, repositoryFilters: filters.map(filter => ({ filter, filterType: 'WILDCARD_MATCH' })) }],
    }],
  });

  function declaredApp(inAppProfile = false) {
    const app = new App({ outdir: dir });
    const s = new Stack(app, 'Signing', { env: { account: ACCOUNT, region: REGION } });
    const registry = new Registry(s, 'Registry');
    const profile = inAppProfile
      ? new signer.SigningProfile(s, 'Profile', { platform: signer.Platform.NOTATION_OCI_SHA384_ECDSA })
      : signer.SigningProfile.fromSigningProfileAttributes(s, 'Profile', { signingProfileName: 'ecr_images', signingProfileVersion: 'v1' });
    registry.addSigningRule({ signingProfile: profile, repositoryFilters: ['prod/*', 'payments-*'] });
    app.synth();
    return readAssembly(dir);
  }
  const signingEntries = (d: ReturnType<typeof readAssembly>, model: RegistryModel) =>
    RegistryReport.fromModels([model], new Date(0), d).targets[0].drift!.entries.filter(e => e.resource === 'signing');

  test('the declared rules are read from the assembly; the same rules live (filters in another order) are no drift', () => {
    const d = declaredApp();
    expect(d.stacks[0].signingConfigurations?.map(s => s.logicalId)).toEqual([expect.stringMatching(/^RegistrySigning/)]);
    expect(signingEntries(d, live([], liveSigning(['payments-*', 'prod/*'])))).toEqual([]);
  });

  test('a differing filter is one differs entry with both values; no live configuration is missing; an unread one is not comparable', () => {
    const d = declaredApp();
    const differs = signingEntries(d, live([], liveSigning(['prod/*'])));
    expect(differs).toHaveLength(1);
    expect(differs[0]).toMatchObject({ kind: 'differs', resource: 'signing', property: 'rules', stack: 'Signing' });
    expect(JSON.stringify(differs[0].declared)).toContain('payments-*');
    expect(JSON.stringify(differs[0].live)).not.toContain('payments-*');

    expect(signingEntries(d, live([]))).toEqual([expect.objectContaining({ kind: 'missing', resource: 'signing', reason: expect.stringContaining('the registry has no signing configuration') })]);

    const unread = live([], { gaps: [{ part: 'signing', action: 'GetSigningConfiguration', code: 'AccessDeniedException', reason: 'denied' }] });
    expect(signingEntries(d, unread)).toEqual([expect.objectContaining({ kind: 'notComparable', resource: 'signing', reason: expect.stringContaining('could not be read') })]);
  });

  test('a profile created in the app (its ARN known at deploy time) is not comparable, never drift', () => {
    const entries = signingEntries(declaredApp(true), live([], liveSigning(['something/*'])));
    expect(entries.map(e => [e.kind, e.property])).toEqual([['notComparable', 'rules']]);
  });
});
