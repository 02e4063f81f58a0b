/**
 * Usage and cost of a live registry: images of known sizes pushed into moto over HTTP, read
 * through a proxy that pages like ECR.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { SIZES, seedUsage } from './usage-seed';
import { handleEvent, physicalIdOf } from '../../src/image-check/image-check.lambda';
import { CheckProperties } from '../../src/image-check/private/contract';
import { BYTES_PER_GB, ECR_STORAGE_PRICES, RegistryReport, reportToJson } from '../../src/report';
import { renderHtml } from '../../src/report/html';
import { renderText } from '../../src/report/text';
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
    expect(json.schemaVersion).toBe('1.4');
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

describe('what in-use protection tags keep (1.4)', () => {
  const spec = (tag: string) => ({ Registry: ACCOUNT, Region: REGION, Repository: 'usage/big', Tag: tag });
  const checks: Array<{ stack: string; props: CheckProperties }> = [
    { stack: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Api/1', props: { Images: [spec('v1')], ProtectInUse: 'true' } },
    { stack: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Web/2', props: { Images: [spec('v1'), spec('pr-2')], ProtectInUse: 'true' } },
  ];
  const send = (type: 'Create' | 'Delete', c: typeof checks[number]) => handleEvent({
    RequestType: type,
    StackId: c.stack,
    RequestId: 'r',
    LogicalResourceId: 'Images',
    ResourceType: 'Custom::EcrImageCheck',
    ResourceProperties: { ServiceToken: 'arn', ...c.props },
    ...(type === 'Delete' ? { PhysicalResourceId: physicalIdOf(c.props) } : {}),
  }, Date.now() + 30_000, { clientFor: () => ecr });

  test('images and bytes the tags of two stacks keep, and the check resources holding them; none once the stacks are deleted', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      for (const c of checks) {
        expect((await send('Create', c)).Status).toBe('SUCCESS');
      }
      const report = await read(new Date());
      const [big, small] = report.targets[0].usage!;
      expect(big.protection).toEqual({ images: 2, bytes: SIZES.v1 + SIZES.pr2, resources: 2 });
      expect(small.protection).toEqual({ images: 0, bytes: 0, resources: 0 });
      expect(reportToJson(report, 'none').usage).toMatchObject({ protectedImages: 2, protectedBytes: SIZES.v1 + SIZES.pr2 });
      expect(renderText(report, 'none')).toMatch(/PROTECTED \(RESOURCES\)[\s\S]*usage\/big .* 2 \(5\.7 MiB\) by 2 /);
      const page = renderHtml(reportToJson(report, 'none'));
      expect(page).toContain('<th class="num">kept by protection tags</th>');
      expect(page).toMatch(/<tr data-repository="usage\/big">[\s\S]*?data-protected-images="2" data-protected-resources="2">2 [\s\S]*?2 check resources/);
      // A document of an earlier version (no protection) still renders.
      const older = reportToJson(report, 'none') as any;
      older.targets[0].usage.forEach((u: any) => delete u.protection);
      const row = renderHtml(older).split('<tr data-repository="usage/big">')[1].split('</tr>')[0];
      expect(row).toContain('<td class="num">-</td>');
      expect(row).not.toContain('data-protected-images');
      for (const c of checks) {
        expect((await send('Delete', c)).Status).toBe('SUCCESS');
      }
      const after = await read(new Date());
      expect(after.targets[0].usage!.map(u => u.protection)).toEqual([0, 1, 2].map(() => ({ images: 0, bytes: 0, resources: 0 })));
    } finally {
      log.mockRestore();
    }
  });
});
