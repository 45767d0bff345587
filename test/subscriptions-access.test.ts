/**
 * Subscriptions with AUTH on, on both stores: a subscription belongs to its client's organization
 * (others neither see nor change it), is notified only of what that client may read (tenancy and
 * scopes, the same SQL as its searches), and a client may not subscribe to a type its scopes do not
 * let it search.
 */
import { makeClientKey, signAssertion, tokenForm, writeClientsFile, type ClientKey } from '../src/auth/testing';
import { startReceiver, type Receiver } from './support/receiver';
import { startTestApp, FHIR_JSON, type TestApp } from './support/server';

const TOKEN_URL = 'http://127.0.0.1:8080/auth/token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ref = (r: string) => ({ reference: r });

let t: TestApp;
let rx: Receiver;
const tokens: Record<string, string> = {};

const encounter = (id: string, extra: Record<string, unknown>) => ({ resourceType: 'Encounter', id, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, ...extra });
const SEED = [
  { resourceType: 'Organization', id: 'org-a', name: 'Provider A' },
  { resourceType: 'Organization', id: 'org-b', name: 'Provider B' },
  { resourceType: 'Practitioner', id: 'prac-a' },
  { resourceType: 'Practitioner', id: 'prac-b' },
  { resourceType: 'PractitionerRole', id: 'role-a', practitioner: ref('Practitioner/prac-a'), organization: ref('Organization/org-a') },
  { resourceType: 'PractitionerRole', id: 'role-b', practitioner: ref('Practitioner/prac-b'), organization: ref('Organization/org-b') },
  { resourceType: 'Patient', id: 'pat-a', name: [{ family: 'Alpha' }] },
  { resourceType: 'Patient', id: 'pat-b', name: [{ family: 'Bravo' }] },
  encounter('enc-a', { subject: ref('Patient/pat-a'), serviceProvider: ref('Organization/org-a') }),
  encounter('enc-b', { subject: ref('Patient/pat-b'), serviceProvider: ref('Organization/org-b') }),
];

beforeAll(async () => {
  rx = await startReceiver();
  const key: ClientKey = await makeClientKey('ES384', 'k');
  const clients = [
    { clientId: 'ehr-a', role: 'ehr' as const, organization: 'Organization/org-a', scope: 'system/*.cruds' },
    { clientId: 'ehr-a2', role: 'ehr' as const, organization: 'Organization/org-a', scope: 'system/*.cruds' },
    { clientId: 'ehr-b', role: 'ehr' as const, organization: 'Organization/org-b', scope: 'system/*.cruds' },
    { clientId: 'ehr-narrow', role: 'ehr' as const, organization: 'Organization/org-a', scope: 'system/Subscription.cruds system/Patient.rs' },
    { clientId: 'warehouse', role: 'warehouse' as const, scope: 'system/*.cruds' },
    { clientId: 'admin', role: 'admin' as const, scope: 'system/*.cruds' },
  ];
  const file = writeClientsFile(clients.map(({ scope, ...c }) => ({ ...c, jwks: { keys: [key.publicJwk] }, scopes: scope.split(' ') })));
  t = await startTestApp({
    AUTH: 'on', AUTH_CLIENTS_FILE: file, VALIDATE_ON_WRITE: 'structure', CLAIM_RULES: 'off', AUDIT: 'off',
    SUBSCRIPTION_ALLOWED_ORIGINS: rx.origin, SUBSCRIPTION_POLL_MS: '20',
  });
  for (const c of clients) {
    const res = await t.http().post('/auth/token').type('form').send(tokenForm(await signAssertion({ clientId: c.clientId, tokenUrl: TOKEN_URL, key }), c.scope));
    expect(res.status).toBe(200);
    tokens[c.clientId] = res.body.access_token;
  }
  const seeded = await as('admin').post('/fhir').set('Content-Type', FHIR_JSON).send({
    resourceType: 'Bundle', type: 'transaction',
    entry: SEED.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
  });
  expect(seeded.status).toBe(200);
});

afterAll(async () => {
  await t.app.close();
  await t.close();
  await rx.close();
});

function as(client: string) {
  const auth = { Authorization: `Bearer ${tokens[client]}` };
  return {
    get: (url: string) => t.http().get(url).set(auth),
    post: (url: string) => t.http().post(url).set(auth),
    put: (url: string) => t.http().put(url).set(auth),
    delete: (url: string) => t.http().delete(url).set(auth),
  };
}

const subscription = (path: string, criteria = 'Encounter?status=finished') => ({
  resourceType: 'Subscription', status: 'requested', reason: 'access test', criteria,
  channel: { type: 'rest-hook', endpoint: `${rx.origin}${path}`, payload: 'application/fhir+json', header: [`Authorization: Bearer ${path}`] },
});

async function subscribe(client: string, path: string, criteria?: string): Promise<string> {
  const res = await as(client).post('/fhir/Subscription').set('Content-Type', FHIR_JSON).send(subscription(path, criteria));
  expect(res.status).toBe(201);
  for (;;) {
    const got = await as(client).get(`/fhir/Subscription/${res.body.id}`);
    if (got.body.status === 'active') return res.body.id;
    await sleep(20);
  }
}

const eventsAt = (path: string) => rx.requests.filter((r) => r.url.startsWith(`${path}/`) && r.headers['x-subscription-event'] !== 'handshake');
const recorded = async (id: string) => Number((await t.sql.query<{ events: string }>('SELECT events FROM subscription_state WHERE id = $1', [id]))[0].events);
async function drained(): Promise<void> {
  while ((await t.sql.query('SELECT 1 FROM subscription_event')).length > 0) await sleep(20);
}

describe('subscriptions and access control', () => {
  let subA: string;
  let subB: string;
  let subW: string;

  beforeAll(async () => {
    subA = await subscribe('ehr-a', '/a');
    subB = await subscribe('ehr-b', '/b');
    subW = await subscribe('warehouse', '/w');
  });

  it('each organization is notified only of the writes its client could read; a warehouse of all', async () => {
    // Written by an admin: one session of org A's member, one of org B's.
    const a = await as('admin').put('/fhir/Encounter/enc-a2').set('Content-Type', FHIR_JSON).send(encounter('enc-a2', { subject: ref('Patient/pat-a'), serviceProvider: ref('Organization/org-a') }));
    const b = await as('admin').put('/fhir/Encounter/enc-b2').set('Content-Type', FHIR_JSON).send(encounter('enc-b2', { subject: ref('Patient/pat-b'), serviceProvider: ref('Organization/org-b') }));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(await recorded(subA)).toBe(1);
    expect(await recorded(subB)).toBe(1);
    expect(await recorded(subW)).toBe(2);
    await drained();
    expect(eventsAt('/a').map((r) => r.url)).toEqual(['/a/Encounter/enc-a2']);
    expect(eventsAt('/b').map((r) => r.url)).toEqual(['/b/Encounter/enc-b2']);
    expect(eventsAt('/w').map((r) => r.url)).toEqual(['/w/Encounter/enc-a2', '/w/Encounter/enc-b2']);
    expect(JSON.stringify(eventsAt('/a'))).not.toContain('pat-b');
  });

  it('a subscription belongs to its organization: another organization neither finds, reads, changes nor deletes it', async () => {
    expect((await as('ehr-b').get(`/fhir/Subscription/${subA}`)).status).toBe(404);
    expect((await as('warehouse').get(`/fhir/Subscription/${subA}`)).status).toBe(404);
    const search = await as('ehr-b').get('/fhir/Subscription');
    expect((search.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id)).toEqual([subB]);
    const stored = (await as('ehr-a').get(`/fhir/Subscription/${subA}`)).body;
    const hijack = await as('ehr-b').put(`/fhir/Subscription/${subA}`).set('Content-Type', FHIR_JSON).send({ ...stored, channel: { ...stored.channel, endpoint: `${rx.origin}/stolen` } });
    expect(hijack.status).toBe(403);
    expect(hijack.body.resourceType).toBe('OperationOutcome');
    expect([403, 404]).toContain((await as('ehr-b').delete(`/fhir/Subscription/${subA}`)).status);
    expect((await as('ehr-b').get(`/fhir/Subscription/${subA}/_history`)).status).toBe(403);
    // Another client of the same organization shares it.
    expect((await as('ehr-a2').get(`/fhir/Subscription/${subA}`)).status).toBe(200);
    const byAdmin = await as('admin').get(`/fhir/Subscription/${subA}`);
    expect(byAdmin.status).toBe(200);
    // An admin changing it leaves it with its organization.
    expect((await as('admin').put(`/fhir/Subscription/${subA}`).set('Content-Type', FHIR_JSON).send({ ...byAdmin.body, reason: 'changed by admin' })).status).toBe(200);
    expect((await as('ehr-a').get(`/fhir/Subscription/${subA}`)).body.reason).toBe('changed by admin');
    expect((await as('ehr-b').get(`/fhir/Subscription/${subA}`)).status).toBe(404);
  });

  it('a client may not subscribe to a type its scopes do not let it search', async () => {
    const res = await as('ehr-narrow').post('/fhir/Subscription').set('Content-Type', FHIR_JSON).send(subscription('/narrow'));
    expect(res.status).toBe(403);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect((await as('ehr-narrow').post('/fhir/Subscription').set('Content-Type', FHIR_JSON).send(subscription('/narrow', 'Patient?name=Alpha'))).status).toBe(201);
  });
});
