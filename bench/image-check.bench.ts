/**
 * Image check: handler bundle size, and ECR API calls per 1,000 images (the handler's check
 * against a mocked client that counts calls; floor: one DescribeImages per 100 ids per repository).
 */
import * as path from 'path';
import { DescribeImagesCommand, DescribeImagesCommandInput, ECRClient, ImageNotFoundException } from '@aws-sdk/client-ecr';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import { BenchSection } from './lib';
import { ImageCheck, ImageReference } from '../src';
import { checkImages } from '../src/image-check/private/check-images';
import { ImageSpec } from '../src/image-check/private/contract';

const ENTRY = path.join(__dirname, '..', 'src', 'image-check', 'image-check.lambda.ts');

async function bundleBytes(minify: boolean, externalSdk: boolean): Promise<number> {
  const res = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    target: 'node22',
    minify,
    write: false,
    external: externalSdk ? ['@aws-sdk/*'] : [],
    logLevel: 'silent',
  });
  return res.outputFiles[0].contents.byteLength;
}

/** Run the check over `repos` repositories holding `total` images, `missing` of them absent; count DescribeImages calls. */
async function callsFor(total: number, repos: number, missing: number, namedInMessage: boolean): Promise<{ calls: number; ms: number }> {
  const mock = mockClient(ECRClient);
  const absent = new Set<string>();
  for (let m = 0; m < missing; m++) {
    const i = Math.floor((total / missing) * m + 7) % total;
    absent.add(`r${i % repos}:t${i}`);
  }
  let calls = 0;
  mock.on(DescribeImagesCommand).callsFake(async (input: DescribeImagesCommandInput) => {
    calls++;
    for (const id of input.imageIds ?? []) {
      if (absent.has(`${input.repositoryName}:${id.imageTag}`)) {
        throw new ImageNotFoundException({
          // ECR's message names the first missing id; without it the handler bisects.
          message: namedInMessage ? `The image with imageId {imageDigest:'null', imageTag:'${id.imageTag}'} does not exist` : 'not found',
          $metadata: {},
        });
      }
    }
    return {
      imageDetails: (input.imageIds ?? []).map(id => ({ imageDigest: `sha256:${'0'.repeat(56)}${String(id.imageTag).padStart(8, '0')}`, imageTags: [id.imageTag!] })),
    };
  });
  const images: ImageSpec[] = [];
  for (let i = 0; i < total; i++) {
    images.push({ Registry: '111111111111', Region: 'us-east-1', Repository: `r${i % repos}`, Tag: `t${i}` });
  }
  const client = new ECRClient({ region: 'us-east-1' });
  const t0 = process.hrtime.bigint();
  try {
    await checkImages({ Images: images }, { clientFor: () => client, deadline: Date.now() + 60_000 });
  } catch {
    // the missing images fail the check, as they should
  } finally {
    mock.restore();
  }
  return { calls, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

function lambdasForChecks(checks: number, imagesPerCheck: number): number {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'us-east-1' } });
  const repo = ecr.Repository.fromRepositoryName(stack, 'R', 'app');
  for (let c = 0; c < checks; c++) {
    new ImageCheck(stack, `C${c}`, { images: Array.from({ length: imagesPerCheck }, (_, i) => ImageReference.fromTag(repo, `c${c}-${i}`)) });
  }
  return Object.keys(Template.fromStack(stack).findResources('AWS::Lambda::Function')).length;
}

export async function run(): Promise<BenchSection> {
  const sizes = {
    shipped: await bundleBytes(true, false),
    shippedUnminified: await bundleBytes(false, false),
    external: await bundleBytes(true, true),
    externalUnminified: await bundleBytes(false, true),
  };
  const scenarios: Array<[string, number, number, number, boolean]> = [
    ['1,000 images, 1 repository, all present', 1000, 1, 0, true],
    ['1,000 images, 10 repositories, all present', 1000, 10, 0, true],
    ['1,000 images, 1 repository, 1 missing', 1000, 1, 1, true],
    ['1,000 images, 1 repository, 10 missing (1 per batch)', 1000, 1, 10, true],
    ['1,000 images, 10 repositories, 10 missing', 1000, 10, 10, true],
    ['same, error message without the id (bisection)', 1000, 10, 10, false],
  ];
  const rows: Array<Array<string | number>> = [];
  const notes: string[] = [];
  for (const [name, total, repos, missing, named] of scenarios) {
    const { calls, ms } = await callsFor(total, repos, missing, named);
    const floor = repos * Math.ceil(total / repos / 100);
    rows.push([name, calls, floor, calls / floor, ms]);
    if (missing === 0 && calls !== floor) {
      notes.push(`MISSED: ${name}: ${calls} calls, floor ${floor}`);
    }
  }
  rows.push(['bundle (shipped: SDK client bundled, minified), bytes', sizes.shipped, '', '', '']);
  rows.push(['bundle (SDK client bundled, not minified), bytes', sizes.shippedUnminified, '', '', '']);
  rows.push(['bundle (@aws-sdk/* external, minified), bytes', sizes.external, '', '', '']);
  rows.push(['bundle (@aws-sdk/* external, not minified), bytes', sizes.externalUnminified, '', '', '']);
  const lambdas = lambdasForChecks(10, 100);
  rows.push(['Lambda functions for 10 checks x 100 images in one stack', lambdas, 1, lambdas, '']);
  notes.push('floor = one DescribeImages per 100 image ids per repository; a failing batch drops the id ECR names and retries (k + 1 calls), or bisects when the message names none.');
  notes.push('The shipped bundle includes @aws-sdk/client-ecr: the runtime-provided SDK may predate imageStatus (archived images).');
  return {
    title: 'Image check: ECR calls per 1,000 images, handler bundle size, Lambdas per stack',
    columns: ['measure', 'value', 'floor', 'ratio', 'check ms'],
    rows,
    notes,
  };
}
