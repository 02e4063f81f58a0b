import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecr from 'aws-cdk-lib/aws-ecr';

/** The namespace of Amazon ECR's repository metrics. */
const NAMESPACE = 'AWS/ECR';

/**
 * Amazon ECR's CloudWatch metrics for a repository (namespace `AWS/ECR`, dimension
 * `RepositoryName`). ECR publishes them for private repositories, without any setup.
 */
export class RepositoryMetrics {
  /**
   * `RepositoryPullCount`: the number of image pulls from the repository. The default
   * statistic is `Sum` (the useful one for a count) over 5 minutes.
   *
   * @param repository any repository (an import too: the metric needs only its name)
   * @param props statistic, period, label, account and region overrides
   */
  public static pullCount(repository: ecr.IRepository, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: NAMESPACE,
      metricName: 'RepositoryPullCount',
      dimensionsMap: { RepositoryName: repository.repositoryName },
      statistic: cloudwatch.Stats.SUM,
      ...props,
    });
  }

  private constructor() {}
}
