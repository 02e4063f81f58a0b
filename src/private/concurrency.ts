/**
 * Bounded concurrency, the one helper for it: the report (registries read at a time, and the
 * requests of one registry read, in flight and per second), the image check handler (calls in
 * flight over all repositories) and the inventory.
 *
 * Run-time code: imports nothing (it is bundled into the Lambda handlers and the live report).
 * Retries and timeouts are not done here: they are the runtime client policy's (src/runtime).
 */

/** Runs functions with at most `concurrency` in flight and (optionally) a steady start rate. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStart = 0;
  private readonly interval: number;

  /**
   * @param concurrency functions in flight at most (at least 1)
   * @param perSecond functions started per second at most (`Infinity`, the default, or <= 0: no pacing)
   */
  constructor(private readonly concurrency: number, perSecond = Infinity) {
    if (!(concurrency >= 1)) {
      throw new RangeError(`concurrency ${concurrency} must be at least 1`);
    }
    this.interval = perSecond === Infinity || !(perSecond > 0) ? 0 : 1000 / perSecond;
  }

  /** Run `fn` when a slot is free and the pace allows; settles as `fn` does. */
  public async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      if (this.interval > 0) {
        const now = Date.now();
        const start = Math.max(now, this.nextStart);
        this.nextStart = start + this.interval;
        if (start > now) {
          await new Promise(resolve => setTimeout(resolve, start - now));
        }
      }
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise(resolve => this.waiting.push(() => {
      this.active++;
      resolve();
    }));
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

/**
 * `fn` over every item, at most `limit` at a time, started in order; the results in the order of
 * the items. The first failure rejects at once (as `Promise.all` does) and no further item starts;
 * those already in flight run to their end unobserved.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!(limit >= 1)) {
    throw new RangeError(`limit ${limit} must be at least 1`);
  }
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
