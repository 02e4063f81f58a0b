import { DeployTimeValue, isDeployTimeValue, Possible } from './settings';

/** A deploy-time value for a template JSON fragment. */
export function deployTime(template: unknown): DeployTimeValue {
  return { deployTime: true, template };
}

/** The partition of a region's ARNs. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) {
    return 'aws-cn';
  }
  if (region.startsWith('us-gov-')) {
    return 'aws-us-gov';
  }
  return 'aws';
}

/** `arn:<partition>:ecr:<region>:<account>:registry`: the name of a registry in ARN form. */
export function registryArnOf(account: string, region: string): string {
  return `arn:${partitionOf(region)}:ecr:${region}:${account}:registry`;
}

/** The one value of a live setting (`null` when unknown or not set). */
export function one<T>(values: Possible<T>): T | null {
  if (values === null || values.length === 0) {
    return null;
  }
  const v = values[0];
  return v === undefined ? null : v;
}

/** A text as the report writes it: a deploy-time value as its template JSON. */
export function textOf(v: string | DeployTimeValue | undefined | null): string | null {
  if (v === undefined || v === null) {
    return null;
  }
  return isDeployTimeValue(v) ? JSON.stringify(v.template) : v;
}
