/**
 * In-use protection over CloudFormation's whole lifecycle, model-checked (protect-model.ts): fast-check
 * sequences of CloudFormation requests, people's actions and proxy faults against the real handler and
 * moto over HTTP, with a pinned seed and run count; then every saved sequence in protect-model/*.json
 * (shrunk counterexamples the model found, and sequences written by hand) replayed as its own test.
 *
 * A failing run prints its shrunk sequence in the replay format: save it as protect-model/<name>.json.
 * PROTECT_MODEL_RUNS and PROTECT_MODEL_SEED change the run count and the seed (to search longer).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import {
  Command, FAULT_KINDS, FaultSpec, MUTABILITIES, Mutability, OPERATIONS, ProtectionModel, Ref, Replay, REPOSITORIES, RESOURCES, TAGS,
} from './protect-model';
import { FaultProxy, startFaultProxy, PASS } from '../helpers/fault-proxy';
import { MotoServer, startMoto } from '../helpers/moto';

jest.setTimeout(240_000);

const RUNS = Number(process.env.PROTECT_MODEL_RUNS ?? 100);
const SEED = Number(process.env.PROTECT_MODEL_SEED ?? 31);
const REPLAYS = path.join(__dirname, 'protect-model');

let moto: MotoServer;
let proxy: FaultProxy;
const saved = { ...process.env };
let current: ProtectionModel | undefined;
let runs = 0;
const counts = new Map<string, number>();

beforeAll(async () => {
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => current?.onLog(args.map(String).join(' ')));
  jest.spyOn(console, 'error').mockImplementation(() => {});
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  delete process.env.AWS_PROFILE;
  moto = await startMoto();
  proxy = await startFaultProxy({ target: moto.endpoint, plan: () => PASS, tagMutability: true, recordDeletes: true });
});
afterAll(async () => {
  process.env = saved;
  await proxy?.close();
  await moto?.stop();
});

/** Run one sequence on a fresh emulator; throws with the trace when an invariant breaks. */
async function replay(mutability: Mutability[], commands: Command[]): Promise<ProtectionModel> {
  await moto.reset();
  const model = new ProtectionModel(proxy, mutability, `run${++runs}`);
  current = model;
  try {
    await model.start();
    for (const cmd of commands) {
      try {
        await model.run(cmd);
      } catch (e) {
        throw new Error(`${(e as Error).message}\ntrace:\n${model.trace.join('\n')}`);
      }
    }
    model.counts.forEach((n, k) => counts.set(k, (counts.get(k) ?? 0) + n));
    return model;
  } finally {
    current = undefined;
    model.close();
  }
}

const repo = fc.integer({ min: 0, max: REPOSITORIES.length - 1 });
const tag = fc.constantFrom(...TAGS);
const image = fc.nat({ max: 5 });
const ref: fc.Arbitrary<Ref> = fc.oneof(
  fc.record({ repo, tag }),
  fc.record({ repo, image }),
);
const refs = fc.array(ref, { minLength: 1, maxLength: 3 });
const fault: fc.Arbitrary<FaultSpec | undefined> = fc.option(fc.record({
  op: fc.constantFrom(...OPERATIONS),
  nth: fc.nat({ max: 3 }),
  times: fc.constantFrom(1, 2, 3),
  kind: fc.constantFrom(...FAULT_KINDS),
}).map(f => (f.kind === 'denied' ? { ...f, times: 50 } : f)), { freq: 2, nil: undefined });
const twice = fc.option(fc.constantFrom('serial' as const, 'parallel' as const), { freq: 4, nil: undefined });
const res = fc.integer({ min: 0, max: RESOURCES - 1 });

/** Drop undefined fields, so that a printed counterexample is the replay format as written. */
const clean = <T extends object>(a: fc.Arbitrary<T>): fc.Arbitrary<T> => a.map(o => JSON.parse(JSON.stringify(o)));

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: clean(fc.record({ do: fc.constant('push' as const), repo, tag: fc.option(tag, { freq: 6, nil: undefined }) })) },
  { weight: 1, arbitrary: clean(fc.record({ do: fc.constant('retag' as const), repo, tag, image })) },
  { weight: 1, arbitrary: clean(fc.record({ do: fc.constant('untag' as const), repo, tag })) },
  { weight: 1, arbitrary: clean(fc.record({ do: fc.constant('deleteImage' as const), repo, image })) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.record({ do: fc.constant('deleteRepository' as const), repo }),
      fc.record({ do: fc.constant('createRepository' as const), repo }),
    ),
  },
  { weight: 5, arbitrary: clean(fc.record({ do: fc.constant('create' as const), res, refs, protect: fc.boolean(), fault, twice })) },
  {
    weight: 6,
    arbitrary: clean(fc.record({
      do: fc.constant('update' as const),
      res,
      refs,
      protect: fc.boolean(),
      fault,
      twice,
      rollback: fc.option(fc.boolean(), { nil: undefined }),
      rollbackId: fc.option(fc.constantFrom('old' as const, 'new' as const), { nil: undefined }),
    })),
  },
  { weight: 2, arbitrary: clean(fc.record({ do: fc.constant('deleteStack' as const), stack: fc.integer({ min: 0, max: 1 }), fault, twice })) },
  { weight: 1, arbitrary: clean(fc.record({ do: fc.constant('deleteStacks' as const), fault })) },
);

/** Sequences start with a few pushes, so that most references resolve. */
const sequence = fc.tuple(
  fc.array(clean(fc.record({ do: fc.constant('push' as const), repo, tag })), { minLength: 2, maxLength: 5 }),
  fc.array(command, { minLength: 3, maxLength: 20 }),
).map(([pushes, rest]) => [...pushes, ...rest] as Command[]);

const mutability = fc.tuple(fc.constantFrom(...MUTABILITIES), fc.constantFrom(...MUTABILITIES));

test(`protection tags hold over random lifecycles (${RUNS} sequences, seed ${SEED})`, async () => {
  const started = Date.now();
  let steps = 0;
  const result = await fc.check(fc.asyncProperty(mutability, sequence, async (m, cmds) => {
    const t0 = Date.now();
    try {
      await replay(m, cmds);
    } catch (e) {
      if (process.env.PROTECT_MODEL_TRACE) {
        fs.appendFileSync(process.env.PROTECT_MODEL_TRACE, `${JSON.stringify({ mutability: m, commands: cmds })}\n${(e as Error).message}\n\n`);
      }
      throw e;
    }
    if (process.env.PROTECT_MODEL_TRACE) {
      fs.appendFileSync(process.env.PROTECT_MODEL_TRACE, `ok ${cmds.length} steps ${Date.now() - t0} ms\n`);
    }
    steps += cmds.length;
  }), { seed: SEED, numRuns: RUNS, endOnFailure: false, maxSkipsPerRun: 0 });
  if (result.failed) {
    const [m, cmds] = result.counterexample!;
    const saveAs: Replay = { description: 'found by the model (describe it)', mutability: m, commands: cmds };
    throw new Error(`a sequence breaks protection (seed ${SEED}, path ${result.counterexamplePath}); save it as test/image-check/protect-model/<name>.json:\n`
      + `${JSON.stringify(saveAs, null, 2)}\n\n${(result.errorInstance as Error)?.message ?? result.error}`);
  }
  console.info(`protect model: ${RUNS} sequences, ${steps} steps in ${((Date.now() - started) / 1000).toFixed(1)} s\n`
    + [...counts].sort().map(([k, n]) => `  ${k}: ${n}`).join('\n'));
  // The runs covered the lifecycle, not vacuously: protected resources created, updated, rolled back and
  // deleted, tags added, removed and left, steps with and without faults.
  for (const what of ['Create protected SUCCESS', 'Create protected FAILED', 'Update protected SUCCESS', 'Update protected FAILED',
    'Delete SUCCESS', 'log added', 'log removed', 'log left', 'step fault-free', 'step with faults']) {
    expect([what, counts.get(what) ?? 0]).toEqual([what, expect.any(Number)]);
    expect(counts.get(what) ?? 0).toBeGreaterThan(0);
  }
});

const files = fs.readdirSync(REPLAYS).filter(f => f.endsWith('.json')).sort();

test('saved sequences exist', () => {
  expect(files.length).toBeGreaterThan(0);
});

describe.each(files)('replay %s', file => {
  test('holds', async () => {
    const stored: Replay = JSON.parse(fs.readFileSync(path.join(REPLAYS, file), 'utf8'));
    expect(stored.description).toBeTruthy();
    await replay(stored.mutability, stored.commands);
  });
});
