/**
 * Usage and cost of a live registry: images of known sizes pushed into moto over HTTP, read
 * through a proxy that pages like ECR.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { SIZES, seedUsage } from './usage-seed';
import { BYTES_PER_GB, ECR_STORAGE_PRICES, RegistryReport, reportToJson } from '../../src/report';
import { MotoServer, startMoto } from '../helpers/moto';
import { PagingProxy, startPagingProxy } from '../helpers/paging-proxy';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const DAY = 86_400_000;

let moto: MotoServer;
let proxy: PagingProxy;
let ecr: ECRClient;

beforeAll(async () => {
  moto = await startMoto(REGION);
  proxy = await startPagingProxy(moto.endpoint);
  ecr = new ECRClient(moto.clientConfig);
  await seedUsage(ecr);
}, 60_000);

afterAll(async () => {
  ecr?.destroy();
  await proxy?.close();
  await moto?.stop();
});

function read(now: Date, extra: Partial<Parameters<typeof RegistryReport.read>[0]> = {}) {
  return RegistryReport.read({
    targets: [{ account: ACCOUNT, region: REGION }],
    endpoint: proxy.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    deadline: Date.now() + 60_000,
    env: {},
    usage: true,
    now,
    ...extra,
  });
}

describe('usage and cost against moto', () => {
  test('exact bytes per repository, largest first; the lifecycle policy expires pr-1; costs at the us-east-1 price', async () => {
    proxy.resetCounts();
    const report = await read(new Date(Date.now() + 45 * DAY));
    const usage = report.targets[0].usage!;
    expect(usage.map(u => u.name)).toEqual(['usage/big', 'usage/small', 'usage/empty']);
    const [big, small, empty] = usage;
    const bigBytes = SIZES.pr1 + SIZES.pr2 + SIZES.v1;
    expect(big).toMatchObject({
      arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/usage/big`,
      images: 3,
      bytes: { standard: bigBytes, archive: 0, total: bigBytes },
      notPulled30Days: { images: 3, bytes: bigBytes },
      notPulled90Days: { images: 0, bytes: 0 },
      lifecycle: { expire: { images: 1, bytes: SIZES.pr1 }, archive: { images: 0, bytes: 0 } },
      lifecycleError: null,
      error: null,
    });
    expect(big.monthlyCost).toBeCloseTo(bigBytes / BYTES_PER_GB * 0.10, 12);
    expect(big.monthlyCostFreed).toBeCloseTo(SIZES.pr1 / BYTES_PER_GB * 0.10, 12);
    expect(small).toMatchObject({ images: 1, bytes: { standard: SIZES.lib, archive: 0, total: SIZES.lib }, lifecycle: null, monthlyCostFreed: 0 });
    expect(empty).toMatchObject({ images: 0, bytes: { standard: 0, archive: 0, total: 0 }, lifecycle: null, monthlyCost: 0 });
    // One DescribeImages page per repository.
    expect(report.targets[0].calls.DescribeImages).toBe(3);
    expect(proxy.count('DescribeImages')).toBe(3);
    expect(report.prices).toEqual(ECR_STORAGE_PRICES);
  });

  test('ages: nothing is idle when measured now, everything at 90 days; the JSON totals add up', async () => {
    const fresh = await read(new Date());
    expect(fresh.targets[0].usage!.map(u => u.notPulled30Days.bytes)).toEqual([0, 0, 0]);
    const old = await read(new Date(Date.now() + 91 * DAY));
    expect(old.targets[0].usage!.map(u => u.notPulled90Days.bytes)).toEqual([SIZES.pr1 + SIZES.pr2 + SIZES.v1, SIZES.lib, 0]);
    const json = reportToJson(old, 'none');
    expect(json.schemaVersion).toBe('1.3');
    expect(json.usage).toMatchObject({
      repositories: 3,
      images: 4,
      bytes: { standard: SIZES.pr1 + SIZES.pr2 + SIZES.v1 + SIZES.lib, archive: 0 },
      notPulled90DaysBytes: SIZES.pr1 + SIZES.pr2 + SIZES.v1 + SIZES.lib,
      lifecycleExpireBytes: SIZES.pr1,
      lifecycleArchiveBytes: 0,
    });
  });

  test('prices can be given: the costs follow them', async () => {
    const report = await read(new Date(), { prices: { ...ECR_STORAGE_PRICES, standardPerGbMonth: 1, asOf: 'flags' } });
    const big = report.targets[0].usage![0];
    expect(big.monthlyCost).toBeCloseTo((SIZES.pr1 + SIZES.pr2 + SIZES.v1) / BYTES_PER_GB, 12);
  });

  test('without usage: no DescribeImages call and no usage section', async () => {
    proxy.resetCounts();
    const report = await read(new Date(), { usage: false });
    expect(report.targets[0].usage).toBeUndefined();
    expect(proxy.count('DescribeImages')).toBe(0);
    expect(reportToJson(report, 'none').usage).toBeNull();
  });
});
