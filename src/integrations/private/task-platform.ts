import { Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IConstruct } from 'constructs';
import type { PlatformRequirement } from '../../image-check/verified-image';
import { isUnresolved } from '../../private/tokens';

/** ECS CPU architectures as image platforms name them. */
const ARCHITECTURES: Record<string, string> = { X86_64: 'amd64', ARM64: 'arm64' };

/**
 * Where a task definition runs its containers: its runtime platform, or Fargate's default
 * (Linux on x86-64); undefined when only its hosts decide (an EC2 task definition without a
 * runtime platform), when a setting is a token, or for a container definition outside a task
 * definition (AWS Batch binds images without one).
 */
export function taskPlatform(taskDefinition: ecs.TaskDefinition | undefined): Omit<PlatformRequirement, 'consumer'> | undefined {
  if (!(taskDefinition instanceof ecs.TaskDefinition)) {
    return undefined;
  }
  const cfn = taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
  const rp = Stack.of(taskDefinition).resolve(cfn.runtimePlatform) as { cpuArchitecture?: unknown; operatingSystemFamily?: unknown } | undefined;
  const fargate = taskDefinition.isFargateCompatible;
  if (!rp && !fargate) {
    return undefined;
  }
  const family = rp?.operatingSystemFamily;
  const cpu = rp?.cpuArchitecture;
  if ((family !== undefined && (typeof family !== 'string' || isUnresolved(family))) || (cpu !== undefined && (typeof cpu !== 'string' || isUnresolved(cpu)))) {
    return undefined;
  }
  const os = family === undefined ? (fargate ? 'linux' : undefined) : (family as string).startsWith('WINDOWS') ? 'windows' : 'linux';
  if (os === undefined) {
    return undefined;
  }
  // Fargate runs x86-64 unless the runtime platform says otherwise.
  const architecture = cpu !== undefined ? ARCHITECTURES[cpu as string] : fargate ? 'amd64' : undefined;
  return { os, ...(architecture ? { architecture } : {}) };
}

/**
 * Where an AWS Batch container on Fargate runs (`EcsFargateContainerDefinition`): its
 * `fargateOperatingSystemFamily` and `fargateCpuArchitecture`, or Fargate's default (Linux on
 * x86-64). Undefined for any other scope (a Batch container on EC2: its compute environment's
 * instances decide) and when a setting is a token.
 */
export function batchFargatePlatform(scope: IConstruct): Omit<PlatformRequirement, 'consumer'> | undefined {
  if (!(scope instanceof batch.EcsFargateContainerDefinition)) {
    return undefined;
  }
  const cpu = (scope.fargateCpuArchitecture as unknown as { _cpuArchitecture?: unknown } | undefined)?._cpuArchitecture ?? 'X86_64';
  const family = (scope.fargateOperatingSystemFamily as unknown as { _operatingSystemFamily?: unknown } | undefined)?._operatingSystemFamily ?? 'LINUX';
  if (typeof cpu !== 'string' || typeof family !== 'string' || isUnresolved(cpu) || isUnresolved(family) || ARCHITECTURES[cpu] === undefined) {
    return undefined;
  }
  return { os: family.startsWith('WINDOWS') ? 'windows' : 'linux', architecture: ARCHITECTURES[cpu] };
}
