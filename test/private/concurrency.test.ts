import { Limiter, mapBounded } from '../../src/private/concurrency';

const tick = (ms = 1) => new Promise(r => setTimeout(r, ms));

describe('Limiter', () => {
  test('paces starts at the rate given and holds the concurrency', async () => {
    const limiter = new Limiter(4, 100);
    let inFlight = 0;
    let most = 0;
    const starts: number[] = [];
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 21 }, () => limiter.run(async () => {
      starts.push(Date.now() - t0);
      inFlight++;
      most = Math.max(most, inFlight);
      await tick();
      inFlight--;
    })));
    // 21 starts at 100 per second: the last one no earlier than 200 ms after the first.
    expect(Math.max(...starts)).toBeGreaterThanOrEqual(195);
    expect(most).toBeLessThanOrEqual(4);
  });

  test('without a rate, only the concurrency bounds; a failure frees its slot and reaches its caller', async () => {
    const limiter = new Limiter(2);
    let inFlight = 0;
    let most = 0;
    const t0 = Date.now();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => limiter.run(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await tick();
      inFlight--;
      if (i % 3 === 0) {
        throw new Error(`task ${i}`);
      }
      return i;
    })));
    expect(most).toBe(2);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(outcomes.map(o => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)))
      .toEqual(['task 0', 1, 2, 'task 3', 4, 5, 'task 6', 7, 8, 'task 9']);
  });

  test('fails on a concurrency below 1 (it would never start anything)', () => {
    expect(() => new Limiter(0)).toThrow(/concurrency 0 must be at least 1/);
  });
});

describe('mapBounded', () => {
  test('results in item order, at most `limit` in flight, started in order', async () => {
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    const results = await mapBounded([30, 1, 20, 1, 5, 1, 1], 3, async (ms, i) => {
      started.push(i);
      inFlight++;
      most = Math.max(most, inFlight);
      await tick(ms);
      inFlight--;
      return ms * 10 + i;
    });
    expect(results).toEqual([300, 11, 202, 13, 54, 15, 16]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(3);
  });

  test('the first failure rejects at once and no further item starts', async () => {
    const started: number[] = [];
    const t0 = Date.now();
    await expect(mapBounded([0, 1, 2, 3, 4, 5], 2, async i => {
      started.push(i);
      if (i === 1) {
        throw new Error('item 1 failed');
      }
      await tick(i === 0 ? 300 : 1);
      return i;
    })).rejects.toThrow('item 1 failed');
    // Rejected before item 0 (in flight, 300 ms) ended; nothing started after the failure.
    expect(Date.now() - t0).toBeLessThan(250);
    await tick(350);
    expect(started).toEqual([0, 1]);
  });

  test('no items: no calls; a limit below 1 fails', async () => {
    await expect(mapBounded([], 4, async () => { throw new Error('never'); })).resolves.toEqual([]);
    await expect(mapBounded([1], 0, async x => x)).rejects.toThrow(/limit 0 must be at least 1/);
  });
});
