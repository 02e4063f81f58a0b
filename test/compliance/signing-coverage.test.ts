import { App, CfnParameter, Fn, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as signer from 'aws-cdk-lib/aws-signer';
import { IConstruct } from 'constructs';
import { EcrChecks, EcrValidationError, PrivateRepository, Registry } from '../../src';
import { signingRuleDefinition } from '../../src/compliance/private/definitions';
import { RuleCompliance } from '../../src/compliance/private/rule';
import { EcrSigningCoverage, signingFilterMatches } from '../../src/compliance/rules';
import { emptyRegistry, RegistryModel, RepositoryModel } from '../../src/model/settings';
import { modelFromTemplate } from '../../src/model/template';

const env = { account: '111111111111', region: 'eu-west-1' };

/** Paths of the resources failing EcrChecks-Signing under `scope`, with the pack switched on for `prefixes`. */
function unsigned(scope: IConstruct, prefixes: string[] = ['prod/']): string[] {
  return new EcrChecks({ requireSigning: { repositoryPrefixes: prefixes } }).validateScope(scope).violations
    .filter(v => v.ruleName === 'EcrChecks-Signing')
    .flatMap(v => v.violatingResources.map(r => r.constructPath ?? ''));
}

/** An app with a registry stack that signs `filters` (undefined: a rule without filters; null: no signing rule). */
function app(filters: string[] | undefined | null, registryEnv = env) {
  const a = new App();
  const registryStack = new Stack(a, 'Registry', { env: registryEnv });
  const registry = new Registry(registryStack, 'Registry');
  if (filters !== null) {
    const profile = new signer.SigningProfile(registryStack, 'Profile', { platform: signer.Platform.NOTATION_OCI_SHA384_ECDSA });
    registry.addSigningRule({ signingProfile: profile, ...(filters ? { repositoryFilters: filters } : {}) });
  }
  const repos = new Stack(a, 'Repos', { env });
  const repo = (name: string) => new PrivateRepository(repos, name.replace(/[^a-z]/g, ''), { repositoryName: name });
  return { app: a, repos, repo };
}

/** A live-style registry model with one repository and the given signing rules (null: no configuration). */
function liveModel(name: string, rules: { filters: string[]; type?: string }[] | null, gaps: RegistryModel['gaps'] = []) {
  const repository: RepositoryModel = {
    kind: 'repository',
    id: name,
    name,
    tagMutability: ['IMMUTABLE'],
    tagMutabilityExclusionFilters: [],
    scanOnPush: [true],
    encryptionType: ['KMS'],
    kmsKey: ['k'],
    lifecyclePolicyText: [undefined],
    policyStatements: [],
    tags: [[]],
  };
  const registry: RegistryModel = {
    ...emptyRegistry('111111111111', 'eu-west-1'),
    repositories: [repository],
    gaps,
    signingConfigurations: rules === null ? [] : [{
      id: 'arn:aws:ecr:eu-west-1:111111111111:registry#signing',
      rules: rules.map(r => ({ signingProfileArn: 'arn:aws:signer:eu-west-1:111111111111:/signing-profiles/p', repositoryFilters: r.filters.map(filter => ({ filter, filterType: r.type ?? 'WILDCARD_MATCH' })) })),
    }],
  };
  return { repository, registry };
}

describe('EcrChecks-Signing (opt-in)', () => {
  test('is off by default: not among the rule ids, and an unsigned prod/ repository passes', () => {
    const { app: a, repo } = app(null);
    repo('prod/api');
    expect(new EcrChecks().ruleIds).not.toContain('EcrChecks-Signing');
    expect(new EcrChecks().validateScope(a).violations.map(v => v.ruleName)).not.toContain('EcrChecks-Signing');
    expect(new EcrChecks({}).ruleIds).toEqual(new EcrChecks().ruleIds);
  });

  test('switched on: its id is listed last, and the pack fails on an uncovered repository', () => {
    const pack = new EcrChecks({ requireSigning: { repositoryPrefixes: ['prod/'] } });
    expect(pack.ruleIds![pack.ruleIds!.length - 1]).toBe('EcrChecks-Signing');
    const { app: a, repo } = app(null);
    repo('prod/api');
    const report = pack.validateScope(a);
    expect(report.success).toBe(false);
    expect(report.violations.find(v => v.ruleName === 'EcrChecks-Signing')?.description).toContain('(prod/)');
  });

  test('covered: a signing rule of the same account and region (another stack of the app) matches the repository', () => {
    const { app: a, repo } = app(['prod/*']);
    repo('prod/api');
    repo('prod/web');
    expect(unsigned(a)).toEqual([]);
  });

  test('covered: a rule without repository filters signs every repository', () => {
    const { app: a, repo } = app(undefined);
    repo('prod/api');
    expect(unsigned(a)).toEqual([]);
  });

  test('not covered: no signing configuration, a rule for other repositories, or signing in another region', () => {
    const none = app(null);
    none.repo('prod/api');
    expect(unsigned(none.app)).toEqual(['Repos/prodapi/Resource']);

    const other = app(['payments/*']);
    other.repo('prod/api');
    other.repo('payments/api'); // no prefix of the requirement: not judged
    expect(unsigned(other.app)).toEqual(['Repos/prodapi/Resource']);

    const elsewhere = app(['prod/*'], { account: env.account, region: 'us-east-1' });
    elsewhere.repo('prod/api');
    expect(unsigned(elsewhere.app)).toEqual(['Repos/prodapi/Resource']);
  });

  test('judges only repositories whose name starts with a required prefix, for each prefix given', () => {
    const { app: a, repo } = app(['prod/*']);
    repo('prod/api');
    repo('payments-ledger');
    repo('dev/api');
    repo('production'); // starts with neither "prod/" nor "payments-"
    expect(unsigned(a, ['prod/', 'payments-'])).toEqual(['Repos/paymentsledger/Resource']);
  });

  test('says what it saw: the prefix and the filters that do not match', () => {
    const { app: a, repo } = app(['prod/*', '*-prod']);
    repo('prod-api');
    const model = modelFromTemplate(a);
    const subject = model.subjects.find(s => s.subject.kind === 'repository')!;
    const result = EcrSigningCoverage(['prod'])(subject.subject, subject.registry);
    expect(result).toEqual({
      compliance: RuleCompliance.NON_COMPLIANT,
      detail: 'repository prod-api matches the required prefix "prod", and no signing rule covers it (filters: prod/*, *-prod)',
    });
    expect(subject.registry.signingConfigurations).toEqual([{
      id: 'Registry/Registry/Signing',
      rules: [{
        signingProfileArn: { deployTime: true, template: { 'Fn::GetAtt': [expect.stringMatching(/^Profile/), 'Arn'] } },
        repositoryFilters: [
          { filter: 'prod/*', filterType: 'WILDCARD_MATCH' }, { filter: '*-prod', filterType: 'WILDCARD_MATCH' },
        ],
      }],
    }]);
  });

  test('wildcard filters: * matches any characters (none and / included), the filter matches the whole name', () => {
    expect(signingFilterMatches('prod/*', 'prod/api')).toBe(true);
    expect(signingFilterMatches('prod/*', 'prod/team/api')).toBe(true);
    expect(signingFilterMatches('prod/*', 'prod/')).toBe(true);
    expect(signingFilterMatches('prod/*', 'prod')).toBe(false);
    expect(signingFilterMatches('prod/*', 'preprod/api')).toBe(false);
    expect(signingFilterMatches('*/production', 'team/production')).toBe(true);
    expect(signingFilterMatches('*/production', 'team/production-2')).toBe(false);
    expect(signingFilterMatches('*prod*', 'payments-prod-api')).toBe(true);
    expect(signingFilterMatches('api', 'api')).toBe(true);
    expect(signingFilterMatches('api', 'api2')).toBe(false);
    expect(signingFilterMatches('a.b', 'axb')).toBe(false); // "." is a character, not a pattern
    expect(signingFilterMatches('*', 'anything/at/all')).toBe(true);
  });

  test('wildcard filters in the rule: a matching filter of any rule covers; another filter type does not', () => {
    const rule = EcrSigningCoverage(['team/']);
    const judge = (rules: { filters: string[]; type?: string }[] | null) => {
      const { repository, registry } = liveModel('team/api', rules);
      return rule(repository, registry).compliance;
    };
    expect(judge([{ filters: ['other/*'] }, { filters: ['team/*'] }])).toBe(RuleCompliance.COMPLIANT);
    expect(judge([{ filters: ['*/api'] }])).toBe(RuleCompliance.COMPLIANT);
    expect(judge([{ filters: ['team'] }])).toBe(RuleCompliance.NON_COMPLIANT);
    expect(judge([{ filters: ['team/*'], type: 'PREFIX_MATCH' }])).toBe(RuleCompliance.NON_COMPLIANT);
    expect(judge([{ filters: [] }])).toBe(RuleCompliance.COMPLIANT);
    expect(judge([])).toBe(RuleCompliance.NON_COMPLIANT);
    expect(judge(null)).toBe(RuleCompliance.NON_COMPLIANT);
  });

  test('live: a signing configuration that could not be read is a gap, not a finding', () => {
    const { repository, registry } = liveModel('team/api', null, [{ part: 'signing', action: 'GetSigningConfiguration', reason: 'not available', code: 'HTTP 500' }]);
    expect(EcrSigningCoverage(['team/'])(repository, registry).compliance).toBe(RuleCompliance.NOT_APPLICABLE);
    expect(signingRuleDefinition(['team/']).reads).toEqual(['signing']);
  });

  test('rules known only at deploy time cover nothing; a repository of unknown name is not judged', () => {
    const { app: a, repos, repo } = app(null);
    const registryStack = a.node.findChild('Registry') as Stack;
    new ecr.CfnSigningConfiguration(registryStack, 'Raw', { rules: Token.asAny(new CfnParameter(registryStack, 'Rules', { type: 'String' }).value) as any });
    repo('prod/api');
    new PrivateRepository(repos, 'Generated'); // the name is generated at deploy time
    expect(unsigned(a)).toEqual(['Repos/prodapi/Resource']);
    const subject = modelFromTemplate(a).subjects.find(s => s.node.node.path === 'Repos/prodapi/Resource')!;
    expect(EcrSigningCoverage(['prod/'])(subject.subject, subject.registry).detail).toBe(
      'repository prod/api matches the required prefix "prod/", and the signing rules of Registry/Raw are not known before deployment');
  });

  test('a token prefix is accepted and matches every repository of known name', () => {
    const { app: a, repo } = app(['prod/*']);
    repo('prod/api');
    repo('dev/api');
    expect(unsigned(a, [Fn.importValue('SignedPrefix')])).toEqual(['Repos/devapi/Resource']);
    expect(() => new EcrChecks({ requireSigning: { repositoryPrefixes: Token.asList(Fn.importValue('Prefixes')) } })).not.toThrow();
  });

  test('fails on no prefix, too many prefixes, or a prefix that no repository name can start with (one error each)', () => {
    const bad = (repositoryPrefixes: any) => () => new EcrChecks({ requireSigning: { repositoryPrefixes } });
    expect(bad([])).toThrow(
      'EcrChecks: invalid requireSigning.repositoryPrefixes.length 0: give 1-100 repository name prefixes (leave requireSigning out to switch the rule off)');
    expect(bad(Array.from({ length: 101 }, (_, i) => `p${i}`))).toThrow(/invalid requireSigning\.repositoryPrefixes\.length 101/);
    expect(bad(['Prod/'])).toThrow(
      'EcrChecks: invalid requireSigning.repositoryPrefixes[0] "Prod/": must be the start of a repository name: 1-256 of lowercase letters, digits, \'.\', \'_\', \'-\' and \'/\', starting with a letter or digit');
    expect(bad(['/prod'])).toThrow(/repositoryPrefixes\[0\] "\/prod"/);
    expect(bad(['x'.repeat(257)])).toThrow(/repositoryPrefixes\[0\]/);
    expect(bad('prod/')).toThrow('EcrChecks: invalid requireSigning.repositoryPrefixes "prod/": give 1-100 repository name prefixes');
    let error: unknown;
    try {
      bad(['ok/', 'Bad', 'also bad'])();
    } catch (e) {
      error = e;
    }
    expect(EcrValidationError.isEcrValidationError(error)).toBe(true);
    expect((error as EcrValidationError).violations.map(v => v.property)).toEqual(['requireSigning.repositoryPrefixes[1]', 'requireSigning.repositoryPrefixes[2]']);
  });
});
