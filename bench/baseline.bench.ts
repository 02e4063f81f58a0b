/**
 * Spreading a large registry over stacks with `RegistryBaseline` (one stack holds at most 500
 * resources): for N repositories declared with room to grow (capacity 2N), the stacks it makes,
 * the fullest stack's resources and template bytes, the time to create and synthesize, and how
 * many existing resources change when one repository is added in the middle of the list
 * (sharding is by name hash, so the answer should be none).
 *
 * Runs in this process, once per size, on the project's aws-cdk-lib.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { RegistryBaseline, RegistryBaselineProps } from '../src';
import { BenchSection } from './lib';

const SIZES = [1_000, 5_000];
const ENV = { account: '111111111111', region: 'eu-west-1' };

interface Synthesized {
  readonly baseline: RegistryBaseline;
  readonly createMs: number;
  readonly synthMs: number;
  /** Per repository stack: its resources, by logical id. */
  readonly resources: Array<Record<string, unknown>>;
  readonly templateBytes: number[];
}

function synthesize(names: string[], capacity: number): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ecr-registry-baseline-bench-'));
  try {
    const props: RegistryBaselineProps = {
      env: ENV,
      manageRegistry: false,
      repositories: names.map(repositoryName => ({ repositoryName })),
      repositoryDefaults: { pullOrganizationId: 'o-a1b2c3d4e5' },
      sharding: { capacity },
    };
    const t0 = performance.now();
    const app = new App({ outdir });
    const baseline = new RegistryBaseline(app, 'Baseline', props);
    const t1 = performance.now();
    const assembly = app.synth();
    const t2 = performance.now();
    const artifacts = baseline.repositoryStacks.map(s => assembly.getStackArtifact(s.artifactId));
    return {
      baseline,
      createMs: t1 - t0,
      synthMs: t2 - t1,
      resources: artifacts.map(a => a.template.Resources as Record<string, unknown>),
      templateBytes: artifacts.map(a => fs.statSync(a.templateFullPath).size),
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function cdkVersion(): string {
  return JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf-8')).version;
}

export async function run(): Promise<BenchSection> {
  const rows: Array<Array<string | number>> = [];
  const notes: string[] = [];
  for (const n of SIZES) {
    const names = Array.from({ length: n }, (_, i) => `team-${i % 37}/service-${i}`);
    const before = synthesize(names, 2 * n);
    const added = 'team-3/newcomer';
    const after = synthesize([...names.slice(0, n / 2), added, ...names.slice(n / 2)], 2 * n);

    // Existing resources that moved to another stack, disappeared, or render differently.
    let changed = 0;
    for (const [s, resources] of before.resources.entries()) {
      for (const [id, resource] of Object.entries(resources)) {
        if (JSON.stringify(after.resources[s]?.[id]) !== JSON.stringify(resource)) {
          changed++;
        }
      }
    }
    const counts = before.resources.map(r => Object.keys(r).length);
    rows.push([
      n, 2 * n, before.baseline.shardCount,
      Math.min(...counts), Math.max(...counts),
      Math.round(Math.max(...before.templateBytes) / 1024),
      Math.round(before.createMs), Math.round(before.synthMs),
      changed,
    ]);
  }
  notes.push('each repository: PrivateRepository defaults + organization pull (one AWS::ECR::Repository); '
    + 'shard count = ceil(capacity / 250); every stack must stay under 500 resources and 1 MB');
  notes.push(`create + synth timed once per size in this process, aws-cdk-lib ${cdkVersion()}, `
    + `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`);
  return {
    title: 'Spreading repositories over stacks: RegistryBaseline sharding',
    columns: ['repositories', 'capacity', 'stacks', 'min resources/stack', 'max resources/stack', 'max template KB',
      'create ms', 'synth ms', 'existing resources changed by adding one'],
    rows,
    notes,
  };
}
