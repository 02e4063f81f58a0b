/**
 * The benchmark suite: `npm run bench [-- <name-filter>]`.
 *
 * Every `bench/*.bench.ts` exports `run(): Promise<BenchSection>`; this script runs them in one
 * process run (each section may spawn child processes for isolation) and prints one table per section.
 * Figures are measured in this run on this machine; ratios compare measurements of the same run.
 *
 * A run of every benchmark (no filter) also writes `bench/README.md`: the text below (`INTRO`), what
 * the run ran on, and every section's table and notes. A filtered run replaces (or adds) only the
 * sections it ran, each with a line saying when and on what it ran. Edit the text here, not in
 * bench/README.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BenchSection, printSection, sectionMarkdown } from './lib';

const INTRO = `# Benchmarks

<!-- Written by \`npm run bench\` (bench/run.ts): edit the text there, not here. -->

\`npm run bench\` measures, in one run on the machine it runs on, what this library costs and prints
one table per benchmark with the ratios and which targets are met. A run of every benchmark rewrites
this page; \`npm run bench -- synth\` runs only the synthesis benchmark and replaces only its section
(which then says when and on what it ran). Every other figure below comes from the one run described
under [The run](#the-run).

## What is measured

**Synthesis.** N = 100 and 1,000 repositories, each with a lifecycle policy and pull access for another
account, built three ways with the same settings; the bench checks that all three render the identical
\`AWS::ECR::Repository\` resource:

- **ours**: \`new PrivateRepository(stack, id)\` and \`repository.access.grantPullToAccounts([...])\`;
- **plain**: aws-cdk-lib \`ecr.Repository\` configured to the same template (IMMUTABLE, scan on push, KMS,
  RETAIN, the same two lifecycle rules, the same \`CrossAccountPull\` statement via \`addToResourcePolicy\`);
- **bare**: \`ecr.CfnRepository\` with the same properties written directly (the floor).

Each case runs in a fresh \`node\` process on the compiled code, 5 times (3 with validation on),
interleaved, median reported. Times cover creating the constructs and \`app.synth()\`; process startup
(node, aws-cdk-lib, this library) is its own column. Ratios use CPU time; peak memory is the process's
RSS high-water mark. Repositories are spread over stacks of 250 (one stack holds at most 500
resources); \`@aws-cdk/core:stackResourceLimit\` is not changed.

Every case runs on two aws-cdk-lib versions in the same run: the project's own (the supported
minimum, which has no built-in template validation) and the newest 2.x, which the bench installs into
\`.cache/bench/\` on first use (\`BENCH_CDK_LATEST=false\` skips it). On the newest, aws-cdk-lib's built-in
template validation (from 2.262) is measured off (\`CDK_VALIDATION=false\`) and on (the default).

Targets: ours at most 1.15x plain and 1.5x bare; 1,000 repositories in under 5 s and 500 MB with the
validation off. Why "vs bare" is hard to meet: a subclass of \`ecr.Repository\` cannot get below
aws-cdk-lib's own \`ecr.Repository\`, whose repository policy is rendered lazily from an
\`iam.PolicyDocument\` that synthesis resolves twice (once to find cross-stack references, once for the
template). \`PrivateRepository\` stays a drop-in \`ecr.Repository\` so that every aws-cdk-lib API and grant
works with it. What ours adds over plain: the argument checks of \`grantPullToAccounts\` and one
account-root warning per grant (recorded without a stack trace unless \`CDK_DEBUG=true\`; grant to a role
with \`grantPullToPrincipal\` to avoid it).

**Sharding.** How \`RegistryBaseline\` spreads a large registry over stacks (capacity declared at twice
the repositories; each stack must stay under 500 resources), and that adding a repository changes no
existing one.

**Lifecycle preview.** \`LifecyclePolicy.preview\` over 10,000 images (ECR's per-repository order of
magnitude) and more.

**Image check.** ECR API calls per check against the floor (one \`DescribeImages\` per 100 image ids per
repository), the handler bundle size, and one Lambda function per stack whatever the number of images.

**In-use protection.** The image check handler's calls for protecting 1,000 images (25 check resources of
40 images, over 10 repositories of 100 images) and for releasing them, against an in-memory ECR: Create,
the same Create again (a retried request) and Delete, each call counted against its floor (one
\`BatchGetImage\` per 100 images and one \`PutImage\` per image per resource and repository to add; one
\`DescribeImages\` page and one \`BatchDeleteImage\` per 100 tags to release).

**Live report.** \`RegistryReport.read\` over 1,000 repositories seeded in moto, in a fresh process with
its defaults, through a proxy that pages like ECR and counts calls: the read time (target < 60 s), the
calls against the floor \`ceil(N/1000) + ceil(N/25) + 3N + 8\` (target within 5%), and peak memory.

**Organization audit.** \`RegistryAudit\`'s worker over N accounts x M repositories in moto (20 x 200 by
default; \`BENCH_AUDIT_ACCOUNTS\`, \`BENCH_AUDIT_REPOSITORIES\`), through the fan-out in this process as the state
machine runs it (plan, one worker invocation per registry, 10 at a time, summary), with Security Hub and S3:
the time, the worker invocations, the ECR calls against the floor \`ceil(M/1000) + ceil(M/25) + 4M + 7\` per
registry (target within 5%), and a projection of 1,000 accounts x 500 repositories: one worker (one registry)
at the default 20 requests/s inside Lambda's 15 minutes.

**Image copy.** The \`copy\` command (the engine \`ImageCopy\` runs at deploy time) against \`crane copy\`
between local registries (the distribution registry on the filesystem, one per destination): a 1 GiB
image of 4 layers, ours and crane's wall time in the same run, three rounds with the two in turn, each
into an empty registry (target: the median of ours at most 1.3x crane's); the
peak RSS of the copying process with one 256 MiB and one 2 GiB layer (target: within 20% of each other,
both under 300 MB: memory does not grow with the image); the same copy again (target: 0 blob bytes,
under 1 s, process start included).

**Faults.** The image check handler through the fault matrix of its test (\`test/helpers/fault-matrix.ts\`):
the real handler, SDK and \`NodeHttpHandler\` against moto through the seeded fault-injecting proxy, with
production's times divided by 20 (request timeout 0.5 s for 10 s, connection timeout 0.3 s, safety margin
1 s for 20 s; successful rows get a 15 s budget for 300 s, failing rows 4 s). Three repositories are
checked, so a healthy check makes 3 \`DescribeImages\` calls. "answered" is when the response PUT reached
the response URL; "deadline" is when every ECR call must have ended (the remaining time less the margin;
the PUT follows inside the margin); "returned" is when the handler returned (always before the function's
end). [Run time](https://github.com/cdk-ecr-registry/cdk-ecr-registry/blob/main/docs/runtime.md) explains the policy.
`;

/** When and on what a run ran, in one line. */
function describeMachine(startedAt: Date, load: number[]): string {
  const cpus = os.cpus();
  return `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, Node.js ${process.version}, ${os.platform()} ${os.arch()}, `
    + `${cpus.length} CPU${cpus.length === 1 ? '' : 's'}, load average ${load.map(l => l.toFixed(1)).join(' / ')} at the start`;
}

/** What the run ran on, for the page. */
function runDescription(startedAt: Date, elapsedMs: number, load: number[]): string {
  const cpus = os.cpus();
  const minutes = Math.floor(elapsedMs / 60_000);
  const seconds = Math.round((elapsedMs % 60_000) / 1000);
  return [
    '## The run',
    '',
    `\`npm run bench\` started ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC and took ${minutes} m ${seconds} s: `
      + `Node.js ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} CPU${cpus.length === 1 ? '' : 's'} (${cpus[0]?.model.trim() ?? 'unknown'}), `
      + `load average ${load.map(l => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min) at the start.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  const startedAt = new Date();
  const load = os.loadavg();
  const files = fs.readdirSync(__dirname).filter(f => f.endsWith('.bench.ts')).sort();
  const sections: Array<{ section: BenchSection; elapsedMs: number }> = [];
  for (const f of files) {
    if (filter && !f.includes(filter)) {
      continue;
    }
    const mod = await import(path.join(__dirname, f));
    const t0 = Date.now();
    const section: BenchSection = await mod.run();
    const elapsedMs = Date.now() - t0;
    printSection(section, elapsedMs);
    sections.push({ section, elapsedMs });
  }
  if (sections.length === 0) {
    console.error(`no benchmark matched ${filter ?? '(all)'}`);
    process.exit(2);
  }
  if (filter) {
    const file = path.join(__dirname, 'README.md');
    let page = fs.readFileSync(file, 'utf8');
    const ran = `(measured by \`npm run bench -- ${filter}\` alone, ${describeMachine(startedAt, load)})`;
    for (const { section, elapsedMs } of sections) {
      const text = sectionMarkdown(section, elapsedMs).replace(/\n\n/, `\n\n${ran}\n\n`);
      const heading = `## ${section.title}\n`;
      const at = page.indexOf(heading);
      if (at < 0) {
        page = `${page.trimEnd()}\n\n${text}`;
      } else {
        const next = page.indexOf('\n## ', at + heading.length);
        page = page.slice(0, at) + text + (next < 0 ? '' : page.slice(next + 1));
      }
    }
    fs.writeFileSync(file, page);
    console.log(`\nbench/README.md: replaced the sections of the benchmarks matching "${filter}"`);
    return;
  }
  const page = [
    INTRO,
    runDescription(startedAt, Date.now() - startedAt.getTime(), load),
    ...sections.map(s => sectionMarkdown(s.section, s.elapsedMs)),
  ].join('\n');
  fs.writeFileSync(path.join(__dirname, 'README.md'), page);
  console.log('\nwrote bench/README.md');
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
