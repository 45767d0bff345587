/**
 * Prometheus metrics (prom-client), one registry per app: FHIR requests by interaction, resource type
 * and status with latency histograms; the PostgreSQL connection pool; $export jobs by status; rule
 * findings by rule id; Node's own (event-loop delay, heap, GC, CPU). Labels never carry ids, query
 * values or anything else a request chose freely: an unknown type or operation is counted as `other`.
 */
import { Pool } from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registeredOperations } from '../fhir/registry';
import { isResourceType } from '../fhir/resource-types';
import { onRuleFindings } from '../rules/service';
import type { SqlClient } from '../store/sql';

export interface RequestLabels {
  /** A FHIR interaction code (read, search-type, …), `$name` of an operation, or `other`. */
  interaction: string;
  /** The resource type of the URL, `` at system level, `other` when the URL names no known type. */
  type: string;
}

const OTHER: RequestLabels = { interaction: 'other', type: 'other' };

/** The interaction and type of a request to the FHIR base, from its method and path (below /fhir); bundleType tells batch from transaction. */
export function interactionOf(method: string, fhirPath: string, bundleType?: string): RequestLabels {
  const segs = fhirPath.split('/').filter(Boolean);
  const m = method.toUpperCase();
  const read = m === 'GET' || m === 'HEAD';
  const op = (seg: string, type: string): RequestLabels => {
    const name = seg.slice(1);
    return { interaction: registeredOperations().some((o) => o.name === name) ? seg : 'other', type };
  };
  if (segs.length === 0) {
    if (m === 'POST') return { interaction: bundleType === 'batch' ? 'batch' : 'transaction', type: '' };
    return OTHER;
  }
  const [first, second, third, fourth] = segs;
  if (segs.length === 1) {
    if (first === 'metadata' && read) return { interaction: 'capabilities', type: '' };
    if (first === '_history' && read) return { interaction: 'history-system', type: '' };
    if (first === '_search') return { interaction: 'search-system', type: '' };
    if (first.startsWith('$')) return op(first, '');
  }
  if (!isResourceType(first)) return first.startsWith('$') ? op(first, '') : OTHER;
  const type = first;
  if (segs.length === 1) {
    if (read) return { interaction: 'search-type', type };
    const byMethod: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
    return byMethod[m] ? { interaction: byMethod[m], type } : { interaction: 'other', type };
  }
  if (segs.length === 2) {
    if (second === '_search') return { interaction: 'search-type', type };
    if (second === '_history') return { interaction: 'history-type', type };
    if (second.startsWith('$')) return op(second, type);
    const byMethod: Record<string, string> = { GET: 'read', HEAD: 'read', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
    return { interaction: byMethod[m] ?? 'other', type };
  }
  if (third === '_history') return { interaction: segs.length === 3 ? 'history-instance' : segs.length === 4 && fourth ? 'vread' : 'other', type };
  if (segs.length === 3 && third.startsWith('$')) return op(third, type);
  return { interaction: 'other', type };
}

export interface Metrics {
  registry: Registry;
  /** Count and time one finished request to the FHIR base. */
  observeRequest(labels: RequestLabels, status: number, seconds: number): void;
  /** The registry in Prometheus' text format. */
  render(): Promise<{ contentType: string; body: string }>;
  /** Stop listening for rule findings (the registry's other collectors need nothing). */
  close(): void;
}

export function createMetrics(options: { sql: SqlClient }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'prss_http_requests_total',
    help: 'FHIR requests answered, by interaction, resource type and status',
    labelNames: ['interaction', 'type', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'prss_http_request_duration_seconds',
    help: 'Time from a FHIR request arriving to its response being written, by interaction, resource type and status',
    labelNames: ['interaction', 'type', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const pool = options.sql.root instanceof Pool ? options.sql.root : undefined;
  if (pool) {
    new Gauge({
      name: 'prss_db_pool_connections',
      help: 'PostgreSQL connections of this instance, by state (total open, idle, and requests waiting for one)',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
    new Gauge({ name: 'prss_db_pool_max', help: 'Most PostgreSQL connections this instance opens (DATABASE_POOL_SIZE)', registers: [registry], collect() { this.set(pool.options.max ?? 10); } });
  }

  const statuses = ['queued', 'running', 'completed', 'failed', 'cancelled'];
  new Gauge({
    name: 'prss_export_jobs',
    help: 'Bulk $export jobs kept in the database (all instances), by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      // A scrape while the database is away leaves the series out rather than failing the scrape.
      this.reset();
      const rows = await options.sql.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM export_job GROUP BY status').catch(() => undefined);
      if (!rows) return;
      for (const s of statuses) this.set({ status: s }, rows.find((r) => r.status === s)?.n ?? 0);
    },
  });

  const findings = new Counter({
    name: 'prss_rule_findings_total',
    help: 'Findings of the PRSS rules in claim checks ($validate, $submit, Claim writes), by rule id and severity',
    labelNames: ['rule', 'severity'] as const,
    registers: [registry],
  });
  const unsubscribe = onRuleFindings((results) => {
    for (const r of results) findings.inc({ rule: r.rule.id, severity: r.rule.severity });
  });

  return {
    registry,
    observeRequest(labels, status, seconds) {
      const l = { ...labels, status: String(status) };
      requests.inc(l);
      latency.observe(l, seconds);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close: () => {
      unsubscribe();
    },
  };
}
