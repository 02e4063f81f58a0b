/**
 * One synthesis measurement in a fresh process (run by `synth.bench.ts`, not by `npm run bench` itself):
 *
 *   node --require tsx/cjs bench/synth-worker.ts <ours|ours-plaingrant|plain|bare> <repositories> <repositories per stack>
 *
 * (the bench runs an esbuild bundle of this file with plain `node`).
 *
 * Builds an app of N repositories, each with the same settings (IMMUTABLE tags, scan on push, KMS,
 * RETAIN, the same 2-rule lifecycle policy, pull for account 222222222222), in one of three forms:
 * - `ours`: `PrivateRepository` (defaults) + `repository.access.grantPullToAccounts([...])`;
 * - `plain`: aws-cdk-lib `ecr.Repository` configured to the same template + `addToResourcePolicy`;
 * - `bare`: `ecr.CfnRepository` with the same properties written directly (the floor);
 * - diagnostics: `ours-plaingrant` (PrivateRepository + the plain grant) and `bare-document`
 *   (bare, with the policy as an `iam.PolicyDocument`), which split the differences between the three.
 * Prints one JSON line: startup (process start to modules loaded), construct and synth times,
 * RSS after startup and the process's RSS high-water mark, template bytes, and one rendered
 * repository resource (the bench checks the three forms render the same resource).
 * `CDK_VALIDATION=false` in the environment turns aws-cdk-lib's built-in template validation off
 * (aws-cdk-lib >= 2.262 reads it in `App.synth()`; older versions have no built-in validation).
 */
import * as fs from 'fs';
import * as inspector from 'inspector';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import * as cdk from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PrivateRepository } from '../src/repository/private-repository';

/** What one worker run reports (one JSON line on stdout). */
export interface WorkerResult {
  readonly variant: string;
  readonly repositories: number;
  readonly stacks: number;
  /** Process start to every module loaded (node, tsx, aws-cdk-lib, this library). */
  readonly startupMs: number;
  /** Creating the app, stacks, repositories and grants. */
  readonly constructMs: number;
  /** `app.synth()` (prepare, validate, resolve, write the templates, built-in validation if any). */
  readonly synthMs: number;
  /** CPU time (user + system, all threads) of construct + synth: less sensitive to a busy machine than wall time. */
  readonly cpuMs: number;
  /** RSS after startup, in bytes. */
  readonly startupRss: number;
  /** The process's RSS high-water mark at the end, in bytes. */
  readonly maxRss: number;
  /** Bytes of every template file written. */
  readonly templateBytes: number;
  /** Minified JSON bytes of one repository resource (`Type`, `Properties`, policies). */
  readonly resourceBytes: number;
  /** One repository resource, for the equivalence check. */
  readonly sample: unknown;
  /** Warnings and errors attached to the stacks' metadata (count). */
  readonly messages: number;
}

const CONSUMER_ACCOUNT = '222222222222';
const UNTAGGED_DESCRIPTION = 'Expire untagged images 14 days after push';
const TAGGED_DESCRIPTION = 'Keep the 1000 most recent tagged images';
/** The policy text of `LifecyclePolicy.repositoryDefault()`, written out for the bare variant. */
const LIFECYCLE_TEXT = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: UNTAGGED_DESCRIPTION,
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14, countUnit: 'days' },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      description: TAGGED_DESCRIPTION,
      selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: 1000 },
      action: { type: 'expire' },
    },
  ],
});
const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];

async function main(): Promise<void> {
  const [variant, nArg, perStackArg] = process.argv.slice(2);
  const n = Number(nArg);
  const perStack = Number(perStackArg);
  if (!['ours', 'ours-plaingrant', 'plain', 'bare', 'bare-document'].includes(variant) || !(n > 0) || !(perStack > 0)) {
    throw new Error(`usage: synth-worker.ts <ours|ours-plaingrant|plain|bare|bare-document> <repositories> <repositories per stack> (got ${process.argv.slice(2).join(' ')})`);
  }

  // Every variant has loaded the same modules (static imports), so startup is the same for all three.
  const startupMs = performance.now();
  const startupRss = process.memoryUsage().rss;

  const profile = process.env.SYNTH_BENCH_PROFILE;
  const session = profile ? await startProfiler() : undefined;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ecr-registry-bench-'));
  try {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const app = new cdk.App({ outdir });
    const stacks: cdk.Stack[] = [];
    const env = { account: '111111111111', region: 'eu-west-1' };
    for (let i = 0; i < n; i++) {
      if (i % perStack === 0) {
        stacks.push(new cdk.Stack(app, `Repositories${stacks.length}`, { env }));
      }
      const stack = stacks[stacks.length - 1];
      const id = `Repository${i}`;
      if (variant === 'ours') {
        const repository = new PrivateRepository(stack, id);
        repository.access.grantPullToAccounts([CONSUMER_ACCOUNT]);
      } else if (variant === 'ours-plaingrant') {
        // Diagnostic: PrivateRepository with the plain variant's grant, to split ours' cost
        // between the construct and the access helper.
        const repository = new PrivateRepository(stack, id);
        repository.addToResourcePolicy(pullStatement());
      } else if (variant === 'plain') {
        const repository = new ecr.Repository(stack, id, {
          imageTagMutability: ecr.TagMutability.IMMUTABLE,
          imageScanOnPush: true,
          encryption: ecr.RepositoryEncryption.KMS,
          removalPolicy: cdk.RemovalPolicy.RETAIN,
          lifecycleRules: [
            { rulePriority: 1, description: UNTAGGED_DESCRIPTION, tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: cdk.Duration.days(14) },
            { rulePriority: 2, description: TAGGED_DESCRIPTION, tagStatus: ecr.TagStatus.TAGGED, tagPatternList: ['*'], maxImageCount: 1000 },
          ],
        });
        repository.addToResourcePolicy(pullStatement());
      } else {
        // `bare-document` (diagnostic): the bare resource with its policy as an iam.PolicyDocument
        // instead of literal JSON, to split plain's cost between the policy document and the rest of the L2.
        const repositoryPolicyText = variant === 'bare-document'
          ? new iam.PolicyDocument({ statements: [pullStatement()] })
          : {
            Statement: [{
              Action: PULL,
              Effect: 'Allow',
              Principal: { AWS: `arn:${cdk.Aws.PARTITION}:iam::${CONSUMER_ACCOUNT}:root` },
              Sid: 'CrossAccountPull',
            }],
            Version: '2012-10-17',
          };
        const repository = new ecr.CfnRepository(stack, id, {
          imageTagMutability: 'IMMUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfiguration: { encryptionType: 'KMS' },
          lifecyclePolicy: { lifecyclePolicyText: LIFECYCLE_TEXT },
          repositoryPolicyText,
        });
        repository.applyRemovalPolicy(cdk.RemovalPolicy.RETAIN);
      }
    }
    const t1 = performance.now();
    const assembly = app.synth();
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const maxRss = process.resourceUsage().maxRSS * 1024;
    if (session && profile) {
      fs.writeFileSync(profile, JSON.stringify(await post(session, 'Profiler.stop')));
    }

    let templateBytes = 0;
    let messages = 0;
    for (const stack of assembly.stacks) {
      templateBytes += fs.statSync(path.join(assembly.directory, stack.templateFile)).size;
      messages += stack.messages.length;
    }
    const resources = assembly.stacks[0].template.Resources as Record<string, { Type: string }>;
    const sample = Object.values(resources).find(r => r.Type === 'AWS::ECR::Repository');
    const result: WorkerResult = {
      variant,
      repositories: n,
      stacks: stacks.length,
      startupMs,
      constructMs: t1 - t0,
      synthMs: t2 - t1,
      cpuMs: (cpu.user + cpu.system) / 1000,
      startupRss,
      maxRss,
      templateBytes,
      resourceBytes: Buffer.byteLength(JSON.stringify(sample)),
      sample,
      messages,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The plain variant's cross-account statement (what `grantPullToAccounts` renders). */
function pullStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'CrossAccountPull',
    effect: iam.Effect.ALLOW,
    actions: PULL,
    principals: [new iam.AccountPrincipal(CONSUMER_ACCOUNT)],
  });
}

/** Profile construct + synth only (`SYNTH_BENCH_PROFILE=<file>.cpuprofile`), not the startup. */
async function startProfiler(): Promise<inspector.Session> {
  const session = new inspector.Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
  await post(session, 'Profiler.start');
  return session;
}

function post(session: inspector.Session, method: string, params?: object): Promise<any> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (err, result: any) => err ? reject(err) : resolve(result?.profile ?? result)));
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
