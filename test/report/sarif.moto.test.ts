/**
 * The report as SARIF 2.1.0 (`reportToSarif`): a seeded registry read from moto over HTTP, checked by
 * the SARIF SDK's validator and the SARIF schema (test/helpers/sarif-validator.ts), and field by field.
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ACCOUNT, EXPECTED_FINDINGS, REGION, REPOSITORIES, seedRegistry, seededApp, seedRepository } from './seed';
import {
  RULE_INFO, RegistryReport, SARIF_DRIFT_RULE_ID, SARIF_FINGERPRINT_KEY, SARIF_RULES_HELP_URI, SarifLog, reportToSarif, sarifFingerprint,
} from '../../src/report';
import { MotoServer, startMoto } from '../helpers/moto';
import { issuesAt, validateSarif } from '../helpers/sarif-validator';

// Real HTTP to moto and a .NET validator on a shared 2-core machine: allow for load.
jest.setTimeout(120_000);

const FAKE_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const VERSION = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
const REGISTRY_ARN = `arn:aws:ecr:${REGION}:${ACCOUNT}:registry`;
const repoArn = (name: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;
/** The parts moto 5.2 cannot answer (HTTP 500): gaps, so warning notifications. */
const PARTS_NOT_READ = ['accountSettings', 'creationTemplates', 'pullThroughCacheRules', 'pullTimeExclusions', 'signing'];

let moto: MotoServer;
let ecr: ECRClient;

beforeAll(async () => {
  moto = await startMoto(REGION);
  ecr = new ECRClient(moto.clientConfig);
}, 60_000);

afterAll(async () => {
  ecr?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
});

function read(targets = [{ account: ACCOUNT, region: REGION }], assembly?: string): Promise<RegistryReport> {
  return RegistryReport.read({
    targets, endpoint: moto.endpoint, credentials: FAKE_CREDENTIALS, deadline: Date.now() + 60_000, env: {}, ...(assembly ? { assembly } : {}),
  });
}

/** The seeded registry's findings as SARIF, plus what the validator said about it. */
describe('reportToSarif over a seeded registry', () => {
  let report: RegistryReport;
  let sarif: SarifLog;

  beforeAll(async () => {
    await moto.reset();
    await seedRegistry(ecr);
    report = await read();
    sarif = reportToSarif(report);
  });

  test('the SARIF validator finds no error; its only warnings are SARIF2017 (no region: an ARN has no lines); the schema holds', async () => {
    const v = await validateSarif(sarif);
    expect(v.schemaErrors).toEqual([]);
    expect(issuesAt(v, 'error')).toEqual([]);
    // Exactly one warning per result, SARIF2017 at its physical location (the notifications' locations are not flagged).
    expect(sarif.runs[0].results).toHaveLength(EXPECTED_FINDINGS.length);
    expect(issuesAt(v, 'warning')).toEqual(sarif.runs[0].results.map((_, i) => `SARIF2017 runs[0].results[${i}].locations[0].physicalLocation`).sort());
    // Notes are advice we do not follow, each for a reason (docs/report.md): SARIF2002 (message templates),
    // SARIF2003 (version control provenance: a registry is not a repository), SARIF2006 (URIs it cannot reach offline),
    // SARIF2009 (rule ids like ECR1001: the EcrChecks ids are a public contract).
    expect(new Set(issuesAt(v, 'note').map(i => i.split(' ')[0]))).toEqual(new Set(['SARIF2002', 'SARIF2003', 'SARIF2006', 'SARIF2009']));
  });

  test('one run; the driver names the tool, its version and every EcrChecks rule with help and a default level', () => {
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-schema-2\.1\.0\.json$/);
    expect(sarif.runs).toHaveLength(1);
    const driver = sarif.runs[0].tool.driver;
    expect(driver).toMatchObject({ name: 'cdk-ecr-registry', version: VERSION, semanticVersion: VERSION });
    expect(driver.informationUri).toBe('https://github.com/cdk-ecr-registry/cdk-ecr-registry/blob/main/docs/report.md');
    expect(driver.rules.map(r => r.id)).toEqual(RULE_INFO.map(r => r.id));
    expect(driver.rules.map(r => r.name)).toEqual([
      'EcrScanOnPush', 'EcrTagImmutability', 'EcrLifecyclePolicy', 'EcrPublicRepositoryTagged', 'EcrCustomerManagedKey',
      'EcrOpenAccess', 'EcrCrossAccountWildcard', 'EcrRegistryScanning', 'EcrRegistryPolicyActions', 'EcrCreationTemplate',
    ]);
    for (const [i, rule] of driver.rules.entries()) {
      const info = RULE_INFO[i];
      expect(rule.defaultConfiguration.level).toBe(info.severity);
      expect(rule.shortDescription.text).toBe(info.title);
      expect(rule.fullDescription.text).toContain(info.fix);
      expect(rule.help.text).toContain(info.fix);
      expect(rule.help.markdown).toContain(`**Fix:** ${info.fix}`);
      expect(rule.help.text).toContain(`Controls: ${info.controls}`);
      expect(rule.helpUri).toBe(SARIF_RULES_HELP_URI);
      expect(rule.properties.tags).toContain('security');
      expect(rule.properties['security-severity']).toBe(info.severity === 'error' ? '8.0' : '5.0');
    }
    expect(driver.rules.find(r => r.id === 'EcrChecks-ECR5')!.defaultConfiguration.level).toBe('warning');
    expect(driver.rules.find(r => r.id === 'EcrChecks-ECR2')!.defaultConfiguration.level).toBe('error');
  });

  test('each finding is exactly one result: rule id and index agree, the level is its severity, the location its ARN', () => {
    const { results, tool } = sarif.runs[0];
    expect(results).toHaveLength(EXPECTED_FINDINGS.length);
    expect(results.map(r => [r.ruleId, r.locations[0].logicalLocations[0].name]).sort()).toEqual([...EXPECTED_FINDINGS].map(p => [...p]).sort());
    for (const f of report.findings) {
      const matching = results.filter(r => r.ruleId === f.ruleId && r.locations[0].logicalLocations[0].fullyQualifiedName === f.resource);
      expect(matching).toHaveLength(1);
      const [r] = matching;
      expect(tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(r.level).toBe(f.severity);
      expect(r.message.text).toBe(`${f.resourceName}: ${f.message}.`);
      expect(r.locations).toHaveLength(1);
      expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe(f.resource);
      expect(r.locations[0].logicalLocations).toEqual([{ name: f.resourceName, fullyQualifiedName: f.resource, kind: 'resource' }]);
      expect(r.properties).toEqual({ resourceKind: f.resourceKind, account: ACCOUNT, region: REGION });
    }
    const at = (ruleId: string) => results.find(r => r.ruleId === ruleId)!;
    expect(at('EcrChecks-ECR2').locations[0].physicalLocation.artifactLocation.uri).toBe(repoArn('fault/mutable'));
    expect(at('EcrChecks-ECR2').message.text).toBe('fault/mutable: tag mutability is MUTABLE.');
    expect(at('EcrChecks-ECR2').level).toBe('error');
    expect(at('EcrChecks-ECR5').level).toBe('warning');
    expect(at('EcrChecks-ECR5').locations[0].physicalLocation.artifactLocation.uri).toBe(repoArn('fault/aes256'));
    expect(at('EcrChecks-RegistryScanning').locations[0].physicalLocation.artifactLocation.uri).toBe(REGISTRY_ARN);
  });

  test('partialFingerprints: the same across two reads, one per finding, from rule, ARN and name only', async () => {
    const fingerprints = (s: SarifLog) => s.runs[0].results.map(r => r.partialFingerprints[SARIF_FINGERPRINT_KEY]);
    const first = fingerprints(sarif);
    expect(first.every(f => /^[0-9a-f]{64}$/.test(f))).toBe(true);
    expect(new Set(first).size).toBe(first.length);
    await seedRegistry(ecr);
    const again = reportToSarif(await read());
    expect(again.runs[0].invocations[0].startTimeUtc).not.toBe(sarif.runs[0].invocations[0].startTimeUtc);
    expect(fingerprints(again)).toEqual(first);
    // Not the message: the same fault described differently is the same alert; another resource is another.
    const f = report.findings[0];
    expect(sarifFingerprint({ ...f, message: 'other words' } as typeof f)).toBe(sarifFingerprint(f));
    expect(sarifFingerprint({ ...f, resource: `${f.resource}-2` })).not.toBe(sarifFingerprint(f));
    // Creation templates share the registry's ARN: the name keeps them apart.
    expect(sarifFingerprint({ ruleId: 'EcrChecks-CreationTemplate', resource: REGISTRY_ARN, resourceName: 'repository creation template a/' }))
      .not.toBe(sarifFingerprint({ ruleId: 'EcrChecks-CreationTemplate', resource: REGISTRY_ARN, resourceName: 'repository creation template b/' }));
  });

  test('parts not read are warning notifications of a successful invocation, located at the registry', () => {
    const [invocation] = sarif.runs[0].invocations;
    expect(invocation.executionSuccessful).toBe(true);
    expect(invocation.startTimeUtc).toBe(report.generatedAt.toISOString());
    const notes = invocation.toolExecutionNotifications;
    expect(notes.map(n => n.properties.part).sort()).toEqual(PARTS_NOT_READ);
    for (const n of notes) {
      expect(n.level).toBe('warning');
      expect(n.descriptor.id).toBe('part-not-read');
      expect(n.locations![0].physicalLocation.artifactLocation.uri).toBe(REGISTRY_ARN);
      expect(n.message.text).toMatch(new RegExp(`^Registry ${ACCOUNT} ${REGION}: \\w+ not read \\(\\w+\\): .*HTTP 500`));
    }
    expect(notes.find(n => n.properties.part === 'creationTemplates')!.properties.action).toBe('DescribeRepositoryCreationTemplates');
  });
});

describe('a registry that could not be read', () => {
  test('an error notification, executionSuccessful false, the other registry\'s results kept; still valid SARIF', async () => {
    await seedRegistry(ecr);
    const report = await read([{ account: '999999999999', region: REGION }, { account: ACCOUNT, region: REGION }]);
    expect(report.targets.map(t => t.status)).toEqual(['failed', 'partial']);
    const sarif = reportToSarif(report);
    const [invocation] = sarif.runs[0].invocations;
    expect(invocation.executionSuccessful).toBe(false);
    const errors = invocation.toolExecutionNotifications.filter(n => n.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      descriptor: { id: 'registry-not-read' },
      properties: { account: '999999999999', region: REGION, roleArn: null },
    });
    expect(errors[0].message.text).toBe(`Registry 999999999999 ${REGION} was not read: the credentials read registry ${ACCOUNT} in ${REGION}, not 999999999999: check the target's account or role.`);
    expect(errors[0].locations![0].physicalLocation.artifactLocation.uri).toBe(`arn:aws:ecr:${REGION}:999999999999:registry`);
    expect(sarif.runs[0].results).toHaveLength(EXPECTED_FINDINGS.length);

    const v = await validateSarif(sarif);
    expect(v.schemaErrors).toEqual([]);
    expect(issuesAt(v, 'error')).toEqual([]);
    expect(new Set(v.issues.filter(i => i.level === 'warning').map(i => i.ruleId))).toEqual(new Set(['SARIF2017']));
  });
});

describe('drift (report --assembly) as results of the Drift rule', () => {
  test('missing and unmanaged repositories are Drift warnings at their ARNs; not-comparable entries are not results', async () => {
    // The seeded app declares every seeded repository; live, clean/web is gone and "scratch" is nobody's.
    const assembly = seededApp().app.synth().directory;
    await seedRegistry(ecr, REPOSITORIES.filter(r => r.name !== 'clean/web'));
    await seedRepository(ecr, { ...REPOSITORIES[1], name: 'scratch' });
    const report = await read(undefined, assembly);
    const entries = report.targets[0].drift!.entries;
    expect(entries.filter(e => e.kind !== 'notComparable').map(e => [e.kind, e.name])).toEqual([['missing', 'clean/web'], ['unmanaged', 'scratch']]);

    const sarif = reportToSarif(report);
    const { rules } = sarif.runs[0].tool.driver;
    expect(rules.map(r => r.id)).toEqual([...RULE_INFO.map(r => r.id), SARIF_DRIFT_RULE_ID]);
    expect(rules[rules.length - 1]).toMatchObject({ name: 'RegistryDrift', defaultConfiguration: { level: 'warning' }, properties: { tags: ['drift', 'aws', 'ecr'] } });
    expect(rules[rules.length - 1].helpUri).toMatch(/docs\/report\.md#drift-against-the-app---assembly$/);
    const drift = sarif.runs[0].results.filter(r => r.ruleId === SARIF_DRIFT_RULE_ID);
    expect(drift.map(r => [r.ruleIndex, r.level, r.locations[0].physicalLocation.artifactLocation.uri, r.properties.kind])).toEqual([
      [rules.length - 1, 'warning', repoArn('clean/web'), 'missing'],
      [rules.length - 1, 'warning', repoArn('scratch'), 'unmanaged'],
    ]);
    expect(drift[0].message.text).toBe('clean/web (missing): declared in Registry but not in the registry.');
    expect(drift[0].properties).toMatchObject({
      account: ACCOUNT, region: REGION, kind: 'missing', resource: 'repository', name: 'clean/web', property: null, stack: 'Registry', governedBy: null,
    });
    expect(drift[1].message.text).toMatch(/^scratch \(unmanaged\): not declared by any stack/);
    // The EcrChecks findings are still there, before the drift results; fingerprints stay apart.
    expect(sarif.runs[0].results.filter(r => r.ruleId !== SARIF_DRIFT_RULE_ID)).toHaveLength(report.findings.length);
    const fingerprints = sarif.runs[0].results.map(r => r.partialFingerprints[SARIF_FINGERPRINT_KEY]);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);

    const v = await validateSarif(sarif);
    expect(v.schemaErrors).toEqual([]);
    expect(issuesAt(v, 'error')).toEqual([]);
    expect(issuesAt(v, 'warning')).toEqual(sarif.runs[0].results.map((_, i) => `SARIF2017 runs[0].results[${i}].locations[0].physicalLocation`).sort());

    // A not-comparable entry (a value known only at deploy time) is never drift, so never a result.
    const [target] = report.targets;
    const notComparable = { kind: 'notComparable', resource: 'repository', name: 'clean/api', property: 'kmsKey', reason: 'known only at deploy time' };
    const withIt = Object.assign(Object.create(Object.getPrototypeOf(report)), report, {
      targets: [{ ...target, drift: { ...target.drift!, entries: [...entries, notComparable] } }],
    });
    expect(reportToSarif(withIt).runs[0].results).toEqual(sarif.runs[0].results);
  });

  test('without an assembly there is no Drift rule', () => {
    expect(reportToSarif(RegistryReport.fromModels([])).runs[0].tool.driver.rules.map(r => r.id)).toEqual(RULE_INFO.map(r => r.id));
  });
});

describe('the validation can fail', () => {
  let good: SarifLog;
  beforeEach(async () => {
    await seedRegistry(ecr);
    good = reportToSarif(await read());
  });
  const copy = (): any => JSON.parse(JSON.stringify(good));

  test('a result without a message breaks the schema: validator error JSON1002, and the schema check fails', async () => {
    const broken = copy();
    delete broken.runs[0].results[0].message;
    const v = await validateSarif(broken);
    expect(issuesAt(v, 'error')).toEqual(['JSON1002 runs[0].results[0]']);
    expect(v.schemaErrors).toEqual([expect.stringMatching(/^\/runs\/0\/results\/0 must have required property 'message'/)]);
  });

  test('a ruleIndex past the driver\'s rules is schema-valid but a validator error (SARIF1009)', async () => {
    const broken = copy();
    broken.runs[0].results[1].ruleIndex = 99;
    const v = await validateSarif(broken);
    expect(v.schemaErrors).toEqual([]);
    expect(issuesAt(v, 'error')).toEqual(['SARIF1009 runs[0].results[1]']);
  });

  test('a level outside the enum: the validator 5.7.0 reports nothing for it, the schema check does', async () => {
    const broken = copy();
    broken.runs[0].results[0].level = 'critical';
    const v = await validateSarif(broken);
    // The validator cannot deserialize the log and says nothing (not even the usual SARIF2017): why the schema check exists.
    expect(v.issues).toEqual([]);
    expect(v.schemaErrors).toEqual(expect.arrayContaining([expect.stringMatching(/^\/runs\/0\/results\/0\/level must be equal to one of the allowed values/)]));
  });
});
