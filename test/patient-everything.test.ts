/** Issue 18 item 7: Patient/[id]/$everything — the compartment, _since, _type, _count and paging, tenancy and scopes. */
import { makeClientKey, signAssertion, tokenForm, writeClientsFile, type ClientKey } from '../src/auth/testing';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

const ref = (r: string) => ({ reference: r });
const encounter = (id: string, subject: string, extra: Record<string, unknown> = {}) => ({ resourceType: 'Encounter', id, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: ref(subject), ...extra });
const condition = (id: string, subject: string) => ({ resourceType: 'Condition', id, subject: ref(subject), code: { text: 'opioid use disorder' } });

type Bundle = { total: number; type: string; link: { relation: string; url: string }[]; entry?: { fullUrl: string; resource: { resourceType: string; id: string; issue?: { severity: string; diagnostics: string }[] }; search: { mode: string } }[] };
const keys = (b: Bundle) => (b.entry ?? []).filter((e) => e.search.mode === 'match').map((e) => `${e.resource.resourceType}/${e.resource.id}`);
const included = (b: Bundle) => (b.entry ?? []).filter((e) => e.search.mode === 'include').map((e) => `${e.resource.resourceType}/${e.resource.id}`);
const outcome = (b: Bundle) => (b.entry ?? []).find((e) => e.search.mode === 'outcome')?.resource;

describe('$everything (no authentication)', () => {
  let t: TestApp;
  let afterUpdate: string;
  beforeAll(async () => {
    t = await startTestApp({ VALIDATE_ON_WRITE: 'structure', CLAIM_RULES: 'off' });
    const seed = [
      { resourceType: 'Organization', id: 'ev-org', name: 'Clinic' },
      { resourceType: 'Organization', id: 'ev-org-unused', name: 'Unused' },
      { resourceType: 'Patient', id: 'ev-p', name: [{ family: 'Everything' }], managingOrganization: ref('Organization/ev-org') },
      { resourceType: 'Patient', id: 'ev-other', name: [{ family: 'Other' }] },
      { resourceType: 'Practitioner', id: 'ev-prac' },
      encounter('ev-enc-1', 'Patient/ev-p', { participant: [{ individual: ref('Practitioner/ev-prac') }] }),
      encounter('ev-enc-2', 'Patient/ev-p'),
      encounter('ev-enc-gone', 'Patient/ev-p'),
      condition('ev-cond-1', 'Patient/ev-p'),
      condition('ev-cond-2', 'Patient/ev-p'),
      { resourceType: 'CarePlan', id: 'ev-plan', status: 'active', intent: 'plan', subject: ref('Patient/ev-p') },
      encounter('ev-enc-other', 'Patient/ev-other'),
      { resourceType: 'Patient', id: 'ev-deleted' },
    ];
    const res = await t.http().post('/fhir').set('Content-Type', FHIR_JSON).send({ resourceType: 'Bundle', type: 'transaction', entry: seed.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })) });
    expect(res.status).toBe(200);
    expect((await t.http().delete('/fhir/Encounter/ev-enc-gone')).status).toBe(200);
    expect((await t.http().delete('/fhir/Patient/ev-deleted')).status).toBe(200);
    const updated = await t.http().put('/fhir/Condition/ev-cond-2').set('Content-Type', FHIR_JSON).send({ ...condition('ev-cond-2', 'Patient/ev-p'), clinicalStatus: { text: 'active' } });
    expect(updated.status).toBe(200);
    afterUpdate = updated.body.meta.lastUpdated;
  });
  afterAll(async () => t.close());

  const ALL = ['Patient/ev-p', 'Encounter/ev-enc-1', 'Encounter/ev-enc-2', 'Condition/ev-cond-1', 'Condition/ev-cond-2', 'CarePlan/ev-plan'];

  it('returns the patient first and every current resource of its compartment, nothing of another patient, nothing deleted, nothing outside it', async () => {
    const res = await t.http().get('/fhir/Patient/ev-p/$everything');
    expect(res.status).toBe(200);
    const b = res.body as Bundle;
    expect(b.type).toBe('searchset');
    expect(keys(b)[0]).toBe('Patient/ev-p');
    expect(keys(b).sort()).toEqual([...ALL].sort());
    expect(b.total).toBe(ALL.length);
    expect(b.link.find((l) => l.relation === 'self')!.url).toBe(`${t.base}/Patient/ev-p/$everything`);
    expect(b.link.find((l) => l.relation === 'next')).toBeUndefined();
    expect(b.entry![0].fullUrl).toBe(`${t.base}/Patient/ev-p`);
  });

  it('adds, as include entries, the resources outside the compartment that the page references (the practitioner of an encounter, the managing organization), once each', async () => {
    const b = (await t.http().get('/fhir/Patient/ev-p/$everything')).body as Bundle;
    expect(included(b).sort()).toEqual(['Organization/ev-org', 'Practitioner/ev-prac']);
    const typed = (await t.http().get('/fhir/Patient/ev-p/$everything?_type=Encounter')).body as Bundle;
    expect(included(typed)).toEqual([]);
  });

  it('_type keeps the named types only (the patient too, only when named)', async () => {
    const res = await t.http().get('/fhir/Patient/ev-p/$everything?_type=Encounter,Condition');
    expect(keys(res.body).sort()).toEqual(['Condition/ev-cond-1', 'Condition/ev-cond-2', 'Encounter/ev-enc-1', 'Encounter/ev-enc-2']);
    expect(res.body.total).toBe(4);
    const withPatient = await t.http().get('/fhir/Patient/ev-p/$everything?_type=Patient&_type=CarePlan');
    expect(keys(withPatient.body)).toEqual(['Patient/ev-p', 'CarePlan/ev-plan']);
  });

  it('_type naming a type outside the Patient compartment returns none of it and says so in an outcome entry', async () => {
    const res = await t.http().get('/fhir/Patient/ev-p/$everything?_type=Practitioner');
    expect(keys(res.body)).toEqual([]);
    expect(outcome(res.body)!.issue![0].diagnostics).toMatch(/Practitioner is not in the Patient compartment/);
  });

  it('_since keeps what was updated at or after that instant', async () => {
    const res = await t.http().get(`/fhir/Patient/ev-p/$everything?_since=${encodeURIComponent(afterUpdate)}`);
    expect(keys(res.body)).toEqual(['Condition/ev-cond-2']);
    expect(res.body.total).toBe(1);
    const later = new Date(Date.parse(afterUpdate) + 1).toISOString();
    const none = await t.http().get(`/fhir/Patient/ev-p/$everything?_since=${encodeURIComponent(later)}`);
    expect(keys(none.body)).toEqual([]);
    expect(none.body.total).toBe(0);
  });

  it('pages by _count through next links: every resource once, the total on every page', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/fhir/Patient/ev-p/$everything?_count=2';
    let pages = 0;
    while (url) {
      const res = await t.http().get(url);
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(ALL.length);
      expect(keys(res.body).length).toBeLessThanOrEqual(2);
      seen.push(...keys(res.body));
      const next = (res.body as Bundle).link.find((l) => l.relation === 'next')?.url;
      url = next?.replace(t.base, '/fhir');
      if (next) expect(next).toContain('_count=2');
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen[0]).toBe('Patient/ev-p');
    expect([...seen].sort()).toEqual([...ALL].sort());
  });

  it('takes its parameters in a Parameters body on POST, and answers HEAD like GET', async () => {
    const res = await t.http().post('/fhir/Patient/ev-p/$everything').set('Content-Type', FHIR_JSON)
      .send({ resourceType: 'Parameters', parameter: [{ name: '_type', valueCode: 'CarePlan' }, { name: '_count', valueInteger: 5 }] });
    expect(res.status).toBe(200);
    expect(keys(res.body)).toEqual(['CarePlan/ev-plan']);
    const head = await t.http().head('/fhir/Patient/ev-p/$everything');
    expect(head.status).toBe(200);
    expect(head.text ?? '').toBe('');
  });

  it('answers bad input with 400, an unknown patient with 404 and a deleted one with 410, each an OperationOutcome', async () => {
    for (const q of ['_since=yesterday', '_since=2026-01-01', '_type=Spaceship', '_count=-1', '_count=many', 'start=2026-01-01', '_offset=10', 'color=blue', '_cursor=abc']) {
      const res = await t.http().get(`/fhir/Patient/ev-p/$everything?${q}`);
      expect([q, res.status, res.body.resourceType]).toEqual([q, 400, 'OperationOutcome']);
    }
    const unknown = await t.http().get('/fhir/Patient/ev-nobody/$everything');
    expect([unknown.status, unknown.body.resourceType]).toEqual([404, 'OperationOutcome']);
    const deleted = await t.http().get('/fhir/Patient/ev-deleted/$everything');
    expect([deleted.status, deleted.body.resourceType]).toEqual([410, 'OperationOutcome']);
  });

  it('is declared in the CapabilityStatement on Patient with the official definition', async () => {
    const cs = await t.http().get('/fhir/metadata');
    const patient = cs.body.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patient.operation).toContainEqual({ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' });
  });
});

describe('$everything within tenancy and scopes', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const as = (client: string) => ({
    get: (path: string) => t.http().get(path).set('Authorization', `Bearer ${tokens[client]}`),
  });
  beforeAll(async () => {
    const key: ClientKey = await makeClientKey('ES384', 'k');
    const clients = [
      { clientId: 'ehr-a', role: 'ehr' as const, organization: 'Organization/org-a', scope: 'system/*.cruds' },
      { clientId: 'admin', role: 'admin' as const, scope: 'system/*.cruds' },
      { clientId: 'narrow', role: 'warehouse' as const, scope: 'system/Patient.rs system/Encounter.rs' },
    ];
    const file = writeClientsFile(clients.map((c) => ({ clientId: c.clientId, role: c.role, ...(c.organization ? { organization: c.organization } : {}), jwks: { keys: [key.publicJwk] }, scopes: c.scope.split(' ') })));
    t = await startTestApp({ AUTH: 'on', AUTH_CLIENTS_FILE: file, VALIDATE_ON_WRITE: 'structure', CLAIM_RULES: 'off', AUDIT: 'off' });
    for (const c of clients) {
      const res = await t.http().post('/auth/token').type('form').send(tokenForm(await signAssertion({ clientId: c.clientId, tokenUrl: 'http://127.0.0.1:8080/auth/token', key }), c.scope));
      expect(res.status).toBe(200);
      tokens[c.clientId] = res.body.access_token;
    }
    const seed = [
      { resourceType: 'Organization', id: 'org-a', name: 'Provider A' },
      { resourceType: 'Organization', id: 'org-b', name: 'Provider B' },
      { resourceType: 'Patient', id: 'pat-a' },
      { resourceType: 'Patient', id: 'bdata-pat' },
      encounter('enc-a', 'Patient/pat-a', { serviceProvider: ref('Organization/org-a') }),
      condition('cond-a', 'Patient/pat-a'),
      encounter('bdata-enc', 'Patient/bdata-pat', { serviceProvider: ref('Organization/org-b') }),
      // In pat-a's compartment, but it names org-b's member too: an ehr of org-a may not see it.
      { resourceType: 'Observation', id: 'bdata-obs', status: 'final', code: { text: 'shared' }, subject: ref('Patient/pat-a'), focus: [ref('Patient/bdata-pat')] },
    ];
    const res = await t.http().post('/fhir').set('Content-Type', FHIR_JSON).set('Authorization', `Bearer ${tokens.admin}`)
      .send({ resourceType: 'Bundle', type: 'transaction', entry: seed.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })) });
    expect([res.status, JSON.stringify(res.body.issue ?? '')]).toEqual([200, '""']);
  });
  afterAll(async () => {
    await t.app.close();
    await t.close();
  });

  it('admin sees the whole compartment', async () => {
    const res = await as('admin').get('/fhir/Patient/pat-a/$everything');
    expect(res.status).toBe(200);
    expect(keys(res.body).sort()).toEqual(['Condition/cond-a', 'Encounter/enc-a', 'Observation/bdata-obs', 'Patient/pat-a']);
  });

  it("an ehr client sees its member's records but none that names another organization's member, in entries and in the total", async () => {
    const res = await as('ehr-a').get('/fhir/Patient/pat-a/$everything');
    expect(res.status).toBe(200);
    expect(keys(res.body).sort()).toEqual(['Condition/cond-a', 'Encounter/enc-a', 'Patient/pat-a']);
    expect(included(res.body)).toEqual(['Organization/org-a']);
    expect(res.body.total).toBe(3);
    expect(JSON.stringify(res.body)).not.toContain('bdata-');
  });

  it("an ehr client asking for another organization's member gets 404, as if it did not exist", async () => {
    const res = await as('ehr-a').get('/fhir/Patient/bdata-pat/$everything');
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('Encounter');
  });

  it('a client scoped to Patient and Encounter gets those types only, and is told which were left out', async () => {
    const res = await as('narrow').get('/fhir/Patient/pat-a/$everything');
    expect(res.status).toBe(200);
    expect(keys(res.body).sort()).toEqual(['Encounter/enc-a', 'Patient/pat-a']);
    const oo = outcome(res.body)!;
    expect(oo.issue![0].diagnostics).toMatch(/Condition/);
    expect(oo.issue![0].diagnostics).toMatch(/Observation/);
  });
});
