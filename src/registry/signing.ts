import * as signer from 'aws-cdk-lib/aws-signer';

/**
 * A managed signing rule of a registry: ECR signs every image pushed to a matching repository with
 * an AWS Signer profile (`AWS::ECR::SigningConfiguration`).
 */
export interface SigningRule {
  /**
   * The AWS Signer signing profile. ECR signs container images only with a profile of the
   * `Notation-OCI-SHA384-ECDSA` platform (`signer.Platform.NOTATION_OCI_SHA384_ECDSA`); a profile
   * created in the app with another platform is rejected at synth.
   */
  readonly signingProfile: signer.ISigningProfile;

  /**
   * Repository name filters (ECR `WILDCARD_MATCH`: `*` matches any characters, such as `prod/*`
   * or `*prod*`; 1-256 characters each, at most 100).
   *
   * @default - every repository of the registry
   */
  readonly repositoryFilters?: string[];
}
