/**
 * Bounded concurrency and a steady request rate for the calls of one registry read.
 *
 * ECR publishes no rate quota for the actions a report reads (only for image push and pull), so
 * the defaults are conservative (8 requests in flight, 100 requests per second per registry) and
 * both can be changed. Retries and timeouts are not done here: they are the runtime client
 * policy's (src/runtime), which also backs off when ECR throttles.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStart = 0;
  private readonly interval: number;

  /**
   * @param concurrency requests in flight at most
   * @param perSecond requests started per second at most (`Infinity`: no pacing)
   */
  constructor(private readonly concurrency: number, perSecond: number) {
    this.interval = perSecond === Infinity || perSecond <= 0 ? 0 : 1000 / perSecond;
  }

  /** Run `fn` when a slot is free and the pace allows. */
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
