import { Annotations, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { ScanFindingSeverity } from '../image-check/image-check';
import { CheckContext, contextOf } from '../private/context';
import { pathOf, Violations } from '../private/errors';
import { isUnresolved } from '../private/tokens';
import { checkAccountId, checkEnum, checkEnumList, checkPattern } from '../private/validation';

/**
 * Where scan findings come from.
 */
export enum FindingSource {
  /**
   * Basic scanning: Amazon ECR's `ECR Image Scan` event (source `aws.ecr`), one per completed scan,
   * with the number of findings per severity.
   */
  BASIC_SCAN = 'BASIC_SCAN',
  /**
   * Enhanced scanning: Amazon Inspector's `Inspector2 Finding` event (source `aws.inspector2`), one
   * per finding created or updated, with the finding's severity.
   */
  ENHANCED_SCAN = 'ENHANCED_SCAN',
}

/**
 * What a findings alert matches and where it sends the events.
 */
export interface FindingsAlertOptions {
  /**
   * Alert on findings of this severity and above (INFORMATIONAL < LOW < MEDIUM < HIGH < CRITICAL).
   * Findings without a severity (`UNDEFINED` in basic scans, `UNTRIAGED` in Inspector) never match,
   * as in the image check's scan gate.
   *
   * @default ScanFindingSeverity.HIGH
   */
  readonly minimumSeverity?: ScanFindingSeverity;

  /**
   * Alert only on repositories whose names start with one of these prefixes (EventBridge `prefix`
   * matching: plain, case-sensitive string prefixes; `team-a/` matches `team-a/api` but not
   * `team-ab/api`, while `team-a` matches both). 1-100 prefixes of 1-256 characters of lowercase
   * letters, digits, `.`, `_`, `-` and `/`.
   *
   * @default - every repository
   */
  readonly repositoryPrefixes?: string[];

  /**
   * Where matching events go (an SNS topic, a Lambda function, a queue...): at most 5 (EventBridge
   * allows 5 targets per rule). More can be added with `addTarget`.
   *
   * @default - none
   */
  readonly targets?: events.IRuleTarget[];

  /**
   * Which scan events to alert on. Both by default, so an alert keeps working when the registry
   * moves between basic and enhanced scanning (a rule that never matches costs nothing).
   *
   * @default [FindingSource.BASIC_SCAN, FindingSource.ENHANCED_SCAN]
   */
  readonly sources?: FindingSource[];
}

/**
 * Properties of a `FindingsAlert`.
 */
export interface FindingsAlertProps extends FindingsAlertOptions {
  /**
   * The registry (12-digit account id) whose findings to alert on. Another account's registry is
   * useful in an Amazon Inspector delegated administrator account, which receives its members'
   * finding events; basic-scan events only reach the registry's own account.
   *
   * @default - this stack's account
   */
  readonly registryId?: string;
}

/** Severities from the lowest to the highest. */
const SEVERITY_ORDER: ScanFindingSeverity[] = [
  ScanFindingSeverity.INFORMATIONAL,
  ScanFindingSeverity.LOW,
  ScanFindingSeverity.MEDIUM,
  ScanFindingSeverity.HIGH,
  ScanFindingSeverity.CRITICAL,
];

/** A prefix of an ECR repository name (the characters repository names are made of). */
const REPOSITORY_PREFIX = /^[a-z0-9._\/-]{1,256}$/;
/** Most prefixes an alert takes. */
const MAX_PREFIXES = 100;
/** Most targets of one EventBridge rule. */
const MAX_TARGETS = 5;
/** EventBridge's default event pattern size quota (characters; adjustable). */
const PATTERN_SIZE_QUOTA = 2048;

/**
 * EventBridge rules that fire on vulnerability findings in a registry's images at or above a
 * severity, for both kinds of scanning:
 *
 * - basic scanning: `ECR Image Scan` events (`aws.ecr`) with `scan-status` `COMPLETE` and a count
 *   above 0 for one of the severities at or above the minimum (rule `BasicScan`);
 * - enhanced scanning: `Inspector2 Finding` events (`aws.inspector2`) of `ACTIVE` findings on
 *   `AWS_ECR_CONTAINER_IMAGE` resources of the registry with one of those severities (rule `EnhancedScan`).
 *
 * aws-cdk-lib's `repository.onImageScanCompleted` matches only the basic-scan event, so an alert
 * built on it never fires under enhanced scanning.
 */
export class FindingsAlert extends Construct {
  /**
   * Record every invalid prop in `v`; creates nothing (the pure collector every construct of the
   * library has, so composites can check a spec without building it).
   * @internal
   */
  public static _collect(v: Violations, props: FindingsAlertProps, _context: CheckContext): void {
    checkEnum(v, 'minimumSeverity', props.minimumSeverity, ScanFindingSeverity, 'ScanFindingSeverity');
    const prefixes = props.repositoryPrefixes;
    if (prefixes !== undefined && !isUnresolved(prefixes)) {
      v.check(prefixes.length >= 1 && prefixes.length <= MAX_PREFIXES, 'repositoryPrefixes', prefixes,
        `must list 1-${MAX_PREFIXES} prefixes (leave it out to alert on every repository)`);
      for (const [i, prefix] of prefixes.entries()) {
        checkPattern(v, `repositoryPrefixes[${i}]`, prefix, REPOSITORY_PREFIX,
          'must be the start of a repository name: 1-256 lowercase letters, digits, \'.\', \'_\', \'-\' and \'/\'');
      }
    }
    const targets = props.targets ?? [];
    v.check(targets.length <= MAX_TARGETS, 'targets', `${targets.length} targets`,
      `at most ${MAX_TARGETS} targets (EventBridge allows ${MAX_TARGETS} per rule); fan out through an SNS topic`);
    const sources = props.sources;
    if (sources !== undefined && !isUnresolved(sources)) {
      v.check(sources.length >= 1, 'sources', sources, 'must name at least one FindingSource');
      checkEnumList(v, 'sources', sources, FindingSource, 'FindingSource');
      v.check(new Set(sources).size === sources.length, 'sources', sources, 'must not repeat a source');
    }
    checkAccountId(v, 'registryId', props.registryId);
  }

  /** The severities that match: `minimumSeverity` and every one above it. */
  public readonly severities: ScanFindingSeverity[];

  /** The registry whose findings match. */
  public readonly registryId: string;

  /** The rule for basic-scan events, unless `sources` leaves it out. */
  public readonly basicScanRule?: events.Rule;

  /** The rule for Amazon Inspector finding events, unless `sources` leaves it out. */
  public readonly enhancedScanRule?: events.Rule;

  private targetCount = 0;

  constructor(scope: Construct, id: string, props: FindingsAlertProps = {}) {
    const v = new Violations(pathOf(scope, id));
    FindingsAlert._collect(v, props, contextOf(scope));
    v.throwIfAny();
    super(scope, id);

    const minimum = props.minimumSeverity ?? ScanFindingSeverity.HIGH;
    this.severities = SEVERITY_ORDER.slice(SEVERITY_ORDER.indexOf(minimum));
    this.registryId = props.registryId ?? Stack.of(this).account;
    const sources = props.sources ?? [FindingSource.BASIC_SCAN, FindingSource.ENHANCED_SCAN];
    const prefixes = props.repositoryPrefixes;
    const subject = `registry ${isUnresolved(this.registryId) ? '(this account)' : this.registryId}`
      + (prefixes && !isUnresolved(prefixes) ? `, repositories ${prefixes.join(', ')}` : '');

    if (sources.includes(FindingSource.BASIC_SCAN)) {
      this.basicScanRule = new events.Rule(this, 'BasicScan', {
        description: `ECR basic scan findings of severity ${this.severities.join(', ')} (${subject})`,
        eventPattern: basicScanPattern(this.registryId, this.severities, prefixes),
      });
    }
    if (sources.includes(FindingSource.ENHANCED_SCAN)) {
      this.enhancedScanRule = new events.Rule(this, 'EnhancedScan', {
        description: `Amazon Inspector ECR image findings of severity ${this.severities.join(', ')} (${subject})`,
        eventPattern: enhancedScanPattern(this.registryId, this.severities, prefixes),
      });
    }
    for (const target of props.targets ?? []) {
      this.addTarget(target);
    }
    this.warnOnPatternSize();
  }

  /** The rules this alert created (one per source). */
  public get rules(): events.Rule[] {
    return [this.basicScanRule, this.enhancedScanRule].filter((r): r is events.Rule => r !== undefined);
  }

  /**
   * Send matching events to one more target (on every rule of this alert).
   */
  public addTarget(target: events.IRuleTarget): void {
    const count = this.targetCount + 1;
    new Violations(this.node.path).check(count <= MAX_TARGETS, 'targets', `${count} targets`,
      `at most ${MAX_TARGETS} targets (EventBridge allows ${MAX_TARGETS} per rule); fan out through an SNS topic`).throwIfAny();
    this.targetCount = count;
    for (const rule of this.rules) {
      rule.addTarget(target);
    }
  }

  private warnOnPatternSize(): void {
    for (const rule of this.rules) {
      const cfn = rule.node.defaultChild as events.CfnRule;
      const pattern = Stack.of(this).resolve(cfn.eventPattern);
      if (isUnresolved(pattern)) {
        continue;
      }
      const size = JSON.stringify(pattern).length;
      if (size > PATTERN_SIZE_QUOTA) {
        Annotations.of(rule).addWarningV2('cdk-ecr-registry:eventPatternSize',
          `the event pattern has ${size} characters, above EventBridge's default quota of ${PATTERN_SIZE_QUOTA} (adjustable): `
          + 'use fewer, shorter repositoryPrefixes or raise the quota before deploying');
      }
    }
  }
}

/** `[{ prefix }]` for each prefix, or undefined for every repository. */
function prefixMatchers(prefixes: string[] | undefined): unknown[] | undefined {
  return prefixes === undefined ? undefined : prefixes.map(prefix => ({ prefix }));
}

/**
 * The pattern for ECR's basic-scan event: a completed scan with a count above 0 for one of the
 * severities (one `$or` branch per severity; a single severity needs no `$or`).
 */
function basicScanPattern(registryId: string, severities: ScanFindingSeverity[], prefixes: string[] | undefined): events.EventPattern {
  const branches = severities.map(s => ({ 'finding-severity-counts': { [s]: [{ numeric: ['>', 0] }] } }));
  const repository = prefixMatchers(prefixes);
  return {
    source: ['aws.ecr'],
    detailType: ['ECR Image Scan'],
    account: [registryId],
    detail: {
      'scan-status': ['COMPLETE'],
      ...(repository ? { 'repository-name': repository } : {}),
      ...(branches.length === 1 ? branches[0] : { $or: branches }),
    },
  };
}

/** The pattern for Amazon Inspector's finding event, on ECR images of the registry. */
function enhancedScanPattern(registryId: string, severities: ScanFindingSeverity[], prefixes: string[] | undefined): events.EventPattern {
  const repository = prefixMatchers(prefixes);
  return {
    source: ['aws.inspector2'],
    detailType: ['Inspector2 Finding'],
    detail: {
      status: ['ACTIVE'],
      severity: [...severities],
      resources: {
        type: ['AWS_ECR_CONTAINER_IMAGE'],
        details: {
          awsEcrContainerImage: {
            registry: [registryId],
            ...(repository ? { repositoryName: repository } : {}),
          },
        },
      },
    },
  };
}
