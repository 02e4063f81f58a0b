/**
 * One live report read in a fresh process (run by `report.bench.ts`):
 *
 *   node --require tsx/cjs bench/report-worker.ts <endpoint> <account> <region>
 *
 * Reads the registry with `RegistryReport.read` and its defaults (8 requests in flight, 100 per
 * second) and prints one JSON line: time, repositories, findings, the calls the report counted, the
 * RSS after loading the modules and the process's RSS high-water mark.
 */
import { RegistryReport } from '../src/report/live';

async function main(): Promise<void> {
  const [endpoint, account, region] = process.argv.slice(2);
  const rssLoaded = process.memoryUsage().rss;
  let heapPeak = 0;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 20);
  const t0 = process.hrtime.bigint();
  const report = await RegistryReport.read({
    targets: [{ account, region }],
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    env: {},
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  clearInterval(sampler);
  const t = report.targets[0];
  console.log(JSON.stringify({
    ms,
    status: t.status,
    error: t.error,
    repositories: t.model?.repositories.length ?? 0,
    findings: t.findings.length,
    gaps: t.gaps.map(g => g.part),
    calls: t.calls,
    rssLoadedMB: rssLoaded / 1024 / 1024,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    heapPeakMB: heapPeak / 1024 / 1024,
  }));
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
