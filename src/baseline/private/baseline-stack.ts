import { CfnResource, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EcrValidationError } from '../../private/errors';

/** CloudFormation's quota: resources per template. */
export const CFN_MAX_RESOURCES = 500;

/**
 * The largest template this library writes for a baseline stack, in bytes as written to the
 * cloud assembly. CloudFormation accepts 1 MB (1,048,576 bytes) from S3 (`TemplateURL`, which the
 * CDK CLI uses above 51,200 bytes); 1,000,000 keeps a margin for what tools add on upload.
 */
export const MAX_TEMPLATE_BYTES = 1_000_000;

/**
 * A stack of a `RegistryBaseline`: fails the synth when its template is too large for
 * CloudFormation, and reports the size it wrote.
 */
export class BaselineStack extends Stack {
  /** Bytes of the template as last synthesized (0 before synthesis). */
  public templateBytes = 0;

  constructor(scope: Construct, id: string, props: StackProps, private readonly resourceLimit: number) {
    super(scope, id, props);
    this.node.addValidation({ validate: () => this.checkResourceCount() });
  }

  /** The number of CloudFormation resources in this stack. */
  public resourceCount(): number {
    return this.node.findAll().filter(c => CfnResource.isCfnResource(c) && Stack.of(c) === (this as Stack)).length;
  }

  protected _toCloudFormation(): any {
    const template = super._toCloudFormation();
    // The cloud assembly writes templates with a one-space indent: measure that.
    this.templateBytes = Buffer.byteLength(JSON.stringify(template, undefined, 1), 'utf8');
    if (this.templateBytes > MAX_TEMPLATE_BYTES) {
      throw new EcrValidationError(this.node.path, `invalid template size ${this.templateBytes}: `
        + `must be at most ${MAX_TEMPLATE_BYTES} bytes (CloudFormation accepts 1 MB from S3); `
        + 'spread the repositories over more shards (sharding.capacity or sharding.shardCount)');
    }
    return template;
  }

  private checkResourceCount(): string[] {
    const count = this.resourceCount();
    if (count <= this.resourceLimit) {
      return [];
    }
    return [`${this.node.path}: invalid resource count ${count}: must be at most ${this.resourceLimit} per stack `
      + `(CloudFormation allows ${CFN_MAX_RESOURCES}); spread the repositories over more shards (sharding.capacity or sharding.shardCount)`];
  }
}
