import { randomUUID } from 'node:crypto';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const postBundle = (b: unknown, prefer?: string) => {
  const r = t.http().post('/fhir').set('Content-Type', FHIR_JSON);
  if (prefer) r.set('Prefer', prefer);
  return r.send(JSON.stringify(b));
};
const count = async (type: string) => Number((await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM resource WHERE type = $1 AND NOT deleted', [type]))[0].n);

function memberBundle(identifier: string, extra: unknown[] = []) {
  const p = `urn:uuid:${randomUUID()}`;
  const e = `urn:uuid:${randomUUID()}`;
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: e, resource: { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: p }, period: { start: '2026-03-10T10:00:00-05:00', end: '2026-03-10T11:00:00-05:00' } }, request: { method: 'POST', url: 'Encounter' } },
      { fullUrl: p, resource: { resourceType: 'Patient', identifier: [{ system: 'urn:b', value: identifier }], name: [{ family: 'Tx' }], gender: 'male' }, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:b|${identifier}` } },
      ...extra,
    ],
  };
}

describe('transaction', () => {
  it('two entries with the same fullUrl: 400 naming the fullUrl (bdl-7), nothing stored', async () => {
    const before = { Patient: await count('Patient'), Encounter: await count('Encounter') };
    const bundle = memberBundle(`dup-${randomUUID()}`);
    // The Encounter and the Patient share the Patient's fullUrl: a reference to it would be ambiguous.
    const [encounter, patient] = bundle.entry as { fullUrl: string }[];
    encounter.fullUrl = patient.fullUrl;
    const res = await postBundle(bundle);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toContain(patient.fullUrl);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[1].fullUrl']);
    expect({ Patient: await count('Patient'), Encounter: await count('Encounter') }).toEqual(before);
  });

  it('two entries with the same ifNoneExist create one resource; the second answers 200 and its references point at it', async () => {
    const value = `same-${randomUUID()}`;
    const [p1, p2] = [`urn:uuid:${randomUUID()}`, `urn:uuid:${randomUUID()}`];
    const member = { resourceType: 'Patient', identifier: [{ system: 'urn:b', value }], name: [{ family: 'Twice' }] };
    const res = await postBundle({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { fullUrl: p1, resource: member, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:b|${value}` } },
        { fullUrl: p2, resource: member, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:b%7C${value}` } },
        { resource: { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: p2 } }, request: { method: 'POST', url: 'Encounter' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201 Created', '200 OK', '201 Created']);
    const id = res.body.entry[0].resource.id;
    expect(res.body.entry[1].resource.id).toBe(id);
    expect(res.body.entry[1].response.location).toBe(`Patient/${id}/_history/1`);
    expect(res.body.entry[2].resource.subject.reference).toBe(`Patient/${id}`);
    const found = await t.http().get(`/fhir/Patient?identifier=urn:b|${value}`);
    expect(found.body.total).toBe(1);
  });

  it('two conditional updates with the same criteria: 400 (a resource changes once per transaction), nothing stored', async () => {
    const value = `twice-${randomUUID()}`;
    const before = await count('Patient');
    const url = `Patient?identifier=${encodeURIComponent(`urn:b|${value}`)}`;
    const member = { resourceType: 'Patient', identifier: [{ system: 'urn:b', value }] };
    const res = await postBundle({
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ resource: member, request: { method: 'PUT', url } }, { resource: member, request: { method: 'PUT', url: `Patient?identifier=urn:b|${value}` } }],
    });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry[1].request.url']);
    expect(await count('Patient')).toBe(before);
  });

  it('two entries with the same fullUrl and the same (absolute) resource: still 400, even with distinct versionIds', async () => {
    const before = await count('Patient');
    const patient = { resourceType: 'Patient', id: `dup-${randomUUID()}`, name: [{ family: 'Twice' }] };
    const url = `${t.base}/Patient/${patient.id}`;
    const res = await postBundle({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { fullUrl: url, resource: { ...patient, meta: { versionId: '1' } }, request: { method: 'PUT', url: `Patient/${patient.id}` } },
        { fullUrl: url, resource: { ...patient, meta: { versionId: '2' } }, request: { method: 'PUT', url: `Patient/${patient.id}` } },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await count('Patient')).toBe(before);
  });

  it('stores every entry, rewrites urn:uuid references, and answers one response per entry in order', async () => {
    const res = await postBundle(memberBundle('tx-1'));
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    expect(res.body.entry).toHaveLength(2);
    expect(res.body.entry[0].response.status).toBe('201 Created');
    expect(res.body.entry[0].response.location).toMatch(/^Encounter\/[^/]+\/_history\/1$/);
    const patientId = res.body.entry[1].resource.id;
    expect(res.body.entry[0].resource.subject.reference).toBe(`Patient/${patientId}`);
    const enc = await t.http().get(`/fhir/Encounter?subject=Patient/${patientId}`);
    expect(enc.body.total).toBe(1);
  });

  it('is idempotent with If-None-Exist: re-submitting reuses the member', async () => {
    const before = await count('Patient');
    const res = await postBundle(memberBundle('tx-1'));
    expect(res.status).toBe(200);
    expect(res.body.entry[1].response.status).toBe('200 OK');
    expect(await count('Patient')).toBe(before);
  });

  it('resolves conditional references inside the transaction', async () => {
    const res = await postBundle({
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ resource: { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'g' }, subject: { reference: 'Patient?identifier=urn:b|tx-1' } }, request: { method: 'POST', url: 'Goal' } }],
    });
    expect(res.status).toBe(200);
    expect(res.body.entry[0].resource.subject.reference).toMatch(/^Patient\/[A-Za-z0-9-]+$/);
  });

  it('stores nothing when any entry fails, and says which entry', async () => {
    const beforeEnc = await count('Encounter');
    const beforePat = await count('Patient');
    const bad = memberBundle('tx-2', [{ resource: { resourceType: 'Patient', birthDate: 'not-a-date' }, request: { method: 'POST', url: 'Patient' } }]);
    const res = await postBundle(bad);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(res.body)).toContain('Bundle.entry[2]');
    expect(await count('Encounter')).toBe(beforeEnc);
    expect(await count('Patient')).toBe(beforePat);
  });

  it('fails on a conditional reference that matches nothing (412) and on a dangling urn:uuid (404-class 400)', async () => {
    const a = await postBundle({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'g' }, subject: { reference: 'Patient?identifier=urn:b|nobody' } }, request: { method: 'POST', url: 'Goal' } }] });
    expect(a.status).toBe(412);
    const b = await postBundle({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'g' }, subject: { reference: `urn:uuid:${randomUUID()}` } }, request: { method: 'POST', url: 'Goal' } }] });
    expect(b.status).toBe(400);
  });

  it('processes DELETE before POST before PUT before GET', async () => {
    await t.http().put('/fhir/Goal/order-1').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Goal', id: 'order-1', lifecycleStatus: 'active', description: { text: 'v1' }, subject: { reference: 'Patient/x' } }));
    const res = await postBundle({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { request: { method: 'GET', url: 'Goal/order-2' } },
        { resource: { resourceType: 'Goal', id: 'order-2', lifecycleStatus: 'active', description: { text: 'new' }, subject: { reference: 'Patient/x' } }, request: { method: 'PUT', url: 'Goal/order-2' } },
        { request: { method: 'DELETE', url: 'Goal/order-1' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.entry[0].resource.description.text).toBe('new');
    expect(res.body.entry[1].response.status).toBe('201 Created');
    expect((await t.http().get('/fhir/Goal/order-1')).status).toBe(410);
  });

  it('rejects two entries for the same resource', async () => {
    const g = { resourceType: 'Goal', id: 'twice', lifecycleStatus: 'active', description: { text: 'x' }, subject: { reference: 'Patient/x' } };
    const res = await postBundle({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: g, request: { method: 'PUT', url: 'Goal/twice' } }, { resource: g, request: { method: 'PUT', url: 'Goal/twice' } }] });
    expect(res.status).toBe(400);
    expect((await t.http().get('/fhir/Goal/twice')).status).toBe(404);
  });

  it('takes a bundle at the entry cap and refuses one over it (413)', async () => {
    const small = await startTestApp({ BUNDLE_MAX_ENTRIES: '3' });
    try {
      const entry = (n: number) => Array.from({ length: n }, (_, i) => ({ resource: { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: `g${i}` }, subject: { reference: 'Patient/x' } }, request: { method: 'POST', url: 'Goal' } }));
      expect((await small.http().post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entry(3) }))).status).toBe(200);
      const over = await small.http().post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entry(4) }));
      expect(over.status).toBe(413);
      expect(over.body.resourceType).toBe('OperationOutcome');
    } finally {
      await small.close();
    }
  });

  it('a bundle that is neither transaction nor batch is 400', async () => {
    expect((await postBundle({ resourceType: 'Bundle', type: 'collection', entry: [] })).status).toBe(400);
  });
});

describe('batch', () => {
  it('processes entries independently, each with its own outcome', async () => {
    const res = await postBundle({
      resourceType: 'Bundle', type: 'batch',
      entry: [
        { resource: { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'ok' }, subject: { reference: 'Patient/x' } }, request: { method: 'POST', url: 'Goal' } },
        { resource: { resourceType: 'Goal', lifecycleStatus: 'not-a-status', description: { text: 'bad' }, subject: { reference: 'Patient/x' } }, request: { method: 'POST', url: 'Goal' } },
        { request: { method: 'GET', url: 'Goal/does-not-exist' } },
        { request: { method: 'GET', url: 'Goal?_count=1' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('batch-response');
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3))).toEqual(['201', '400', '404', '200']);
    expect(res.body.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(res.body.entry[3].resource.type).toBe('searchset');
  });

  it('two entries with the same fullUrl (bdl-7) make the Bundle invalid: 400, no entry processed', async () => {
    const before = await count('Goal');
    const goal = { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'dup' }, subject: { reference: 'Patient/x' } };
    const fullUrl = `urn:uuid:${randomUUID()}`;
    const res = await postBundle({
      resourceType: 'Bundle', type: 'batch',
      entry: [{ fullUrl, resource: goal, request: { method: 'POST', url: 'Goal' } }, { fullUrl, resource: goal, request: { method: 'POST', url: 'Goal' } }],
    });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await count('Goal')).toBe(before);
  });

  it('versions of one resource may share a fullUrl when their meta.versionId differ (bdl-7)', async () => {
    const id = `v-${randomUUID()}`;
    const fullUrl = `${t.base}/Goal/${id}`;
    const goal = (versionId: string) => ({ resourceType: 'Goal', id, meta: { versionId }, lifecycleStatus: 'active', description: { text: `v${versionId}` }, subject: { reference: 'Patient/x' } });
    const res = await postBundle({
      resourceType: 'Bundle', type: 'batch',
      entry: [{ fullUrl, resource: goal('1'), request: { method: 'PUT', url: `Goal/${id}` } }, { fullUrl, resource: goal('2'), request: { method: 'PUT', url: `Goal/${id}` } }],
    });
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3))).toEqual(['201', '200']);
  });
});
