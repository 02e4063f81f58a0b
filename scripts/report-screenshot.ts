/**
 * Makes docs/images/report.png, the screenshot of the `report --html` page in docs/report.md:
 * seeds a demo registry in moto (the ECR emulator the tests use, ./.venv from `npm test`), runs
 * `cdk-ecr-registry report --html` against it and photographs the page with Debian's headless
 * Chromium (`--screenshot`), offline.
 *
 *   npx tsx --tsconfig tsconfig.dev.json scripts/report-screenshot.ts [out.png] [--keep-html page.html]
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { CreateRepositoryCommand, ECRClient, PutImageCommand, PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { main } from '../src/cli/main';
import { OFFLINE_FLAGS, requireChromium } from '../test/helpers/chromium';
import { startMoto } from '../test/helpers/moto';
import { manifest } from '../test/report/usage-seed';

const MB = 1_000_000;

/** Repositories of the demo registry: settings and the sizes of their images, oldest first. */
const DEMO: { name: string; immutable: boolean; scanOnPush: boolean; keep?: number; sizes: number[] }[] = [
  { name: 'ml/model-server', immutable: true, scanOnPush: true, sizes: [2300 * MB, 2350 * MB, 2410 * MB] },
  { name: 'data/etl-jobs', immutable: false, scanOnPush: true, keep: 3, sizes: [1100 * MB, 1120 * MB, 1150 * MB, 1160 * MB, 1180 * MB] },
  { name: 'platform/api', immutable: true, scanOnPush: true, keep: 3, sizes: [410 * MB, 415 * MB, 420 * MB, 425 * MB, 430 * MB, 436 * MB] },
  { name: 'tools/ci-runner', immutable: true, scanOnPush: false, keep: 5, sizes: [650 * MB, 655 * MB] },
  { name: 'platform/web', immutable: true, scanOnPush: true, keep: 10, sizes: [180 * MB, 182 * MB, 185 * MB, 190 * MB] },
  { name: 'sandbox/scratch', immutable: false, scanOnPush: false, sizes: [35 * MB] },
];

async function main_(): Promise<void> {
  const args = process.argv.slice(2);
  const keepAt = args.indexOf('--keep-html');
  const keepHtml = keepAt >= 0 ? args.splice(keepAt, 2)[1] : undefined;
  const out = path.resolve(args[0] ?? path.join(__dirname, '..', 'docs', 'images', 'report.png'));
  const chromium = requireChromium();
  process.env.AWS_ACCESS_KEY_ID = 'demo';
  process.env.AWS_SECRET_ACCESS_KEY = 'demo';
  const moto = await startMoto('eu-west-1');
  const dir = mkdtempSync(path.join(tmpdir(), 'report-screenshot-'));
  const ecr = new ECRClient(moto.clientConfig);
  try {
    for (const r of DEMO) {
      await ecr.send(new CreateRepositoryCommand({
        repositoryName: r.name,
        imageTagMutability: r.immutable ? 'IMMUTABLE' : 'MUTABLE',
        imageScanningConfiguration: { scanOnPush: r.scanOnPush },
      }));
      if (r.keep !== undefined) {
        await ecr.send(new PutLifecyclePolicyCommand({
          repositoryName: r.name,
          lifecyclePolicyText: JSON.stringify({
            rules: [{ rulePriority: 1, description: `keep the newest ${r.keep}`, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: r.keep }, action: { type: 'expire' } }],
          }),
        }));
      }
    }
    // moto records push times in whole seconds: one image of each repository per second, oldest first.
    const rounds = Math.max(...DEMO.map(r => r.sizes.length));
    for (let i = 0; i < rounds; i++) {
      for (const r of DEMO.filter(x => i < x.sizes.length)) {
        await ecr.send(new PutImageCommand({ repositoryName: r.name, imageTag: `v1.${i}`, imageManifest: manifest(`${r.name}:${i}`, r.sizes[i]) }));
      }
      if (i < rounds - 1) {
        await new Promise(resolve => setTimeout(resolve, 1100));
      }
    }
    const page = keepHtml ? path.resolve(keepHtml) : path.join(dir, 'report.html');
    const code = await main(['report', '--target', '123456789012:eu-west-1', '--endpoint', moto.endpoint, '--html', page, '--quiet'], {
      stdout: () => undefined,
      stderr: t => process.stderr.write(t),
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
    });
    // 3: the demo registry has findings (the page is written all the same).
    if (code !== 0 && code !== 3) {
      throw new Error(`report exited ${code}`);
    }
    execFileSync(chromium, [
      ...OFFLINE_FLAGS, '--headless', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=1',
      `--user-data-dir=${path.join(dir, 'profile')}`, '--window-size=960,1180', `--screenshot=${out}`, pathToFileURL(page).href,
    ], { stdio: ['ignore', 'ignore', 'ignore'], timeout: 60_000 });
    console.log(`${path.relative(process.cwd(), out)}: ${(statSync(out).size / 1024).toFixed(0)} KiB (page ${(statSync(page).size / 1024).toFixed(1)} KiB)`);
  } finally {
    ecr.destroy();
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main_().catch(e => {
  console.error(e);
  process.exit(1);
});
