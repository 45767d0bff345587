/**
 * The delivery worker: takes due notifications from the outbox (subscription_event) and sends them.
 * Only the head of each subscription's queue is ever taken (the pending handshake first, then the
 * lowest seq), under a lease claimed with FOR UPDATE SKIP LOCKED: deliveries of one subscription go
 * out one at a time and in event order, whatever the number of instances, and no database lock or
 * transaction is held while the endpoint answers. A delivered row is deleted; a failed one is
 * retried with exponential backoff and jitter; a lease left by a dead instance expires and the row
 * is taken again (at least once).
 */
import { PollingWorker } from '../polling-worker';
import type { Subscription } from 'fhir/r4';
import type { Config } from '../config';
import type { Logger } from '../http/logger';
import type { Repository } from '../store/repository';
import type { SqlClient } from '../store/sql';
import { endpointAllowed, PAYLOAD_TYPES, payloadContent } from './outbox';
import { writerContext } from './writer';

export type DeliveryConfig = Pick<Config,
  'SUBSCRIPTION_ALLOWED_ORIGINS' | 'SUBSCRIPTION_POLL_MS' | 'SUBSCRIPTION_RETRY_BASE_MS' | 'SUBSCRIPTION_RETRY_MAX_MS' | 'SUBSCRIPTION_ERROR_AFTER' | 'SUBSCRIPTION_TIMEOUT_MS'>;

export interface DeliveryOptions {
  sql: SqlClient;
  repo: Repository;
  config: DeliveryConfig;
  logger: Logger;
  /** Heads taken per round (each from a different subscription). */
  batch?: number;
}

interface EventRow {
  seq: string;
  subscription: string;
  kind: 'handshake' | 'event';
  event_number: string;
  focus_type: string | null;
  focus_id: string | null;
  focus_version: number | null;
  attempts: number;
}

/** Delay before attempt n+1 after n failures: base·2^(n-1), capped, with ±25 % jitter. */
export function retryDelay(failures: number, baseMs: number, maxMs: number, random = Math.random): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.max(1, Math.round(raw * (0.75 + random() * 0.5)));
}

export class DeliveryWorker extends PollingWorker {
  constructor(private readonly o: DeliveryOptions) {
    super();
  }

  protected pollMs(): number {
    return this.o.config.SUBSCRIPTION_POLL_MS;
  }

  /** Look for work soon (a write on this instance recorded notifications; it commits right after). */
  override wake(): void {
    super.wake(5);
  }

  protected async tick(): Promise<void> {
    try {
      // Keep going while there is due work (a backlog drains without waiting for the poll).
      while (!this.stopping && (await this.round()) > 0);
    } catch (e) {
      this.o.logger.error('subscription delivery round failed', { error: (e as Error).message });
    }
  }

  /** Claim due heads, deliver them concurrently, record the outcomes; returns how many were taken. */
  async round(): Promise<number> {
    const { sql, config } = this.o;
    const leaseMs = config.SUBSCRIPTION_TIMEOUT_MS * 2 + 5000;
    const rows = await sql.query<EventRow>(
      `UPDATE subscription_event e SET leased_by = $1, leased_until = now() + $2 * interval '1 millisecond'
       WHERE e.seq IN (
         SELECT h.seq FROM subscription_event h JOIN subscription_state s ON s.id = h.subscription
         WHERE s.status <> 'off' AND h.next_attempt_at <= now() AND (h.leased_until IS NULL OR h.leased_until < now())
           AND h.seq = (SELECT x.seq FROM subscription_event x WHERE x.subscription = h.subscription ORDER BY (x.kind <> 'handshake'), x.seq LIMIT 1)
         ORDER BY h.next_attempt_at, h.seq LIMIT $3
         FOR UPDATE OF h SKIP LOCKED)
       RETURNING e.seq, e.subscription, e.kind, e.event_number, e.focus_type, e.focus_id, e.focus_version, e.attempts`,
      [this.id, leaseMs, this.o.batch ?? 16],
      'prss_subscription_claim',
    );
    await Promise.all(rows.map((row) => this.deliverOne(row)));
    return rows.length;
  }

  private async deliverOne(row: EventRow): Promise<void> {
    let error: string | undefined;
    let sub: Subscription | undefined;
    try {
      sub = await this.o.repo.read<Subscription>('Subscription', row.subscription);
      error = await this.send(sub, row);
    } catch (e) {
      error = (e as Error).message;
    }
    if (!sub) {
      // The subscription is gone: nothing left to deliver to.
      await this.o.sql.query('DELETE FROM subscription_event WHERE subscription = $1', [row.subscription]);
      return;
    }
    try {
      if (error === undefined) await this.succeeded(row, sub);
      else await this.failed(row, sub, error);
    } catch (e) {
      // The lease expires and the row is taken again: delivered at least once.
      this.o.logger.error('subscription delivery outcome not recorded', { subscription: row.subscription, error: (e as Error).message });
    }
  }

  /** One HTTP call; undefined when the endpoint accepted it (2xx), else why not. */
  private async send(sub: Subscription, row: EventRow): Promise<string | undefined> {
    const channel = sub.channel;
    const endpoint = channel.endpoint ?? '';
    if (!endpointAllowed(endpoint, this.o.config.SUBSCRIPTION_ALLOWED_ORIGINS)) return `endpoint ${endpoint} is not allowed (SUBSCRIPTION_ALLOWED_ORIGINS)`;
    const headers: Record<string, string> = {};
    for (const h of channel.header ?? []) {
      const i = h.indexOf(':');
      headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
    }
    headers['X-Subscription'] = `Subscription/${sub.id}`;
    headers['X-Subscription-Event'] = row.kind === 'handshake' ? 'handshake' : String(row.event_number);
    let method = 'POST';
    let url = endpoint;
    let body: string | undefined;
    const payload = channel.payload?.split(';')[0].trim();
    if (row.kind === 'event' && payload && PAYLOAD_TYPES.includes(payload) && payloadContent(sub) === 'full-resource') {
      // R4 rest-hook with a payload: the endpoint is a service base and the resource is PUT to it.
      const stored = await this.o.repo.vreadRaw(row.focus_type!, row.focus_id!, String(row.focus_version));
      method = 'PUT';
      url = `${endpoint.replace(/\/$/, '')}/${row.focus_type}/${encodeURIComponent(row.focus_id!)}`;
      body = stored.json;
      headers['Content-Type'] = `${payload}; charset=utf-8`;
    }
    try {
      const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.o.config.SUBSCRIPTION_TIMEOUT_MS) });
      await res.arrayBuffer().catch(() => undefined);
      return res.status >= 200 && res.status < 300 ? undefined : `${method} ${url} answered ${res.status}`;
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return `${method} ${url} failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`;
    }
  }

  private async succeeded(row: EventRow, sub: Subscription): Promise<void> {
    const { sql } = this.o;
    const deleted = await sql.query('DELETE FROM subscription_event WHERE seq = $1 AND leased_by = $2 RETURNING seq', [row.seq, this.id]);
    if (deleted.length === 0) return; // the lease was lost and someone else delivered it
    await sql.query('UPDATE subscription_state SET failures = 0 WHERE id = $1 AND failures <> 0', [row.subscription]);
    if (sub.status === 'requested' || sub.status === 'error') await this.setStatus(sub, 'active');
  }

  private async failed(row: EventRow, sub: Subscription, error: string): Promise<void> {
    const { sql, config } = this.o;
    const attempts = row.attempts + 1;
    const delay = retryDelay(attempts, config.SUBSCRIPTION_RETRY_BASE_MS, config.SUBSCRIPTION_RETRY_MAX_MS);
    const updated = await sql.query(
      `UPDATE subscription_event SET attempts = $3, last_error = $4, leased_by = NULL, leased_until = NULL,
         next_attempt_at = now() + $5 * interval '1 millisecond' WHERE seq = $1 AND leased_by = $2 RETURNING seq`,
      [row.seq, this.id, attempts, error, delay],
    );
    if (updated.length === 0) return;
    const [state] = await sql.query<{ failures: number }>('UPDATE subscription_state SET failures = failures + 1 WHERE id = $1 RETURNING failures', [row.subscription]);
    this.o.logger.warn('subscription delivery failed', { subscription: row.subscription, event: row.kind === 'handshake' ? 'handshake' : Number(row.event_number), attempts, retryInMs: delay, error });
    if (state && state.failures >= config.SUBSCRIPTION_ERROR_AFTER && sub.status !== 'error' && sub.status !== 'off') {
      await this.setStatus(sub, 'error', `${state.failures} deliveries in a row failed; the last: ${error}. Delivery is still retried.`);
    }
  }

  /** The server's own status change, on the version it read (a client's concurrent change wins). */
  private async setStatus(sub: Subscription, status: 'active' | 'error', error?: string): Promise<void> {
    const next: Subscription = { ...sub, status };
    if (error) next.error = error;
    else delete next.error;
    try {
      await writerContext.run({ system: true }, () => this.o.repo.write([{ kind: 'update', resource: next, ifMatch: sub.meta?.versionId }]));
    } catch (e) {
      if ((e as { status?: number }).status !== 412) throw e;
    }
  }
}
