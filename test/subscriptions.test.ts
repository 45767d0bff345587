/**
 * R4 Subscriptions, rest-hook, end to end with a real HTTP receiver on 127.0.0.1, on both stores:
 * handshake and activation, full-resource and empty notifications, criteria evaluated by the
 * server's search, retries in order after failures (status error, then active again), `off`,
 * endpoints refused with 422, and delivery that survives a restart between write and delivery.
 * On PostgreSQL: two instances on one schema deliver each event exactly once, in order.
 */
import request from 'supertest';
import { buildServer } from '../src/server';
import { createLogger } from '../src/http/logger';
import { loadConfig } from '../src/config';
import { PostgresRepository } from '../src/store';
import { openPostgres } from '../src/store/sql';
import { startReceiver, type Receiver } from './support/receiver';
import { FHIR_JSON, startTestApp, storeKind, type TestApp } from './support/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let rx: Receiver;
let t: TestApp;
let env: Record<string, string>;

beforeAll(async () => {
  rx = await startReceiver();
  env = {
    SUBSCRIPTION_ALLOWED_ORIGINS: rx.origin,
    SUBSCRIPTION_POLL_MS: '20',
    SUBSCRIPTION_RETRY_BASE_MS: '5',
    SUBSCRIPTION_RETRY_MAX_MS: '40',
    SUBSCRIPTION_ERROR_AFTER: '3',
    VALIDATE_ON_WRITE: 'structure',
    CLAIM_RULES: 'off',
  };
  t = await startTestApp(env);
});

afterAll(async () => {
  await t.app.close();
  await t.close();
  await rx.close();
});

const subscription = (path: string, extra: Record<string, unknown> = {}, criteria = 'Patient?gender=female') => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'test',
  criteria,
  channel: { type: 'rest-hook', endpoint: `${rx.origin}${path}`, payload: 'application/fhir+json', header: ['Authorization: Bearer secret-1'], ...extra },
});

async function create(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await t.http().post('/fhir/Subscription').set('Content-Type', FHIR_JSON).send(body as object);
  return { status: res.status, body: res.body };
}

/** Polls the stored Subscription until it has the status (jest's timeout bounds the wait). */
async function untilStatus(id: string, status: string, app: TestApp = t): Promise<Record<string, unknown>> {
  for (;;) {
    const res = await app.http().get(`/fhir/Subscription/${id}`);
    if (res.body.status === status) return res.body;
    await sleep(20);
  }
}

const patient = (gender: string, family: string) => ({ resourceType: 'Patient', gender, name: [{ family }] });
async function writePatient(gender: string, family: string, app: TestApp = t): Promise<string> {
  const res = await app.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(patient(gender, family));
  expect(res.status).toBe(201);
  return res.body.id;
}

const at = (path: string) => (r: { url: string }) => r.url === path || r.url.startsWith(`${path}/`);
const events = (path: string) => rx.requests.filter(at(path)).filter((r) => r.headers['x-subscription-event'] !== 'handshake');

describe('rest-hook subscriptions', () => {
  it('a new subscription is requested, handshaken with its headers, then active', async () => {
    const res = await create(subscription('/hs'));
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('requested');
    await rx.waitFor((all) => all.some(at('/hs')));
    const hs = rx.requests.find(at('/hs'))!;
    expect(hs.method).toBe('POST');
    expect(hs.body).toBe('');
    expect(hs.headers['authorization']).toBe('Bearer secret-1');
    expect(hs.headers['x-subscription-event']).toBe('handshake');
    expect(hs.headers['x-subscription']).toBe(`Subscription/${res.body.id}`);
    const active = await untilStatus(res.body.id as string, 'active');
    expect(active.error).toBeUndefined();
  });

  it('a matching write is PUT as the full resource with its event number; a non-matching write records nothing', async () => {
    const sub = await create(subscription('/full'));
    await untilStatus(sub.body.id as string, 'active');
    const male = await writePatient('male', 'NotMe');
    // A write that does not match leaves the outbox empty: nothing to deliver, ever.
    expect(await t.sql.query(`SELECT 1 FROM subscription_event WHERE subscription = $1`, [sub.body.id])).toHaveLength(0);
    const female = await writePatient('female', 'Match');
    await rx.waitFor(() => events('/full').length >= 1);
    const [n] = events('/full');
    expect(n.method).toBe('PUT');
    expect(n.url).toBe(`/full/Patient/${female}`);
    expect(n.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(n.headers['x-subscription-event']).toBe('1');
    expect(n.headers['authorization']).toBe('Bearer secret-1');
    const body = JSON.parse(n.body);
    expect(body).toMatchObject({ resourceType: 'Patient', id: female, gender: 'female', meta: { versionId: '1' } });
    expect(rx.requests.some((r) => r.url.includes(male))).toBe(false);
  });

  it('without a payload the notification is an empty POST to the endpoint', async () => {
    const sub = await create(subscription('/empty', { payload: undefined }));
    await untilStatus(sub.body.id as string, 'active');
    await writePatient('female', 'Empty');
    await rx.waitFor(() => events('/empty').length >= 1);
    const [n] = events('/empty');
    expect(n.method).toBe('POST');
    expect(n.url).toBe('/empty');
    expect(n.body).toBe('');
    expect(n.headers['x-subscription-event']).toBe('1');
  });

  it('the backport content extension: empty sends no resource even with a payload type; id-only is refused with 422', async () => {
    const contentExt = (code: string) => ({ _payload: { extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content', valueCode: code }] } });
    const sub = await create(subscription('/bp-empty', contentExt('empty')));
    expect(sub.status).toBe(201);
    await untilStatus(sub.body.id as string, 'active');
    await writePatient('female', 'BackportEmpty');
    await rx.waitFor(() => events('/bp-empty').length >= 1);
    expect(events('/bp-empty')[0]).toMatchObject({ method: 'POST', url: '/bp-empty', body: '' });
    const idOnly = await create(subscription('/bp-id', contentExt('id-only')));
    expect(idOnly.status).toBe(422);
    expect((idOnly.body.issue as { diagnostics: string }[])[0].diagnostics).toContain("content 'id-only' is not supported");
  });

  it('criteria run as a search: chained and modifier parameters decide what matches', async () => {
    const sub = await create(subscription('/crit', {}, 'Patient?family:exact=Exacto&gender=female'));
    await untilStatus(sub.body.id as string, 'active');
    await writePatient('female', 'exacto'); // :exact is case-sensitive: no match
    await writePatient('male', 'Exacto');
    const hit = await writePatient('female', 'Exacto');
    await rx.waitFor(() => events('/crit').length >= 1);
    const state = await t.sql.query<{ events: string }>('SELECT events FROM subscription_state WHERE id = $1', [sub.body.id]);
    expect(Number(state[0].events)).toBe(1);
    expect(events('/crit')[0].url).toBe(`/crit/Patient/${hit}`);
  });

  it('a receiver that fails for a while gets every event after retries, in order; the status goes error and back to active', async () => {
    const sub = await create(subscription('/flaky'));
    const id = sub.body.id as string;
    await untilStatus(id, 'active');
    rx.failNext(5, '/flaky');
    const ids = [await writePatient('female', 'F1'), await writePatient('female', 'F2'), await writePatient('female', 'F3')];
    await rx.waitFor(() => events('/flaky').filter((r) => r.status === 200).length >= 3);
    const all = events('/flaky');
    expect(all.filter((r) => r.status === 503).length).toBe(5);
    // Every failure was a retry of event 1: nothing overtook it.
    expect(all.slice(0, 6).map((r) => r.headers['x-subscription-event'])).toEqual(['1', '1', '1', '1', '1', '1']);
    const ok = all.filter((r) => r.status === 200);
    expect(ok.map((r) => r.headers['x-subscription-event'])).toEqual(['1', '2', '3']);
    expect(ok.map((r) => r.url)).toEqual(ids.map((p) => `/flaky/Patient/${p}`));
    await untilStatus(id, 'active');
    const history = await t.http().get(`/fhir/Subscription/${id}/_history`);
    const errored = history.body.entry.map((e: { resource: Record<string, unknown> }) => e.resource).find((r: Record<string, unknown>) => r.status === 'error');
    expect(errored.error).toMatch(/3 deliveries in a row failed; the last: PUT .* answered 503/);
    expect(await t.sql.query('SELECT 1 FROM subscription_event WHERE subscription = $1', [id])).toHaveLength(0);
  });

  it('off stops it: a matching write records nothing', async () => {
    const sub = await create(subscription('/off'));
    const id = sub.body.id as string;
    const active = await untilStatus(id, 'active');
    const off = await t.http().put(`/fhir/Subscription/${id}`).set('Content-Type', FHIR_JSON).send({ ...active, status: 'off' });
    expect(off.status).toBe(200);
    expect(off.body.status).toBe('off');
    await writePatient('female', 'AfterOff');
    expect(await t.sql.query('SELECT 1 FROM subscription_event WHERE subscription = $1', [id])).toHaveLength(0);
    expect(Number((await t.sql.query<{ events: string }>('SELECT events FROM subscription_state WHERE id = $1', [id]))[0].events)).toBe(0);
  });

  it('an update that changes nothing keeps it active; deleting it removes what it had not delivered', async () => {
    const sub = await create(subscription('/keep'));
    const id = sub.body.id as string;
    const active = await untilStatus(id, 'active');
    const handshakes = rx.requests.filter(at('/keep')).length;
    const again = await t.http().put(`/fhir/Subscription/${id}`).set('Content-Type', FHIR_JSON).send(active);
    expect(again.body.status).toBe('active');
    expect(await t.sql.query(`SELECT 1 FROM subscription_event WHERE subscription = $1 AND kind = 'handshake'`, [id])).toHaveLength(0);
    expect(rx.requests.filter(at('/keep')).length).toBe(handshakes);
    const del = await t.http().delete(`/fhir/Subscription/${id}`);
    expect(del.status).toBe(200);
    expect(await t.sql.query('SELECT 1 FROM subscription_state WHERE id = $1', [id])).toHaveLength(0);
  });

  it.each<[string, Record<string, unknown> | 'other-port']>([
    ['an http origin not in SUBSCRIPTION_ALLOWED_ORIGINS', { endpoint: 'http://example.org/hook' }],
    ['another port on the allowed host', 'other-port'],
    ['a non-http scheme', { endpoint: 'ftp://127.0.0.1/hook' }],
    ['no endpoint', { endpoint: undefined }],
    ['a websocket channel', { type: 'websocket' }],
    ['an unsupported payload', { payload: 'application/xml' }],
    ['a malformed header', { header: ['no colon here'] }],
  ])('refuses %s with 422 and stores nothing', async (_, given) => {
    const channel: Record<string, unknown> = given === 'other-port' ? { endpoint: `${rx.origin.replace(/:(\d+)$/, (_m, p) => `:${Number(p) + 1}`)}/x` } : given;
    const before = await t.sql.query(`SELECT 1 FROM resource WHERE type = 'Subscription'`);
    const res = await create(subscription('/never', channel));
    expect(res.status).toBe(422);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await t.sql.query(`SELECT 1 FROM resource WHERE type = 'Subscription'`)).toHaveLength(before.length);
  });

  it.each([
    ['an unknown search parameter', 'Patient?nonsense=1'],
    ['an unknown type', 'Nothing?x=1'],
    ['a paging parameter', 'Patient?_count=5'],
  ])('refuses criteria with %s with 422', async (_, criteria) => {
    const res = await create(subscription('/never', {}, criteria));
    expect(res.status).toBe(422);
    expect((res.body.issue as { expression: string[] }[])[0].expression).toEqual(['Subscription.criteria']);
  });

  it('the CapabilityStatement declares Subscription with the rest-hook channel and its payloads', async () => {
    const res = await t.http().get('/fhir/metadata');
    const sub = res.body.rest[0].resource.find((r: { type: string }) => r.type === 'Subscription');
    expect(sub.interaction.map((i: { code: string }) => i.code)).toEqual(expect.arrayContaining(['create', 'update', 'read', 'search-type', 'delete']));
    expect(sub.documentation).toContain('channel `rest-hook` (payload: none, `application/fhir+json`');
    expect(sub.documentation).toContain('SUBSCRIPTION_ALLOWED_ORIGINS');
    expect(sub.documentation).not.toContain('websocket');
  });

  it('accepts an https endpoint on any host', async () => {
    const res = await create({ ...subscription('/x'), channel: { type: 'rest-hook', endpoint: 'https://hooks.example.org/fhir' } });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('requested');
    // Not reachable from here: switched off so the worker stops trying.
    await t.http().put(`/fhir/Subscription/${res.body.id}`).set('Content-Type', FHIR_JSON).send({ ...res.body, status: 'off' });
  });

  it('a write whose notification is still in the outbox when the server stops is delivered by the next start', async () => {
    const sub = await create(subscription('/restart'));
    const id = sub.body.id as string;
    await untilStatus(id, 'active');
    await t.app.subscriptions.stop(); // the server is down: nothing delivers
    const written = await writePatient('female', 'WhileDown');
    expect(await t.sql.query('SELECT event_number FROM subscription_event WHERE subscription = $1', [id])).toEqual([{ event_number: expect.anything() }]);
    expect(events('/restart')).toHaveLength(0);
    const next = await buildServer({ config: loadConfig({ DEMO: 'off', LOG_LEVEL: 'silent', HOST: '127.0.0.1', ...env }), store: t.app.store, logger: createLogger('silent') });
    try {
      await rx.waitFor(() => events('/restart').length >= 1);
      expect(events('/restart')[0].url).toBe(`/restart/Patient/${written}`);
      expect(events('/restart')[0].headers['x-subscription-event']).toBe('1');
    } finally {
      await next.close();
      t.app.subscriptions.worker?.start();
    }
  });
});

// Two server instances need a shared database server: PostgreSQL only.
if (storeKind() === 'postgres') describe('two instances on one PostgreSQL schema', () => {
  it('deliver each event exactly once, in order', async () => {
    const [{ schema }] = await t.sql.query<{ schema: string }>('SELECT current_schema() AS schema');
    const sql2 = await openPostgres(process.env.TEST_DATABASE_URL!, schema, 4);
    const second = await buildServer({ config: loadConfig({ DEMO: 'off', LOG_LEVEL: 'silent', HOST: '127.0.0.1', ...env }), store: { repo: new PostgresRepository(sql2), sql: sql2, description: 'postgres' }, logger: createLogger('silent') });
    try {
      const sub = await create(subscription('/two'));
      await untilStatus(sub.body.id as string, 'active');
      const N = 30;
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < N; i++) {
        const app = i % 2 ? second.http : t.app.http;
        writes.push(request(app).post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(patient('female', `Two${i}`)).expect(201));
      }
      await Promise.all(writes);
      // Until both workers have recorded every delivery (the outbox is empty), then count what arrived.
      while ((await t.sql.query('SELECT 1 FROM subscription_event WHERE subscription = $1', [sub.body.id])).length > 0) await sleep(20);
      const numbers = events('/two').map((r) => Number(r.headers['x-subscription-event']));
      expect(numbers).toEqual(Array.from({ length: N }, (_, i) => i + 1));
      expect(new Set(events('/two').map((r) => r.url)).size).toBe(N);
    } finally {
      await second.close();
      await sql2.close();
    }
  });
});
