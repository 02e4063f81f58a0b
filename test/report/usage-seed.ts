/**
 * Images of known sizes for the usage tests, pushed into moto with PutImage.
 *
 * moto 5.2 takes an image's size (`imageSizeInBytes`) from the manifest's `config.size` (ECR sums
 * the layers); each manifest here gives its one layer and its config the same size, so the size is
 * the same either way. moto derives the digest from the layer digests: each image has its own layer.
 */
import { createHash } from 'crypto';
import { CreateRepositoryCommand, ECRClient, PutImageCommand, PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** A Docker image manifest of one layer whose image size is `size` bytes. */
export function manifest(name: string, size: number): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size, digest: sha(`config ${name}`) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size, digest: sha(`layer ${name}`) }],
  });
}

/** Keep one `pr-` image (the newest), expire the rest; tagged release images are not selected. */
export const PR_LIFECYCLE = JSON.stringify({
  rules: [{
    rulePriority: 1,
    description: 'keep the newest pr- image',
    selection: { tagStatus: 'tagged', tagPrefixList: ['pr-'], countType: 'imageCountMoreThan', countNumber: 1 },
    action: { type: 'expire' },
  }],
});

/** Bytes of the seeded images. */
export const SIZES = { pr1: 3_000_000, pr2: 1_000_000, v1: 5_000_000, lib: 200_000 } as const;

async function push(client: ECRClient, repositoryName: string, tag: string, size: number): Promise<void> {
  await client.send(new PutImageCommand({ repositoryName, imageTag: tag, imageManifest: manifest(`${repositoryName}:${tag}`, size) }));
}

/**
 * `usage/big`: pr-1 (pushed first), then pr-2 and v1, with the PR lifecycle policy: it expires pr-1.
 * `usage/small`: one image, no lifecycle policy. `usage/empty`: no image.
 */
export async function seedUsage(client: ECRClient): Promise<void> {
  for (const name of ['usage/big', 'usage/small', 'usage/empty']) {
    await client.send(new CreateRepositoryCommand({ repositoryName: name }));
  }
  await client.send(new PutLifecyclePolicyCommand({ repositoryName: 'usage/big', lifecyclePolicyText: PR_LIFECYCLE }));
  await push(client, 'usage/big', 'pr-1', SIZES.pr1);
  await push(client, 'usage/small', 'v1', SIZES.lib);
  // moto records push times in whole seconds: pr-2 must be pushed a later second than pr-1.
  await new Promise(resolve => setTimeout(resolve, 1100));
  await push(client, 'usage/big', 'pr-2', SIZES.pr2);
  await push(client, 'usage/big', 'v1', SIZES.v1);
}
