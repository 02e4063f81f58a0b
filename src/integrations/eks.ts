import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import type { IVerifiedImage } from '../image-check/verified-image';
import { Violations } from '../private/errors';
import { isUnresolved } from '../private/tokens';

/** The node platforms an EKS workload can name. */
const NODE_PLATFORM = /^(linux\/amd64|linux\/arm64|windows\/amd64)$/;

/** Options of `EksImageAccess.requireNodePlatforms`. */
export interface EksNodePlatformOptions {
  /**
   * The workload that runs the images (a manifest, a Helm chart, the cluster): its construct path
   * names the consumer in the messages.
   */
  readonly workload: IConstruct;

  /**
   * The platforms of the nodes the workload can be scheduled on: `linux/amd64`, `linux/arm64`
   * (Graviton node groups) and `windows/amd64`. Each image must have every one of them (a
   * multi-platform image for a mixed cluster), unless a node selector keeps the pods to one.
   */
  readonly nodePlatforms: string[];
}

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

  /**
   * The platform gate for EKS: where kubelet runs an image is not known where a manifest names it,
   * so name the platforms of the nodes the workload can land on. At deploy time each image's
   * `ImageCheck` fails, before the workload is applied, when the image lacks one of them (an
   * amd64-only image for Graviton nodes would crash with "exec format error"); an `ImageCopy` whose
   * platforms are known at synth fails at synth.
   *
   * @param options the workload and its nodes' platforms
   * @param images the images the workload runs
   */
  public static requireNodePlatforms(options: EksNodePlatformOptions, ...images: IVerifiedImage[]): void {
    const path = options.workload?.node?.path ?? '<workload>';
    const v = new Violations(path);
    const platforms = options.nodePlatforms;
    v.check(Array.isArray(platforms) && platforms.length > 0, 'nodePlatforms', platforms,
      'must name at least one node platform: linux/amd64, linux/arm64 or windows/amd64');
    (Array.isArray(platforms) ? platforms : []).forEach((p, i) => {
      v.check(isUnresolved(p) || NODE_PLATFORM.test(p), `nodePlatforms[${i}]`, p, 'must be linux/amd64, linux/arm64 or windows/amd64');
    });
    v.check(images.length > 0, 'images', images.length, 'name at least one verified image the workload runs');
    v.throwIfAny();
    for (const image of images) {
      for (const p of new Set(platforms.filter(q => !isUnresolved(q)))) {
        const [os, architecture] = p.split('/');
        image.requirePlatform({ consumer: `EKS workload ${path} (nodes ${p})`, os, architecture });
      }
    }
  }

  private constructor() {}
}
