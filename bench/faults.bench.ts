/**
 * Faults: the image check handler under the fault matrix of issue #15 (test/helpers/fault-matrix.ts,
 * the same rows its test asserts), against moto through the seeded fault proxy, times at 1/20 of
 * production. Per row: the outcome CloudFormation received, DescribeImages calls, response PUTs,
 * and the time to answer against the deadline (the function's remaining time less the margin).
 */
import { BenchSection } from './lib';
import { CONCURRENT_ROWS, HANDLER_SCENARIOS, HandlerRun, runHandlerMatrix, SCALE, seedMatrix, TOLERANCE_MS } from '../test/helpers/fault-matrix';
import { startMoto } from '../test/helpers/moto';

export async function run(): Promise<BenchSection> {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  delete process.env.AWS_PROFILE;
  const moto = await startMoto();
  // The handler logs every request and failure (CloudWatch Logs); not the bench's output.
  const log = console.log;
  const error = console.error;
  const runs: HandlerRun[] = [];
  try {
    await seedMatrix(moto);
    console.log = () => undefined;
    console.error = () => undefined;
    // Concurrently, as the test runs them: each row waits on timers, not on the CPU.
    runs.push(...await runHandlerMatrix(moto));
  } finally {
    console.log = log;
    console.error = error;
    await moto.stop();
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  let asExpected = 0;
  const rows = runs.map((r, i) => {
    const e = HANDLER_SCENARIOS[i].expected;
    const ok = r.status === e.status && r.calls - r.loadRetries >= e.calls[0] && r.calls - r.loadRetries <= e.calls[1]
      && r.answeredMs <= r.deadlineMs + TOLERANCE_MS && r.returnedMs <= r.endMs;
    asExpected += ok ? 1 : 0;
    return [
      r.name,
      r.status,
      r.calls,
      r.loadRetries,
      r.puts,
      s(r.answeredMs),
      s(r.deadlineMs),
      `${Math.round((100 * r.answeredMs) / r.deadlineMs)}%`,
      s(r.returnedMs),
      ok ? 'yes' : 'NO',
      (r.reason ?? '').slice(0, 90),
    ];
  });
  return {
    title: `Faults: image check handler vs fault matrix (times at 1/${SCALE} of production)`,
    columns: ['scenario', 'outcome', 'calls', 'load retries', 'PUTs', 'answered', 'deadline', 'of deadline', 'returned', 'as expected', 'reason (start)'],
    rows,
    notes: [
      `${asExpected} of ${runs.length} rows as expected (outcome, call range, answered by the deadline + ${TOLERANCE_MS} ms, returned before the function's end).`,
      'load retries = healthy calls moto answered later than the scaled request timeout (machine load), retried; not counted against the range;',
      'answered = the response PUT reached the response URL; deadline = remaining time less the 1 s margin (20 s in production);',
      'request timeout 0.5 s (10 s), connection timeout 0.3 s; successful rows have a 15 s budget (300 s), failing rows 4 s;',
      `${CONCURRENT_ROWS} rows at a time, seeded proxy (seed 15).`,
    ],
  };
}
