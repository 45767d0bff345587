/** Issue 18 item 5: read and vread take _summary, _elements, _pretty and _format as search does; HEAD on every GET route; If-Modified-Since. */
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
let id: string;
let lastModified: string;
beforeAll(async () => {
  t = await startTestApp();
  const res = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify({
    resourceType: 'Patient',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Lan Nguyen</div>' },
    identifier: [{ system: 'http://prss.example.org/fhir/sid/medicaid-id', value: 'READOPT1' }],
    name: [{ family: 'Nguyen', given: ['Lan'] }],
    gender: 'female',
    birthDate: '1988-04-12',
    maritalStatus: { text: 'single' },
    contact: [{ name: { family: 'Nguyen', given: ['Mai'] } }],
  }));
  expect(res.status).toBe(201);
  id = res.body.id;
  lastModified = res.headers['last-modified'];
});
afterAll(async () => t.close());

const SUBSETTED = (body: { meta?: { tag?: { code?: string }[] } }) => (body.meta?.tag ?? []).some((x) => x.code === 'SUBSETTED');

describe('_summary and _elements on read and vread', () => {
  it('_summary=true keeps the summary elements only (contact and maritalStatus are not summary in R4) and tags SUBSETTED', async () => {
    const res = await t.http().get(`/fhir/Patient/${id}?_summary=true`);
    expect(res.status).toBe(200);
    expect(res.body.name).toEqual([{ family: 'Nguyen', given: ['Lan'] }]);
    expect(res.body.birthDate).toBe('1988-04-12');
    expect(res.body.contact).toBeUndefined();
    expect(res.body.maritalStatus).toBeUndefined();
    expect(res.body.text).toBeUndefined();
    expect(SUBSETTED(res.body)).toBe(true);
    expect(res.headers.etag).toBe('W/"1"');
  });

  it('_summary=text keeps the narrative, _summary=data drops it, _summary=false is the whole resource untagged', async () => {
    const text = await t.http().get(`/fhir/Patient/${id}?_summary=text`);
    expect(text.body.text.div).toContain('Lan Nguyen');
    expect(text.body.contact).toBeUndefined();
    expect(SUBSETTED(text.body)).toBe(true);
    const data = await t.http().get(`/fhir/Patient/${id}?_summary=data`);
    expect(data.body.text).toBeUndefined();
    expect(data.body.contact).toHaveLength(1);
    expect(SUBSETTED(data.body)).toBe(true);
    const all = await t.http().get(`/fhir/Patient/${id}?_summary=false`);
    expect(all.body.contact).toHaveLength(1);
    expect(all.body.text).toBeDefined();
    expect(SUBSETTED(all.body)).toBe(false);
  });

  it('_elements returns the named elements with id and meta, tagged SUBSETTED', async () => {
    const res = await t.http().get(`/fhir/Patient/${id}?_elements=gender,identifier`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['gender', 'id', 'identifier', 'meta', 'resourceType']);
    expect(SUBSETTED(res.body)).toBe(true);
  });

  it('vread takes _elements and _summary too', async () => {
    const el = await t.http().get(`/fhir/Patient/${id}/_history/1?_elements=birthDate`);
    expect(el.status).toBe(200);
    expect(Object.keys(el.body).sort()).toEqual(['birthDate', 'id', 'meta', 'resourceType']);
    expect(SUBSETTED(el.body)).toBe(true);
    const sum = await t.http().get(`/fhir/Patient/${id}/_history/1?_summary=true`);
    expect(sum.body.contact).toBeUndefined();
    expect(SUBSETTED(sum.body)).toBe(true);
  });

  it('answers _summary=count, an unknown _summary and a malformed _elements on read with 400 and an OperationOutcome', async () => {
    for (const q of ['_summary=count', '_summary=maybe', '_elements=name.given', '_summary=true&_elements=name']) {
      const res = await t.http().get(`/fhir/Patient/${id}?${q}`);
      expect([q, res.status, res.body.resourceType]).toEqual([q, 400, 'OperationOutcome']);
    }
  });
});

describe('_pretty and _format', () => {
  it('_pretty=true indents the body; without it the body is compact', async () => {
    const pretty = await t.http().get(`/fhir/Patient/${id}?_pretty=true`);
    expect(pretty.text).toMatch(/^\{\n {2}"resourceType": "Patient",\n/);
    expect(JSON.parse(pretty.text).id).toBe(id);
    const compact = await t.http().get(`/fhir/Patient/${id}?_pretty=false`);
    expect(compact.text).not.toContain('\n');
    const search = await t.http().get('/fhir/Patient?_pretty=true&_count=1');
    expect(search.text).toContain('\n  "type": "searchset"');
  });

  it('_format json, application/json and application/fhir+json are answered in FHIR JSON, even when Accept names XML', async () => {
    for (const f of ['json', 'application/json', 'application/fhir+json', 'application/fhir+json;fhirVersion=4.0']) {
      const res = await t.http().get(`/fhir/Patient/${id}?_format=${encodeURIComponent(f)}`).set('Accept', 'application/fhir+xml');
      expect([f, res.status, res.body.id]).toEqual([f, 200, id]);
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    }
  });

  it('_format xml in any form is 406 with an OperationOutcome, on read and on search', async () => {
    for (const f of ['xml', 'text/xml', 'application/xml', 'application/fhir+xml']) {
      for (const path of [`/fhir/Patient/${id}`, '/fhir/Patient']) {
        const res = await t.http().get(`${path}?_format=${encodeURIComponent(f)}`);
        expect([f, path, res.status, res.body.resourceType]).toEqual([f, path, 406, 'OperationOutcome']);
      }
    }
    const other = await t.http().get(`/fhir/Patient/${id}?_format=turtle`);
    expect(other.status).toBe(406);
  });
});

describe('HEAD on every GET route', () => {
  it('answers HEAD as GET, with the same status and headers and no body', async () => {
    const paths = [`/fhir/Patient/${id}`, `/fhir/Patient/${id}/_history/1`, `/fhir/Patient/${id}/_history`, '/fhir/Patient?_count=1', '/fhir/Patient/_history', '/fhir/metadata', `/fhir/Patient/${id}/$everything`];
    for (const path of paths) {
      const get = await t.http().get(path);
      const head = await t.http().head(path);
      expect([path, head.status]).toEqual([path, get.status]);
      expect([path, head.text ?? '']).toEqual([path, '']);
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      if (get.headers.etag) expect(head.headers.etag).toBe(get.headers.etag);
      if (get.headers['last-modified']) expect(head.headers['last-modified']).toBe(get.headers['last-modified']);
    }
    const read = await t.http().head(`/fhir/Patient/${id}`);
    const body = await t.http().get(`/fhir/Patient/${id}`);
    expect(read.headers['content-length']).toBe(String(Buffer.byteLength(body.text)));
  });

  it('answers HEAD of something missing with the status alone', async () => {
    const res = await t.http().head('/fhir/Patient/not-there');
    expect(res.status).toBe(404);
    expect(res.text ?? '').toBe('');
  });
});

describe('If-Modified-Since on read', () => {
  it('is 304 with no body when the resource is unchanged since that time (the same second included), 200 when changed after it', async () => {
    const same = await t.http().get(`/fhir/Patient/${id}`).set('If-Modified-Since', lastModified);
    expect(same.status).toBe(304);
    expect(same.text ?? '').toBe('');
    expect(same.headers.etag).toBe('W/"1"');
    const later = await t.http().get(`/fhir/Patient/${id}`).set('If-Modified-Since', new Date(Date.parse(lastModified) + 60_000).toUTCString());
    expect(later.status).toBe(304);
    const earlier = await t.http().get(`/fhir/Patient/${id}`).set('If-Modified-Since', new Date(Date.parse(lastModified) - 1000).toUTCString());
    expect(earlier.status).toBe(200);
    expect(earlier.body.id).toBe(id);
  });

  it('ignores an unparseable date (200) and lets If-None-Match decide when both are sent', async () => {
    const bad = await t.http().get(`/fhir/Patient/${id}`).set('If-Modified-Since', 'yesterday-ish');
    expect(bad.status).toBe(200);
    const both = await t.http().get(`/fhir/Patient/${id}`).set('If-None-Match', 'W/"7"').set('If-Modified-Since', new Date(Date.parse(lastModified) + 60_000).toUTCString());
    expect(both.status).toBe(200);
  });
});
