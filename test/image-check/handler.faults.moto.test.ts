/**
 * The image check handler under network faults (issue #15's matrix), against moto through the
 * seeded fault proxy, with production's times divided by 20 (see test/helpers/fault-matrix.ts).
 *
 * Each row asserts: the outcome CloudFormation receives (and its Reason), the number of
 * DescribeImages calls the proxy saw (less load retries: healthy calls that moto answered later
 * than the scaled 0.5 s request timeout, which the policy rightly retried), and the time of the answer against the deadline:
 * a failure arrives before the deadline plus TOLERANCE_MS (300 ms of timer slack on a loaded
 * machine), every answer before the function's end. Rows run concurrently, each with its own proxies.
 */
import { HANDLER_SCENARIOS, runHandlerScenario, SCALED, seedMatrix, TOLERANCE_MS } from '../helpers/fault-matrix';
import { MotoServer, startMoto } from '../helpers/moto';

jest.setTimeout(60_000);

let moto: MotoServer;
const saved = { ...process.env };
beforeAll(async () => {
  jest.spyOn(console, 'log').mockImplementation(() => {});
  jest.spyOn(console, 'error').mockImplementation(() => {});
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  delete process.env.AWS_PROFILE;
  moto = await startMoto();
  await seedMatrix(moto);
});
afterAll(async () => {
  process.env = saved;
  await moto?.stop();
});

// One flat list: jest runs test.concurrent rows together only within one describe block.
test.concurrent.each(HANDLER_SCENARIOS.map(s => [s.name, `${s.expected.status}, ${s.expected.calls.join('-')} calls`, s] as const))(
  '%s: %s, answered in time', async (_name, _summary, scenario) => {
    const run = await runHandlerScenario(moto, scenario);
    const e = scenario.expected;
    expect(run.status).toBe(e.status);
    if (e.reason) {
      expect(run.reason).toMatch(e.reason);
    }
    if (run.reason) {
      expect(run.reason).not.toMatch(/\$response|SyntaxError|Deserialization|smithy|TimeoutError:/);
    }
    // Healthy calls moto answered too late for the scaled timeout were retried: counted apart.
    expect(run.calls - run.loadRetries).toBeGreaterThanOrEqual(e.calls[0]);
    expect(run.calls - run.loadRetries).toBeLessThanOrEqual(e.calls[1]);
    if (e.puts) {
      expect(run.puts).toBeGreaterThanOrEqual(e.puts[0]);
      expect(run.puts).toBeLessThanOrEqual(e.puts[1]);
    } else {
      expect(run.puts).toBe(1);
    }
    if (e.minMs !== undefined) {
      expect(run.answeredMs).toBeGreaterThanOrEqual(e.minMs);
    }
    if (e.maxMs !== undefined) {
      expect(run.answeredMs).toBeLessThanOrEqual(e.maxMs);
    }
    // Never after the deadline; the handler returns before the function ends.
    expect(run.answeredMs).toBeLessThanOrEqual(run.deadlineMs + TOLERANCE_MS);
    expect(run.returnedMs).toBeLessThanOrEqual(run.endMs);
    // Answering CloudFormation takes at most the safety margin, however the response URL behaves.
    expect(run.returnedMs - run.answeredMs).toBeLessThanOrEqual(SCALED.safetyMarginMs! + TOLERANCE_MS);
  },
);
