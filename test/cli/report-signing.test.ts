/**
 * `cdk-ecr-registry report --require-signing`: the opt-in EcrChecks-Signing rule in the live audit,
 * against moto over HTTP. moto has no managed signing API (GetSigningConfiguration answers HTTP 500),
 * so the registry's signing configuration is a gap here and the rule judges nothing: the findings
 * themselves are tested with a mocked client in test/report/inventory.test.ts.
 */
import { useReportCli } from '../helpers/report-cli';
import { ACCOUNT, REGION, seedRegistry } from '../report/seed';

jest.setTimeout(60_000);

const cli = useReportCli(REGION);
const target = `${ACCOUNT}:${REGION}`;

beforeEach(async () => {
  await cli.moto.reset();
  cli.proxy.resetCounts();
});

describe('report --require-signing', () => {
  test('switches the rule on (listed in the JSON rules); an unreadable signing configuration is a gap, not a finding', async () => {
    await seedRegistry(cli.ecr);
    const on = JSON.parse((await cli.run('--target', target, '--endpoint', cli.proxy.url, '--json', '--require-signing', 'clean/', '--require-signing', 'fault/')).stdout);
    expect(on.rules.map((r: { id: string }) => r.id)).toContain('EcrChecks-Signing');
    expect(on.targets[0].gaps.map((g: { part: string }) => g.part)).toContain('signing');
    expect(on.targets[0].findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain('EcrChecks-Signing');

    const off = JSON.parse((await cli.run('--target', target, '--endpoint', cli.proxy.url, '--json')).stdout);
    expect(off.rules.map((r: { id: string }) => r.id)).not.toContain('EcrChecks-Signing');
    expect(off.rules.length).toBe(on.rules.length - 1);
  });

  test('a prefix that cannot start a repository name: exit 2, one message, no call', async () => {
    const { code, stdout, stderr } = await cli.run('--target', target, '--endpoint', cli.proxy.url, '--require-signing', 'Prod/');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--require-signing "Prod/" is not the start of a repository name: 1-256 of lowercase letters, digits');
    expect(cli.proxy.count()).toBe(0);
  });
});
