import { App } from 'aws-cdk-lib';
import {
  ImageCheck, PrivateRepository, PublicRepository, PullThroughCacheRule, Registry, RegistryBaseline, RepositoryCreationTemplate,
  UpstreamRegistry,
} from '../src';
import { CheckContext } from '../src/private/context';
import { Violations } from '../src/private/errors';

/**
 * Every construct checks its props with one static collector `_collect(violations, props, context)`:
 * its constructor calls it and throws once; a composite (`RegistryBaseline`) calls it on a spec.
 * A collector creates nothing and throws nothing: it only records.
 */
const ENV: CheckContext = { account: '111111111111', region: 'us-east-1' };

const cases: Array<[string, (v: Violations) => unknown, string[]]> = [
  ['PrivateRepository', v => PrivateRepository._collect(v, { repositoryName: 'Bad_Name', emptyOnDelete: true }, ENV),
    ['repositoryName', 'emptyOnDelete']],
  ['RepositoryCreationTemplate', v => RepositoryCreationTemplate._collect(v, { prefix: 'Bad Prefix', description: 'x'.repeat(257) }, ENV),
    ['prefix', 'description']],
  ['Registry', v => Registry._collect(v, { replicationRules: [{ destinations: [{ region: 'us-east-1' }] }] }, ENV),
    ['replicationRules[0].destinations[0]']],
  ['PullThroughCacheRule', v => PullThroughCacheRule._collect(v, { upstream: UpstreamRegistry.ecrPublic(), repositoryPrefix: 'A' }, ENV),
    ['repositoryPrefix']],
  ['ImageCheck', v => ImageCheck._collect(v, { images: [] }, ENV), ['images']],
  ['PublicRepository', v => PublicRepository._collect(v, { repositoryName: 'Bad_Name' }, { ...ENV, region: 'eu-west-1' }),
    ['region', 'repositoryName']],
  ['RegistryBaseline', v => RegistryBaseline._collect(v, { repositories: [{ repositoryName: 'Bad_Name', lambdaPull: { functionArns: ['x'] } }] }, {}),
    ['repositories[0].repositoryName', 'repositories[0].lambdaPull.functionArns[0]']],
];

describe.each(cases)('%s._collect', (_name, collect, properties) => {
  test('records every violation under the given prefix, creates nothing and throws nothing', () => {
    const app = new App();
    const v = new Violations('App/Thing');
    expect(() => collect(v.nested('spec.'))).not.toThrow();
    expect(v.count).toBe(properties.length);
    expect(v.messages().map(m => /^App\/Thing: invalid (\S+)/.exec(m)![1])).toEqual(properties.map(p => `spec.${p}`));
    expect(app.node.children).toHaveLength(0);
  });
});
