import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { PrivateRepository, RepositoryMetrics } from '../../src';
import { newStack } from '../helpers/synth';

describe('RepositoryPullCount', () => {
  test('PrivateRepository.metricPullCount: AWS/ECR, RepositoryName, Sum over 5 minutes', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Api', { repositoryName: 'payments/api' });
    const metric = repo.metricPullCount();
    expect(metric.namespace).toBe('AWS/ECR');
    expect(metric.metricName).toBe('RepositoryPullCount');
    expect(metric.statistic).toBe('Sum');
    expect(metric.period.toSeconds()).toBe(300);
    expect(stack.resolve(metric.dimensions)).toEqual({ RepositoryName: { Ref: stack.getLogicalId(repo.node.defaultChild as any) } });
  });

  test('overrides apply', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Api');
    const metric = repo.metricPullCount({ period: Duration.hours(1), statistic: cloudwatch.Stats.MAXIMUM, label: 'pulls' });
    expect(metric.period.toSeconds()).toBe(3600);
    expect(metric.statistic).toBe('Maximum');
    expect(metric.label).toBe('pulls');
  });

  test('works on any repository, e.g. an import by name', () => {
    const stack = newStack();
    const metric = RepositoryMetrics.pullCount(ecr.Repository.fromRepositoryName(stack, 'Web', 'payments/web'));
    expect(metric.dimensions).toEqual({ RepositoryName: 'payments/web' });
  });

  test('alarm example: a repository nobody pulled for a day', () => {
    const stack: Stack = newStack();
    const repo = new PrivateRepository(stack, 'Api', { repositoryName: 'payments/api' });
    repo.metricPullCount({ period: Duration.hours(1) }).createAlarm(stack, 'NoPulls', {
      alarmDescription: 'payments/api was not pulled for 24 hours',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 24,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ECR',
      MetricName: 'RepositoryPullCount',
      Dimensions: [{ Name: 'RepositoryName', Value: { Ref: stack.getLogicalId(repo.node.defaultChild as any) } }],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 24,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });
});
