/** Issue 18 item 7: $meta (system, type, instance), $meta-add and $meta-delete, Parameters in and out. */
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

const TAGS = 'http://example.org/tags';
const SEC = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const metaParams = (meta: Record<string, unknown>) => ({ resourceType: 'Parameters', parameter: [{ name: 'meta', valueMeta: meta }] });
const returned = (body: { resourceType: string; parameter: { name: string; valueMeta: { tag?: { system?: string; code: string }[]; profile?: string[]; security?: { code: string }[]; versionId?: string } }[] }) => {
  expect(body.resourceType).toBe('Parameters');
  expect(body.parameter.map((p) => p.name)).toEqual(['return']);
  return body.parameter[0].valueMeta;
};
const codes = (list: { code: string }[] | undefined) => (list ?? []).map((c) => c.code).sort();

let t: TestApp;
let id: string;
beforeAll(async () => {
  t = await startTestApp({ VALIDATE_ON_WRITE: 'structure' });
  const res = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', meta: { tag: [{ system: TAGS, code: 'intake' }] }, name: [{ family: 'Meta' }] });
  expect(res.status).toBe(201);
  id = res.body.id;
});
afterAll(async () => t.close());

const post = (path: string, body: unknown) => t.http().post(path).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));

describe('$meta on an instance', () => {
  it('returns the meta a read would, by GET and by POST with an empty Parameters', async () => {
    const get = await t.http().get(`/fhir/Patient/${id}/$meta`);
    expect(get.status).toBe(200);
    const meta = returned(get.body);
    expect(meta.versionId).toBe('1');
    expect(meta.tag).toEqual([{ system: TAGS, code: 'intake' }]);
    const viaPost = await post(`/fhir/Patient/${id}/$meta`, { resourceType: 'Parameters' });
    expect(returned(viaPost.body)).toEqual(meta);
  });
});

describe('$meta-add and $meta-delete', () => {
  it('adds tags, security labels and profiles as sets (a tag is its system and code; display is ignored), in a new version that search sees', async () => {
    const res = await post(`/fhir/Patient/${id}/$meta-add`, metaParams({
      tag: [{ system: TAGS, code: 'intake', display: 'another display' }, { system: TAGS, code: 'reviewed' }],
      security: [{ system: SEC, code: 'PSY' }],
      profile: ['http://example.org/StructureDefinition/member'],
    }));
    expect(res.status).toBe(200);
    const meta = returned(res.body);
    expect(meta.tag).toEqual([{ system: TAGS, code: 'intake' }, { system: TAGS, code: 'reviewed' }]);
    expect(codes(meta.security)).toEqual(['PSY']);
    expect(meta.profile).toEqual(['http://example.org/StructureDefinition/member']);
    expect(meta.versionId).toBe('2');
    expect(res.headers.etag).toBe('W/"2"');
    const read = await t.http().get(`/fhir/Patient/${id}`);
    expect(read.body.meta.tag).toHaveLength(2);
    expect(read.body.name).toEqual([{ family: 'Meta' }]);
    const found = await t.http().get(`/fhir/Patient?_tag=${encodeURIComponent(`${TAGS}|reviewed`)}`);
    expect(found.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([id]);
  });

  it('writes nothing when everything given is already there', async () => {
    const res = await post(`/fhir/Patient/${id}/$meta-add`, metaParams({ tag: [{ system: TAGS, code: 'reviewed' }] }));
    expect(res.status).toBe(200);
    expect(returned(res.body).versionId).toBe('2');
    const history = await t.http().get(`/fhir/Patient/${id}/_history`);
    expect(history.body.entry).toHaveLength(2);
  });

  it('deletes by system and code and by profile URL, in a new version; search no longer finds the tag', async () => {
    const res = await post(`/fhir/Patient/${id}/$meta-delete`, metaParams({ tag: [{ system: TAGS, code: 'reviewed' }, { system: TAGS, code: 'never-there' }], profile: ['http://example.org/StructureDefinition/member'] }));
    expect(res.status).toBe(200);
    const meta = returned(res.body);
    expect(meta.tag).toEqual([{ system: TAGS, code: 'intake' }]);
    expect(meta.profile).toBeUndefined();
    expect(codes(meta.security)).toEqual(['PSY']);
    expect(meta.versionId).toBe('3');
    const found = await t.http().get(`/fhir/Patient?_tag=${encodeURIComponent(`${TAGS}|reviewed`)}`);
    expect(found.body.entry ?? []).toEqual([]);
  });

  it('answers bad input with 400 and an OperationOutcome, changing nothing', async () => {
    const bad: [string, unknown][] = [
      ['no meta parameter', { resourceType: 'Parameters' }],
      ['an unknown parameter', { resourceType: 'Parameters', parameter: [{ name: 'tag', valueString: 'x' }] }],
      ['a meta without valueMeta', { resourceType: 'Parameters', parameter: [{ name: 'meta', valueString: 'x' }] }],
      ['a tag without a code', metaParams({ tag: [{ system: TAGS }] })],
      ['a profile that is not a URL', metaParams({ profile: ['not a url'] })],
      ['an empty meta', metaParams({})],
      ['two metas', { resourceType: 'Parameters', parameter: [{ name: 'meta', valueMeta: { tag: [{ code: 'a' }] } }, { name: 'meta', valueMeta: { tag: [{ code: 'b' }] } }] }],
      ['a resource instead of Parameters', { resourceType: 'Patient' }],
    ];
    for (const [what, body] of bad) {
      const res = await post(`/fhir/Patient/${id}/$meta-add`, body);
      expect([what, res.status, res.body.resourceType]).toEqual([what, 400, 'OperationOutcome']);
    }
    const none = await t.http().post(`/fhir/Patient/${id}/$meta-delete`);
    expect(none.status).toBe(400);
    expect((await t.http().get(`/fhir/Patient/${id}`)).body.meta.versionId).toBe('3');
    expect((await t.http().get(`/fhir/Patient/${id}/$meta-add`)).status).toBe(405);
    expect((await t.http().get(`/fhir/Patient/${id}/$meta?x=1`)).status).toBe(400);
  });

  it('answers an unknown resource with 404 and a deleted one with 410', async () => {
    const unknown = await post('/fhir/Patient/no-such-patient/$meta-add', metaParams({ tag: [{ code: 'x' }] }));
    expect(unknown.status).toBe(404);
    const gone = await post('/fhir/Patient', { resourceType: 'Patient' });
    await t.http().delete(`/fhir/Patient/${gone.body.id}`);
    expect((await post(`/fhir/Patient/${gone.body.id}/$meta-add`, metaParams({ tag: [{ code: 'x' }] }))).status).toBe(410);
    expect((await t.http().get(`/fhir/Patient/${gone.body.id}/$meta`)).status).toBe(410);
  });
});

describe('$meta across a type and the system', () => {
  it('lists every tag, security label and profile in use on current resources, once each; deleted resources count for nothing', async () => {
    await post('/fhir/Patient', { resourceType: 'Patient', meta: { tag: [{ system: TAGS, code: 'intake' }, { system: TAGS, code: 'outreach' }] } });
    const doomed = await post('/fhir/Patient', { resourceType: 'Patient', meta: { tag: [{ system: TAGS, code: 'doomed' }] } });
    await t.http().delete(`/fhir/Patient/${doomed.body.id}`);
    await post('/fhir/Observation', { resourceType: 'Observation', meta: { tag: [{ system: TAGS, code: 'lab' }] }, status: 'final', code: { text: 'x' } });
    const type = returned((await t.http().get('/fhir/Patient/$meta')).body);
    expect(codes(type.tag)).toEqual(['intake', 'outreach']);
    expect(codes(type.security)).toEqual(['PSY']);
    const system = await post('/fhir/$meta', { resourceType: 'Parameters' });
    expect(system.status).toBe(200);
    expect(codes(returned(system.body).tag)).toEqual(['intake', 'lab', 'outreach']);
  });

  it('is declared in the CapabilityStatement at the system level and on every type, with the official definitions', async () => {
    const cs = (await t.http().get('/fhir/metadata')).body;
    expect(cs.rest[0].operation).toContainEqual({ name: 'meta', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-meta' });
    const claim = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Claim');
    expect(claim.operation).toContainEqual({ name: 'meta-add', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-meta-add' });
    expect(claim.operation).toContainEqual({ name: 'meta-delete', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-meta-delete' });
    expect(claim.operation).toContainEqual({ name: 'meta', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-meta' });
  });
});

describe('$meta-add validates like any write', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startTestApp();
  }, 180_000);
  afterAll(async () => strict?.close());

  it('refuses with 422 a profile the resource does not conform to (prss-member needs identifier, name, gender, birthDate), and stores nothing', async () => {
    const p = await strict.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Patient' }));
    const res = await strict.http().post(`/fhir/Patient/${p.body.id}/$meta-add`).set('Content-Type', FHIR_JSON).send(JSON.stringify(metaParams({ profile: ['http://prss.example.org/fhir/StructureDefinition/prss-member'] })));
    expect([res.status, res.body.resourceType]).toEqual([422, 'OperationOutcome']);
    expect((await strict.http().get(`/fhir/Patient/${p.body.id}`)).body.meta.versionId).toBe('1');
  });
});
