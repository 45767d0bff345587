import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const patient = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  identifier: [{ system: 'http://prss.example.org/fhir/sid/medicaid-id', value: `M${Math.random().toString(36).slice(2, 10)}` }],
  name: [{ family: 'Nguyen', given: ['Lan'] }],
  gender: 'female',
  birthDate: '1988-04-12',
  ...extra,
});

async function countRows(): Promise<number> {
  const rows = await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM resource_version');
  return Number(rows[0].n);
}

describe('create, read, vread', () => {
  it('creates with a server-assigned id and answers 201 with Location, ETag and Last-Modified', async () => {
    const res = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient({ id: 'client-chosen' })));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
    expect(res.body.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(res.body.id).not.toBe('client-chosen');
    expect(res.body.meta.versionId).toBe('1');
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers.location).toBe(`${t.base}/Patient/${res.body.id}/_history/1`);
    expect(new Date(res.headers['last-modified']).toString()).not.toBe('Invalid Date');
    const read = await t.http().get(`/fhir/Patient/${res.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
    expect(read.headers.etag).toBe('W/"1"');
  });

  it('answers Prefer: return=minimal with no body and return=OperationOutcome with an outcome', async () => {
    const minimal = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('Prefer', 'return=minimal').send(JSON.stringify(patient()));
    expect(minimal.status).toBe(201);
    expect(minimal.text).toBe('');
    expect(minimal.headers.location).toContain('/Patient/');
    const oo = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('Prefer', 'return=OperationOutcome').send(JSON.stringify(patient()));
    expect(oo.status).toBe(201);
    expect(oo.body.resourceType).toBe('OperationOutcome');
  });

  it('reads an unknown id as 404 and an unknown type as 404, both with an OperationOutcome', async () => {
    const a = await t.http().get('/fhir/Patient/does-not-exist');
    expect(a.status).toBe(404);
    expect(a.body.resourceType).toBe('OperationOutcome');
    const b = await t.http().get('/fhir/Spaceship/1');
    expect(b.status).toBe(404);
    expect(b.body.resourceType).toBe('OperationOutcome');
  });

  it('vreads every version and 404s a version that never was', async () => {
    const c = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient()));
    const id = c.body.id;
    await t.http().put(`/fhir/Patient/${id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify({ ...c.body, gender: 'other' }));
    const v1 = await t.http().get(`/fhir/Patient/${id}/_history/1`);
    const v2 = await t.http().get(`/fhir/Patient/${id}/_history/2`);
    expect(v1.body.gender).toBe('female');
    expect(v2.body.gender).toBe('other');
    expect((await t.http().get(`/fhir/Patient/${id}/_history/9`)).status).toBe(404);
  });
});

describe('update, versioning, patch, delete, history', () => {
  it('update-as-create: PUT to a new id creates it (201) with that id', async () => {
    const res = await t.http().put('/fhir/Patient/chosen-id-1').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient({ id: 'chosen-id-1' })));
    expect(res.status).toBe(201);
    expect(res.body.id).toBe('chosen-id-1');
  });

  it('a stale If-Match gets 412 and changes nothing; the current one succeeds', async () => {
    const c = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient()));
    const ok = await t.http().put(`/fhir/Patient/${c.body.id}`).set('Content-Type', FHIR_JSON).set('If-Match', 'W/"1"').send(JSON.stringify({ ...c.body, gender: 'male' }));
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe('W/"2"');
    const before = await countRows();
    const stale = await t.http().put(`/fhir/Patient/${c.body.id}`).set('Content-Type', FHIR_JSON).set('If-Match', 'W/"1"').send(JSON.stringify({ ...c.body, gender: 'other' }));
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    expect(await countRows()).toBe(before);
    expect((await t.http().get(`/fhir/Patient/${c.body.id}`)).body.gender).toBe('male');
  });

  it('rejects an update whose body id differs from the URL, or has none', async () => {
    const a = await t.http().put('/fhir/Patient/abc').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient({ id: 'xyz' })));
    expect(a.status).toBe(400);
    const b = await t.http().put('/fhir/Patient/abc').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient()));
    expect(b.status).toBe(400);
  });

  it('applies a JSON Patch as a new version, and a failed test op is 422 leaving the resource as it was', async () => {
    const c = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient()));
    const p = await t.http().patch(`/fhir/Patient/${c.body.id}`).set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/gender', value: 'male' }, { op: 'add', path: '/active', value: true }]));
    expect(p.status).toBe(200);
    expect(p.body.gender).toBe('male');
    expect(p.body.active).toBe(true);
    expect(p.body.meta.versionId).toBe('2');
    const bad = await t.http().patch(`/fhir/Patient/${c.body.id}`).set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'test', path: '/gender', value: 'female' }, { op: 'replace', path: '/gender', value: 'other' }]));
    expect(bad.status).toBe(422);
    expect((await t.http().get(`/fhir/Patient/${c.body.id}`)).body.gender).toBe('male');
    const wrongType = await t.http().patch(`/fhir/Patient/${c.body.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify([]));
    expect(wrongType.status).toBe(415);
  });

  it('deletes: read is then 410, history keeps every version, a delete of a deleted resource is fine', async () => {
    const c = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient()));
    const d = await t.http().delete(`/fhir/Patient/${c.body.id}`);
    expect(d.status).toBe(200);
    expect((await t.http().get(`/fhir/Patient/${c.body.id}`)).status).toBe(410);
    const h = await t.http().get(`/fhir/Patient/${c.body.id}/_history`);
    expect(h.status).toBe(200);
    expect(h.body.type).toBe('history');
    expect(h.body.total).toBe(2);
    expect(h.body.entry[0].request.method).toBe('DELETE');
    expect(h.body.entry[0].resource).toBeUndefined();
    expect(h.body.entry[1].resource.id).toBe(c.body.id);
    expect((await t.http().delete(`/fhir/Patient/${c.body.id}`)).status).toBe(200);
    // Re-creating by PUT after delete is a new version of the same resource.
    const again = await t.http().put(`/fhir/Patient/${c.body.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify({ ...patient(), id: c.body.id }));
    expect(again.status).toBe(201);
    expect(again.body.meta.versionId).toBe('3');
  });

  it('type history lists versions newest first and pages with a next link', async () => {
    for (let i = 0; i < 3; i++) await t.http().post('/fhir/Goal').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Goal', lifecycleStatus: 'active', description: { text: `g${i}` }, subject: { reference: 'Patient/x' } }));
    const h = await t.http().get('/fhir/Goal/_history?_count=2');
    expect(h.status).toBe(200);
    expect(h.body.entry).toHaveLength(2);
    expect(h.body.entry[0].resource.description.text).toBe('g2');
    const next = h.body.link.find((l: { relation: string }) => l.relation === 'next');
    expect(next).toBeDefined();
    const page2 = await t.http().get(new URL(next.url).pathname + new URL(next.url).search);
    expect(page2.body.entry[0].resource.description.text).toBe('g0');
  });
});

describe('conditional interactions', () => {
  it('If-None-Exist: creates once, then returns the match (200); several matches are 412', async () => {
    const body = patient({ identifier: [{ system: 'urn:test:cond', value: 'one' }] });
    const first = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', 'identifier=urn:test:cond|one').send(JSON.stringify(body));
    expect(first.status).toBe(201);
    const second = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', 'identifier=urn:test:cond|one').send(JSON.stringify(body));
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient({ identifier: [{ system: 'urn:test:cond', value: 'two' }], name: [{ family: 'Dup' }] })));
    await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient({ identifier: [{ system: 'urn:test:cond', value: 'three' }], name: [{ family: 'Dup' }] })));
    const several = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', 'family=Dup').send(JSON.stringify(body));
    expect(several.status).toBe(412);
  });

  it('conditional update creates on no match and updates the single match', async () => {
    const body = patient({ identifier: [{ system: 'urn:test:cu', value: 'a' }] });
    const created = await t.http().put('/fhir/Patient?identifier=urn:test:cu|a').set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
    expect(created.status).toBe(201);
    const updated = await t.http().put('/fhir/Patient?identifier=urn:test:cu|a').set('Content-Type', FHIR_JSON).send(JSON.stringify({ ...body, gender: 'male' }));
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    expect(updated.body.meta.versionId).toBe('2');
  });
});

describe('bad input gets an OperationOutcome and changes nothing', () => {
  const cases: [string, () => Promise<{ status: number; body: { resourceType?: string } }>, number][] = [
    ['malformed JSON', () => t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send('{"resourceType": "Patient",'), 400],
    ['a body that is not a resource', () => t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send('[1,2,3]'), 400],
    ['a body without resourceType', () => t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send('{"name":[]}'), 400],
    ['a resourceType that does not match the URL', () => t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send('{"resourceType":"Observation","status":"final","code":{"text":"x"}}'), 400],
    ['an unknown type', () => t.http().post('/fhir/Spaceship').set('Content-Type', FHIR_JSON).send('{"resourceType":"Spaceship"}'), 404],
    ['an id that breaks the FHIR id pattern', () => t.http().put('/fhir/Patient/bad_id!').set('Content-Type', FHIR_JSON).send('{"resourceType":"Patient","id":"bad_id!"}'), 400],
    ['an unknown element', () => t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send('{"resourceType":"Patient","favouriteColour":"blue"}'), 400],
    ['a search value of the wrong form', () => t.http().get('/fhir/Patient?birthdate=not-a-date'), 400],
    ['XML content', () => t.http().post('/fhir/Patient').set('Content-Type', 'application/fhir+xml').send('<Patient xmlns="http://hl7.org/fhir"/>'), 415],
    ['an unsupported media type', () => t.http().post('/fhir/Patient').set('Content-Type', 'image/png').send(Buffer.from([1, 2, 3])), 415],
    ['an XML-only Accept', () => t.http().get('/fhir/metadata').set('Accept', 'application/fhir+xml'), 406],
    ['_format=xml', () => t.http().get('/fhir/metadata?_format=xml'), 406],
  ];
  it.each(cases)('%s', async (_name, call, status) => {
    const before = await countRows();
    const res = await call();
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await countRows()).toBe(before);
  });

  it('a body over the size limit is 413', async () => {
    const small = await startTestApp({ BODY_LIMIT: '1kb' });
    try {
      const res = await small.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify(patient({ text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(4000)}</div>` } })));
      expect(res.status).toBe(413);
      expect(res.body.resourceType).toBe('OperationOutcome');
    } finally {
      await small.close();
    }
  });

  it('a path outside /fhir is a 404 OperationOutcome, never an HTML page', async () => {
    const res = await t.http().get('/nowhere');
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('an unsupported method on a resource path is 405', async () => {
    const res = await t.http().post('/fhir/Patient/123').set('Content-Type', FHIR_JSON).send('{}');
    expect(res.status).toBe(405);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('conformance resources are read-only (405)', async () => {
    const res = await t.http().post('/fhir/StructureDefinition').set('Content-Type', FHIR_JSON).send('{"resourceType":"StructureDefinition"}');
    expect(res.status).toBe(405);
  });
});

describe('requests ids and JSON', () => {
  it('echoes a request id and accepts application/json', async () => {
    const res = await t.http().post('/fhir/Patient').set('Content-Type', 'application/json').set('X-Request-Id', 'req-123').send(JSON.stringify(patient()));
    expect(res.status).toBe(201);
    expect(res.headers['x-request-id']).toBe('req-123');
  });
});
