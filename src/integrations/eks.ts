import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IVerifiedImage } from '../image-check/verified-image';

/**
 * Pull access to verified images for EKS workloads, and their pinned URIs for manifests.
 *
 * Kubelet pulls with the node's role (managed node groups, self-managed capacity) or, on Fargate,
 * with the profile's pod execution role; not with the pod's service account role (IRSA / Pod Identity).
 */
export class EksImageAccess {
  /** Allow a managed node group's nodes to pull the images. */
  public static grantToNodegroup(nodegroup: eks.Nodegroup, ...images: IVerifiedImage[]): iam.Grant[] {
    return EksImageAccess.grantTo(nodegroup.role, ...images);
  }

  /** Allow the pods of a Fargate profile to pull the images (through its pod execution role). */
  public static grantToFargateProfile(profile: eks.FargateProfile, ...images: IVerifiedImage[]): iam.Grant[] {
    return EksImageAccess.grantTo(profile.podExecutionRole, ...images);
  }

  /** Allow any principal (a self-managed node group's instance role, for example) to pull the images. */
  public static grantTo(grantee: iam.IGrantable, ...images: IVerifiedImage[]): iam.Grant[] {
    return images.map(image => image.grantPull(grantee));
  }

  /**
   * A container spec for a Kubernetes manifest: `{ name, image }` with the pinned URI
   * (merge it into a pod template's `containers`).
   */
  public static container(name: string, image: IVerifiedImage): Record<string, string> {
    return { name, image: image.imageUri };
  }

  /**
   * Helm values for the common `image.repository` / `image.digest` chart convention
   * (`repository` is the URI without the digest, `digest` is `sha256:...`).
   */
  public static helmImageValues(image: IVerifiedImage): Record<string, string> {
    return { repository: image.repositoryUri, digest: image.digest };
  }

  private constructor() {}
}
