import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FindingSource, FindingsAlert, Registry, RegistryScanning, ScanFindingSeverity } from '../../src';
import { matchWithEventRuler } from '../helpers/event-ruler';

/** The account of AWS's documented sample events. */
const DOC_ACCOUNT = '123456789012';

interface Fixture { readonly source: string; readonly section: string; readonly event: any }

function fixture(name: string): Fixture {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', `${name}.json`), 'utf8'));
}

/** A deep copy of a documented event with `change` applied. */
function variant(event: any, change: (e: any) => void): any {
  const copy = JSON.parse(JSON.stringify(event));
  change(copy);
  return copy;
}

function newStack(): Stack {
  return new Stack(new App(), 'Registry', { env: { account: DOC_ACCOUNT, region: 'us-east-2' } });
}

/** The rule's event pattern as deployed (resolved). */
function patternOf(rule: events.Rule): unknown {
  return Stack.of(rule).resolve((rule.node.defaultChild as events.CfnRule).eventPattern);
}

describe('FindingsAlert patterns against AWS\'s documented sample events, matched by aws/event-ruler', () => {
  const scanEvent = fixture('ecr-image-scan');
  const findingEvent = fixture('inspector2-finding');
  const initialScanEvent = fixture('inspector2-scan');
  const pushEvent = fixture('ecr-image-action-push');

  test('every fixture names the page it was copied from', () => {
    for (const f of [scanEvent, findingEvent, initialScanEvent, pushEvent]) {
      expect(f.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/AmazonECR\/latest\/userguide\/[a-z-]+\.html$/);
      expect(f.section).toMatch(/section 'Event for /);
    }
    expect(scanEvent.event['detail-type']).toBe('ECR Image Scan');
    expect(findingEvent.event['detail-type']).toBe('Inspector2 Finding');
  });

  const stack = newStack();
  const registry = new Registry(stack, 'Registry', { scanning: RegistryScanning.enhanced() });
  const alerts: Record<string, FindingsAlert> = {
    // HIGH and CRITICAL, every repository.
    high: registry.onFinding('High'),
    // CRITICAL only, repositories starting with "my-repository".
    critical: registry.onFinding('Critical', { minimumSeverity: ScanFindingSeverity.CRITICAL, repositoryPrefixes: ['my-repository'] }),
    // MEDIUM and above, repositories under "amazon/".
    mediumAmazon: registry.onFinding('MediumAmazon', { minimumSeverity: ScanFindingSeverity.MEDIUM, repositoryPrefixes: ['amazon/'] }),
    // MEDIUM and above, repositories starting with "my-" or "team-b/".
    mediumMine: registry.onFinding('MediumMine', { minimumSeverity: ScanFindingSeverity.MEDIUM, repositoryPrefixes: ['team-b/', 'my-'] }),
    // Everything, every repository.
    everything: registry.onFinding('Everything', { minimumSeverity: ScanFindingSeverity.INFORMATIONAL }),
    // LOW and above, repositories under "other/" only.
    other: registry.onFinding('Other', { minimumSeverity: ScanFindingSeverity.LOW, repositoryPrefixes: ['other/'] }),
    // Another registry's findings (an Inspector delegated administrator watching a member account).
    member: new FindingsAlert(stack, 'Member', { registryId: '999999999999', minimumSeverity: ScanFindingSeverity.MEDIUM }),
  };

  const patterns: Record<string, unknown> = {};
  for (const [name, alert] of Object.entries(alerts)) {
    patterns[`${name}.basic`] = patternOf(alert.basicScanRule!);
    patterns[`${name}.enhanced`] = patternOf(alert.enhancedScanRule!);
  }

  const scan = scanEvent.event;
  const finding = findingEvent.event;
  const eventsByName: Record<string, unknown> = {
    // Documented: CRITICAL 10, MEDIUM 9 on my-repository-name.
    'scan': scan,
    'scan, MEDIUM only': variant(scan, e => { delete e.detail['finding-severity-counts'].CRITICAL; }),
    'scan, CRITICAL 0 and MEDIUM 9': variant(scan, e => { e.detail['finding-severity-counts'].CRITICAL = 0; }),
    'scan, LOW only': variant(scan, e => { e.detail['finding-severity-counts'] = { LOW: 3 }; }),
    'scan, no findings': variant(scan, e => { e.detail['finding-severity-counts'] = {}; }),
    'scan, FAILED': variant(scan, e => { e.detail['scan-status'] = 'FAILED'; }),
    'scan, repository team-b/api': variant(scan, e => { e.detail['repository-name'] = 'team-b/api'; }),
    'scan, repository team-bee/api': variant(scan, e => { e.detail['repository-name'] = 'team-bee/api'; }),
    'scan, other account': variant(scan, e => { e.account = '999999999999'; }),
    // Documented: an ACTIVE MEDIUM finding on amazon/amazon-ecs-sample in registry 123456789012.
    'finding': finding,
    'finding, HIGH': variant(finding, e => { e.detail.severity = 'HIGH'; }),
    'finding, CRITICAL': variant(finding, e => { e.detail.severity = 'CRITICAL'; }),
    'finding, LOW': variant(finding, e => { e.detail.severity = 'LOW'; }),
    'finding, INFORMATIONAL': variant(finding, e => { e.detail.severity = 'INFORMATIONAL'; }),
    'finding, UNTRIAGED': variant(finding, e => { e.detail.severity = 'UNTRIAGED'; }),
    'finding, HIGH, CLOSED': variant(finding, e => { e.detail.severity = 'HIGH'; e.detail.status = 'CLOSED'; }),
    'finding, HIGH, on amazon-ecs-sample': variant(finding, e => {
      e.detail.severity = 'HIGH';
      e.detail.resources[0].details.awsEcrContainerImage.repositoryName = 'amazon-ecs-sample';
    }),
    'finding, HIGH, registry 999999999999': variant(finding, e => {
      e.detail.severity = 'HIGH';
      e.detail.resources[0].details.awsEcrContainerImage.registry = '999999999999';
    }),
    'finding, HIGH, on an EC2 instance': variant(finding, e => {
      e.detail.severity = 'HIGH';
      e.detail.resources = [{ id: 'i-0123456789abcdef0', type: 'AWS_EC2_INSTANCE', partition: 'aws', region: 'us-east-2', details: {} }];
    }),
    // Documented events that are not findings.
    'initial scan': initialScanEvent.event,
    'push': pushEvent.event,
  };

  // What EventBridge must deliver: event -> the alert rules that match it.
  const expected: Record<string, string[]> = {
    'scan': ['critical.basic', 'everything.basic', 'high.basic', 'mediumMine.basic'],
    'scan, MEDIUM only': ['everything.basic', 'mediumMine.basic'],
    'scan, CRITICAL 0 and MEDIUM 9': ['everything.basic', 'mediumMine.basic'],
    'scan, LOW only': ['everything.basic'],
    'scan, no findings': [],
    'scan, FAILED': [],
    'scan, repository team-b/api': ['everything.basic', 'high.basic', 'mediumMine.basic'],
    'scan, repository team-bee/api': ['everything.basic', 'high.basic'],
    'scan, other account': ['member.basic'],
    'finding': ['everything.enhanced', 'mediumAmazon.enhanced'],
    'finding, HIGH': ['everything.enhanced', 'high.enhanced', 'mediumAmazon.enhanced'],
    'finding, CRITICAL': ['everything.enhanced', 'high.enhanced', 'mediumAmazon.enhanced'],
    'finding, LOW': ['everything.enhanced'],
    'finding, INFORMATIONAL': ['everything.enhanced'],
    'finding, UNTRIAGED': [],
    'finding, HIGH, CLOSED': [],
    'finding, HIGH, on amazon-ecs-sample': ['everything.enhanced', 'high.enhanced'],
    'finding, HIGH, registry 999999999999': ['member.enhanced'],
    'finding, HIGH, on an EC2 instance': [],
    'initial scan': [],
    'push': [],
  };

  let matched: Record<string, string[]>;
  beforeAll(() => {
    matched = matchWithEventRuler(patterns, eventsByName);
  }, 300_000);

  test('every pattern is accepted by event-ruler and every event gets an answer', () => {
    expect(Object.keys(matched).sort()).toEqual(Object.keys(eventsByName).sort());
  });

  test.each(Object.keys(expected))('%s', name => {
    expect(matched[name]).toEqual(expected[name]);
  });

  test('a documented event matches only when the pattern says so (the engine is not a constant)', () => {
    const all = Object.values(matched).flat();
    expect(all.length).toBeGreaterThan(0);
    expect(new Set(all).size).toBeGreaterThan(5);
    expect(Object.values(matched).filter(m => m.length === 0).length).toBeGreaterThan(3);
  });
});

describe('FindingsAlert rules', () => {
  test('Registry.onFinding: both rules, the registry\'s account, HIGH and CRITICAL by default', () => {
    const stack = newStack();
    const registry = new Registry(stack, 'Registry');
    const alert = registry.onFinding('Findings');
    expect(alert.severities).toEqual([ScanFindingSeverity.HIGH, ScanFindingSeverity.CRITICAL]);
    expect(alert.registryId).toBe(DOC_ACCOUNT);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Events::Rule', 2);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.ecr'],
        'detail-type': ['ECR Image Scan'],
        'account': [DOC_ACCOUNT],
        'detail': {
          'scan-status': ['COMPLETE'],
          'repository-name': Match.absent(),
          '$or': [
            { 'finding-severity-counts': { HIGH: [{ numeric: ['>', 0] }] } },
            { 'finding-severity-counts': { CRITICAL: [{ numeric: ['>', 0] }] } },
          ],
        },
      },
      State: 'ENABLED',
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.inspector2'],
        'detail-type': ['Inspector2 Finding'],
        'detail': {
          status: ['ACTIVE'],
          severity: ['HIGH', 'CRITICAL'],
          resources: {
            type: ['AWS_ECR_CONTAINER_IMAGE'],
            details: { awsEcrContainerImage: { registry: [DOC_ACCOUNT], repositoryName: Match.absent() } },
          },
        },
      },
    });
  });

  test('one severity needs no $or; prefixes are EventBridge prefix matchers', () => {
    const alert = new FindingsAlert(newStack(), 'Alert', {
      minimumSeverity: ScanFindingSeverity.CRITICAL, repositoryPrefixes: ['payments/', 'web'],
    });
    expect(patternOf(alert.basicScanRule!)).toEqual({
      'source': ['aws.ecr'],
      'detail-type': ['ECR Image Scan'],
      'account': [DOC_ACCOUNT],
      'detail': {
        'scan-status': ['COMPLETE'],
        'repository-name': [{ prefix: 'payments/' }, { prefix: 'web' }],
        'finding-severity-counts': { CRITICAL: [{ numeric: ['>', 0] }] },
      },
    });
    expect((patternOf(alert.enhancedScanRule!) as any).detail.resources.details.awsEcrContainerImage.repositoryName)
      .toEqual([{ prefix: 'payments/' }, { prefix: 'web' }]);
  });

  test('targets go to every rule; addTarget adds one more', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic');
    const other = new sns.Topic(stack, 'Other');
    const alert = new FindingsAlert(stack, 'Alert', { targets: [new targets.SnsTopic(topic)] });
    alert.addTarget(new targets.SnsTopic(other));
    const t = Template.fromStack(stack);
    const topicId = stack.getLogicalId(topic.node.defaultChild as any);
    const otherId = stack.getLogicalId(other.node.defaultChild as any);
    for (const rule of alert.rules) {
      const rendered = t.toJSON().Resources[stack.getLogicalId(rule.node.defaultChild as any)];
      expect(rendered.Properties.Targets.map((x: any) => x.Arn)).toEqual([{ Ref: topicId }, { Ref: otherId }]);
    }
  });

  test('sources: only the Inspector rule', () => {
    const stack = newStack();
    const alert = new FindingsAlert(stack, 'Alert', { sources: [FindingSource.ENHANCED_SCAN] });
    expect(alert.basicScanRule).toBeUndefined();
    expect(alert.rules).toEqual([alert.enhancedScanRule]);
    Template.fromStack(stack).resourceCountIs('AWS::Events::Rule', 1);
  });

  test('an env-agnostic stack filters on its own account (AWS::AccountId)', () => {
    const stack = new Stack();
    const alert = new FindingsAlert(stack, 'Alert');
    expect((patternOf(alert.basicScanRule!) as any).account).toEqual([{ Ref: 'AWS::AccountId' }]);
  });

  test('token prefixes and registry ids do not throw', () => {
    const stack = newStack();
    const prefix = new CfnParameter(stack, 'Prefix').valueAsString;
    const registryId = new CfnParameter(stack, 'RegistryId').valueAsString;
    expect(() => new FindingsAlert(stack, 'Alert', { repositoryPrefixes: [prefix], registryId })).not.toThrow();
  });

  test('a pattern above EventBridge\'s default size quota gets a warning', () => {
    const stack = newStack();
    const prefixes = Array.from({ length: 100 }, (_, i) => `team-${String(i).padStart(3, '0')}/service-with-a-long-name`);
    const alert = new FindingsAlert(stack, 'Alert', { repositoryPrefixes: prefixes });
    const warnings = alert.node.findAll().flatMap(c => c.node.metadata).filter(m => m.type === 'aws:cdk:warning').map(m => String(m.data));
    expect(warnings.join('\n')).toMatch(/event pattern has \d+ characters, above EventBridge's default quota of 2048/);
    const small = new FindingsAlert(stack, 'Small', { repositoryPrefixes: ['team-a/'] });
    expect(small.node.findAll().flatMap(c => c.node.metadata).filter(m => m.type === 'aws:cdk:warning')).toEqual([]);
  });
});

describe('FindingsAlert: invalid input', () => {
  const make = (props: any) => () => new FindingsAlert(newStack(), 'Alert', props);

  test('fails on an unknown severity', () => {
    expect(make({ minimumSeverity: 'SEVERE' })).toThrow(/Registry\/Alert: invalid minimumSeverity "SEVERE": must be a ScanFindingSeverity: one of "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"/);
  });

  test('fails on an empty prefix list', () => {
    expect(make({ repositoryPrefixes: [] })).toThrow(/invalid repositoryPrefixes \[\]: must list 1-100 prefixes \(leave it out/);
  });

  test('fails on a prefix that no repository name can start with', () => {
    expect(make({ repositoryPrefixes: ['Team-A/'] })).toThrow(/invalid repositoryPrefixes\[0\] "Team-A\/": must be the start of a repository name/);
    expect(make({ repositoryPrefixes: [''] })).toThrow(/invalid repositoryPrefixes\[0\] "": must be the start/);
  });

  test('fails on more than 100 prefixes', () => {
    expect(make({ repositoryPrefixes: Array.from({ length: 101 }, (_, i) => `p${i}`) })).toThrow(/invalid repositoryPrefixes .*must list 1-100 prefixes/);
  });

  test('fails on more than 5 targets, given or added', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic');
    const six = Array.from({ length: 6 }, () => new targets.SnsTopic(topic));
    expect(() => new FindingsAlert(stack, 'Six', { targets: six })).toThrow(/Registry\/Six: invalid targets "6 targets": at most 5 targets/);
    const alert = new FindingsAlert(stack, 'Five', { targets: six.slice(0, 5) });
    expect(() => alert.addTarget(six[5])).toThrow(/Registry\/Five: invalid targets "6 targets": at most 5/);
  });

  test('fails on no, unknown or repeated sources', () => {
    expect(make({ sources: [] })).toThrow(/invalid sources \[\]: must name at least one FindingSource/);
    expect(make({ sources: ['GUARDDUTY'] })).toThrow(/invalid sources\[0\] "GUARDDUTY": must be a FindingSource: one of "BASIC_SCAN", "ENHANCED_SCAN"/);
    expect(make({ sources: [FindingSource.BASIC_SCAN, FindingSource.BASIC_SCAN] })).toThrow(/invalid sources .*must not repeat a source/);
  });

  test('fails on a registry id that is not an account id', () => {
    expect(make({ registryId: '12345' })).toThrow(/invalid registryId "12345": must be a 12-digit AWS account id/);
  });

  test('reports every problem at once, and creates nothing', () => {
    const stack = newStack();
    expect(() => new FindingsAlert(stack, 'Alert', { minimumSeverity: 'SEVERE' as any, repositoryPrefixes: ['UPPER'] }))
      .toThrow(/Registry\/Alert: 2 invalid properties/);
    expect(stack.node.tryFindChild('Alert')).toBeUndefined();
  });

  test('Registry.onFinding fails the same way, naming the alert under the registry', () => {
    const registry = new Registry(newStack(), 'Registry');
    expect(() => registry.onFinding('Findings', { repositoryPrefixes: ['BAD'] }))
      .toThrow(/Registry\/Registry\/Findings: invalid repositoryPrefixes\[0\] "BAD"/);
  });
});
