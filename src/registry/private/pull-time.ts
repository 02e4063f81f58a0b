import { createHash } from 'crypto';
import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { Violations } from '../../private/errors';
import { isKnown } from '../../private/tokens';
import { checkLength, checkPattern } from '../../private/validation';

/** Most pull-time update exclusions per account (ECR service quota). */
export const MAX_PULL_TIME_EXCLUSIONS = 100;

/** The CloudFormation pattern for `AWS::ECR::PullTimeUpdateExclusion.PrincipalArn`: an IAM role or user. */
const PRINCIPAL_ARN = /^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)\/[\w+=,.@-]+(\/[\w+=,.@-]+)*$/;

/** Check principal ARNs to exclude, `already` being excluded before them. */
export function checkPullTimeExclusions(v: Violations, property: string, arns: string[], already: string[], offset: number): void {
  const total = already.length + arns.length;
  v.check(total <= MAX_PULL_TIME_EXCLUSIONS, `${property}.length`, total,
    `at most ${MAX_PULL_TIME_EXCLUSIONS} pull-time update exclusions per account (ECR quota)`);
  const seen = new Set(already.filter(a => isKnown(a)));
  for (const [i, arn] of arns.entries()) {
    const p = `${property}[${offset + i}]`;
    if (checkLength(v, p, arn, 1, 200)) {
      checkPattern(v, p, arn, PRINCIPAL_ARN,
        'must be the ARN of an IAM role or user (arn:aws:iam::<account>:role/<name> or :user/<name>); ECR does not exclude groups, sessions or services');
    }
    if (isKnown(arn)) {
      v.check(!seen.has(arn), p, arn, 'is excluded already; exclude each principal once');
      seen.add(arn);
    }
  }
}

/**
 * The registry's `AWS::ECR::PullTimeUpdateExclusion`s, one per principal, each with a construct id
 * that depends only on the principal ARN (as CloudFormation renders it), so adding or removing one
 * never replaces the others.
 */
export class RegistryPullTimeExclusions {
  private readonly _arns: string[] = [];
  private readonly _resources: ecr.CfnPullTimeUpdateExclusion[] = [];

  constructor(private readonly registry: Construct) {}

  /** The principal ARNs excluded so far. */
  public get arns(): string[] {
    return [...this._arns];
  }

  /** The L1s. */
  public get resources(): ecr.CfnPullTimeUpdateExclusion[] {
    return [...this._resources];
  }

  /** Whether this principal (as CloudFormation renders it: tokens too) is excluded already. */
  public has(arn: string): boolean {
    return this.registry.node.tryFindChild(this.idOf(arn)) !== undefined;
  }

  /** Add one (checked before). */
  public add(arn: string): ecr.CfnPullTimeUpdateExclusion {
    this._arns.push(arn);
    const resource = new ecr.CfnPullTimeUpdateExclusion(this.registry, this.idOf(arn), { principalArn: arn });
    this._resources.push(resource);
    return resource;
  }

  private idOf(arn: string): string {
    const rendered = JSON.stringify(Stack.of(this.registry).resolve(arn));
    return `PullTimeExclusion${createHash('sha256').update(rendered).digest('hex').slice(0, 8).toUpperCase()}`;
  }
}
