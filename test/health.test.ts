/**
 * For orchestrators and monitoring: /healthz (the process answers), /readyz (database reachable,
 * migrations done, definitions loaded; 503 otherwise, back to 200 when the database returns), and
 * /metrics (Prometheus, behind METRICS_ENABLED, with its own token or address list when AUTH is on).
 * None of them needs a FHIR token or shows data.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { makeClientKey, writeClientsFile } from '../src/auth/testing';
import { READY_TIMEOUT_MS } from '../src/health';
import { migrations } from '../src/store/migrations';
import { pgliteOf } from '../src/store/sql';
import { buildScenario } from '../src/prss/scenario';
import { FHIR_JSON, startTestApp, storeKind, type TestApp } from './support/server';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
// Several tests start an app of their own, which takes long on a busy machine.
jest.setTimeout(180_000);
const RULES = 'http://prss.example.org/fhir/CodeSystem/prss-rule';
const LATEST = Math.max(...migrations.map((m) => m.version));

/** One sample's value from Prometheus text, by metric name and exact labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.keys(labels).length === Object.keys(got).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('/healthz and /readyz', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('/healthz answers 200 with no data and no caching', async () => {
    const res = await t.http().get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('/readyz answers 200 naming its three checks, all ok', async () => {
    const res = await t.http().get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', definitions: 'ok' } });
  });

  it('/readyz answers 503 while a migration this build knows is missing from the database, and 200 once it is back', async () => {
    const [row] = await t.sql.query<{ version: number; name: string; applied_at: string }>('SELECT version, name, applied_at FROM schema_migrations WHERE version = $1', [LATEST]);
    await t.sql.query('DELETE FROM schema_migrations WHERE version = $1', [LATEST]);
    try {
      const res = await t.http().get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'not ready', checks: { database: 'ok', migrations: 'pending', definitions: 'ok' } });
    } finally {
      await t.sql.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [row.version, row.name, row.applied_at]);
    }
    expect((await t.http().get('/readyz')).status).toBe(200);
  });

  it('gives the database less than 2 s before answering 503', () => {
    expect(READY_TIMEOUT_MS).toBeLessThan(2000);
  });
});

/**
 * A TCP relay to PostgreSQL the test can cut: `down` refuses connections and drops open ones (the
 * server went away), `hang` accepts and never answers (a host that stopped answering), `up` relays.
 */
async function relay(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let mode: 'up' | 'hang' = 'up';
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => undefined);
      if (mode === 'hang') return;
      const upstream = connect(target.port, target.host);
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  };
  const dropAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  await listen();
  return {
    get port() {
      return port;
    },
    async down() {
      dropAll();
      await new Promise((r) => server!.close(r));
    },
    async hang() {
      dropAll();
      mode = 'hang';
    },
    async up() {
      dropAll(); // connections accepted while hanging are reset, as a returning network does
      mode = 'up';
      if (!server!.listening) await listen();
    },
    async close() {
      dropAll();
      if (server?.listening) await new Promise((r) => server!.close(r));
    },
  };
}

describe('/readyz when the database goes away', () => {
  if (storeKind() === 'postgres') {
    it('PostgreSQL: 503 (database unreachable) while the server is gone or not answering, 200 again when it returns', async () => {
      const real = new URL(process.env.TEST_DATABASE_URL!);
      const r = await relay({ host: real.hostname, port: Number(real.port || 5432) });
      const viaRelay = new URL(real.href);
      viaRelay.port = String(r.port);
      const saved = process.env.TEST_DATABASE_URL;
      process.env.TEST_DATABASE_URL = viaRelay.href;
      let t: TestApp | undefined;
      try {
        t = await startTestApp();
        expect((await t.http().get('/readyz')).status).toBe(200);

        await r.down();
        const gone = await t.http().get('/readyz');
        expect(gone.status).toBe(503);
        expect(gone.body).toEqual({ status: 'not ready', checks: { database: 'unreachable', migrations: 'unknown', definitions: 'ok' } });
        expect((await t.http().get('/healthz')).status).toBe(200); // the process still answers

        await r.up();
        expect((await t.http().get('/readyz')).status).toBe(200);

        // A host that accepts and never answers: only the readiness timeout can make this a 503.
        await r.hang();
        const silent = await t.http().get('/readyz');
        expect(silent.status).toBe(503);
        expect(silent.body.checks.database).toBe('unreachable');

        await r.up();
        expect((await t.http().get('/readyz')).status).toBe(200);
      } finally {
        process.env.TEST_DATABASE_URL = saved;
        await r.up();
        await t?.close();
        await r.close();
      }
    });
  } else {
    it('PGlite: 503 (database unreachable) once the embedded database is closed', async () => {
      const t = await startTestApp();
      try {
        expect((await t.http().get('/readyz')).status).toBe(200);
        await pgliteOf(t.sql)!.close();
        const res = await t.http().get('/readyz');
        expect(res.status).toBe(503);
        expect(res.body.checks).toEqual({ database: 'unreachable', migrations: 'unknown', definitions: 'ok' });
        expect((await t.http().get('/healthz')).status).toBe(200);
      } finally {
        await t.close();
      }
    });
  }
});

describe('/metrics', () => {
  it('is not served unless METRICS_ENABLED is on', async () => {
    const t = await startTestApp();
    try {
      const res = await t.http().get('/metrics');
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
    } finally {
      await t.close();
    }
  });

  describe('with METRICS_ENABLED=on (AUTH off)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ METRICS_ENABLED: 'on' });
    });
    afterAll(async () => t.close());
    const scrape = async () => {
      const res = await t.http().get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text;
    };

    it('counts requests by interaction, type and status, with latency histograms; no ids, names or query values in labels', async () => {
      const family = 'Metricsfamily';
      const created = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Patient', name: [{ family }] }));
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      for (let i = 0; i < 2; i++) expect((await t.http().get(`/fhir/Patient/${id}`)).status).toBe(200);
      expect((await t.http().get('/fhir/Patient/no-such-patient')).status).toBe(404);
      expect((await t.http().get(`/fhir/Patient?family=${family}`)).status).toBe(200);
      expect((await t.http().get('/fhir/metadata')).status).toBe(200);
      expect((await t.http().get('/fhir/Nonsense/1')).status).toBe(404);

      const text = await scrape();
      expect(sample(text, 'prss_http_requests_total', { interaction: 'create', type: 'Patient', status: '201' })).toBe(1);
      expect(sample(text, 'prss_http_requests_total', { interaction: 'read', type: 'Patient', status: '200' })).toBe(2);
      expect(sample(text, 'prss_http_requests_total', { interaction: 'read', type: 'Patient', status: '404' })).toBe(1);
      expect(sample(text, 'prss_http_requests_total', { interaction: 'search-type', type: 'Patient', status: '200' })).toBe(1);
      expect(sample(text, 'prss_http_requests_total', { interaction: 'capabilities', type: '', status: '200' })).toBe(1);
      expect(sample(text, 'prss_http_requests_total', { interaction: 'other', type: 'other', status: '404' })).toBe(1);
      expect(sample(text, 'prss_http_request_duration_seconds_count', { interaction: 'read', type: 'Patient', status: '200' })).toBe(2);
      expect(sample(text, 'prss_http_request_duration_seconds_bucket', { interaction: 'read', type: 'Patient', status: '200', le: '+Inf' })).toBe(2);
      for (const secret of [id, family, 'no-such-patient', 'Nonsense']) expect(text).not.toContain(secret);
    });

    it("counts rule findings by rule id: exactly the findings a Claim/$validate reported", async () => {
      const before = await scrape();
      const s = buildScenario({ key: 'metrics', serviceDate: '2026-03-10' });
      // Nothing the claim refers to is stored, so rules fire.
      const res = await t.http().post('/fhir/Claim/$validate').set('Content-Type', FHIR_JSON).send(JSON.stringify(s.claim));
      expect(res.status).toBe(200);
      const reported = new Map<string, number>();
      for (const i of res.body.issue as Any[]) {
        const c = i.details?.coding?.[0];
        if (c?.system === RULES) reported.set(c.code, (reported.get(c.code) ?? 0) + 1);
      }
      expect(reported.size).toBeGreaterThan(0);
      const after = await scrape();
      for (const [rule, n] of reported) {
        const count = (text: string) => (sample(text, 'prss_rule_findings_total', { rule, severity: 'error' }) ?? 0) + (sample(text, 'prss_rule_findings_total', { rule, severity: 'warning' }) ?? 0);
        expect({ rule, n: count(after) - count(before) }).toEqual({ rule, n });
      }
      expect(sample(after, 'prss_http_requests_total', { interaction: '$validate', type: 'Claim', status: '200' })).toBe(1);
    });

    it('reports export jobs by status, the event loop, the heap and, on PostgreSQL, the connection pool', async () => {
      const text = await scrape();
      for (const status of ['queued', 'running', 'completed', 'failed', 'cancelled']) expect(sample(text, 'prss_export_jobs', { status })).toBe(0);
      expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      if (storeKind() === 'postgres') {
        expect(sample(text, 'prss_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
        expect(sample(text, 'prss_db_pool_max')).toBe(4);
      } else {
        expect(text).not.toContain('prss_db_pool_connections');
      }
    });
  });

  describe('with AUTH on', () => {
    const token = 'metrics-token-0123456789';
    let clientsFile: string;
    beforeAll(async () => {
      const key = await makeClientKey();
      clientsFile = writeClientsFile([{ clientId: 'metrics-test', jwks: { keys: [key.publicJwk] }, scopes: ['system/*.cruds'], role: 'admin' }]);
    });

    it('asks for METRICS_TOKEN as a bearer token from addresses outside METRICS_ALLOW; /healthz and /readyz need no token; FHIR still needs its own', async () => {
      const t = await startTestApp({ AUTH: 'on', AUTH_CLIENTS_FILE: clientsFile, METRICS_ENABLED: 'on', METRICS_TOKEN: token, METRICS_ALLOW: '10.0.0.0/8' });
      try {
        expect((await t.http().get('/metrics')).status).toBe(401);
        expect((await t.http().get('/metrics').set('Authorization', `Bearer ${token}x`)).status).toBe(401);
        const ok = await t.http().get('/metrics').set('Authorization', `Bearer ${token}`);
        expect(ok.status).toBe(200);
        expect(ok.text).toContain('prss_http_requests_total');
        expect((await t.http().get('/healthz')).status).toBe(200);
        expect((await t.http().get('/readyz')).status).toBe(200);
        expect((await t.http().get('/fhir/Patient')).status).toBe(401);
        expect((await t.http().get('/fhir/Patient').set('Authorization', `Bearer ${token}`)).status).toBe(401);
      } finally {
        await t.close();
      }
    });

    it('lets addresses in METRICS_ALLOW read without the token', async () => {
      const loopback = await startTestApp({ AUTH: 'on', AUTH_CLIENTS_FILE: clientsFile, METRICS_ENABLED: 'on', METRICS_ALLOW: '127.0.0.0/8,::1' });
      try {
        expect((await loopback.http().get('/metrics')).status).toBe(200);
      } finally {
        await loopback.close();
      }
    });
  });
});
