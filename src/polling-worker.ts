/**
 * The loop both background workers run (bulk jobs, subscription deliveries): `tick` once at start,
 * then `pollMs()` after each tick ends, and soon after `wake()`; never two ticks at once (a wake
 * during a tick runs the next one right after it); `stop()` lets the tick under way finish.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

export abstract class PollingWorker {
  /** Names this process's claims and leases in shared job tables. */
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  protected stopping = false;
  private started = false;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private again = false;

  protected abstract tick(): Promise<void>;
  /** How long to wait after a tick with nothing more asked. */
  protected abstract pollMs(): number;

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.schedule(0);
  }

  /** Look for work after `delayMs` (or right after the tick under way). */
  wake(delayMs = 0): void {
    if (!this.started || this.stopping) return;
    if (this.ticking) this.again = true;
    else this.schedule(delayMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    this.started = false;
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        const more = this.again;
        this.again = false;
        this.schedule(more ? 0 : this.pollMs());
      });
    }, ms);
    this.timer.unref();
  }
}
