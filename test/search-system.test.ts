/**
 * System-level search: `GET [base]?_type=…`, `GET [base]?_lastUpdated=…` across types with paging,
 * and `POST [base]/_search` with a form body merged with the URL's parameters.
 */
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
let mark = '';
type Bundle = { total?: number; link?: { relation: string; url: string }[]; entry?: { fullUrl: string; resource: { resourceType: string; id: string }; search: { mode: string } }[] };
const get = (url: string) => t.http().get(url.startsWith('http') ? new URL(url).pathname + new URL(url).search : url);
const keys = (b: Bundle) => (b.entry ?? []).filter((e) => e.search.mode === 'match').map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();
const put = async (r: { resourceType: string; id: string } & Record<string, unknown>) => {
  const res = await t.http().put(`/fhir/${r.resourceType}/${r.id}`).set('Content-Type', FHIR_JSON).send(r);
  expect(res.status).toBe(201);
  return res;
};

beforeAll(async () => {
  t = await startTestApp({ VALIDATE_ON_WRITE: 'structure' });
  await put({ resourceType: 'Organization', id: 'old-org', name: 'Old' });
  mark = (await t.http().get('/fhir/Organization/old-org')).body.meta.lastUpdated;
  await put({ resourceType: 'Patient', id: 'p1', identifier: [{ system: 'urn:x', value: '1' }] });
  await put({ resourceType: 'Patient', id: 'p2', identifier: [{ system: 'urn:x', value: '2' }] });
  await put({ resourceType: 'Practitioner', id: 'd1', identifier: [{ system: 'urn:x', value: '1' }] });
  await put({ resourceType: 'Organization', id: 'o1', name: 'New', identifier: [{ system: 'urn:x', value: '1' }] });
  await put({ resourceType: 'Patient', id: 'gone' });
  expect((await t.http().delete('/fhir/Patient/gone')).status).toBe(200);
});
afterAll(async () => t.close());

describe('system-level search', () => {
  it('GET [base]?_type= searches the named types', async () => {
    const res = await get('/fhir?_type=Patient,Practitioner');
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('searchset');
    expect(keys(res.body)).toEqual(['Patient/p1', 'Patient/p2', 'Practitioner/d1']);
    expect(res.body.total).toBe(3);
    expect(res.body.entry[0].fullUrl).toMatch(/\/fhir\/(Patient|Practitioner)\/\w+$/);
  });

  it('GET [base]?_lastUpdated= searches every type, deleted resources left out', async () => {
    const res = await get(`/fhir?_lastUpdated=gt${encodeURIComponent(mark)}`);
    expect(keys(res.body)).toEqual(['Organization/o1', 'Patient/p1', 'Patient/p2', 'Practitioner/d1']);
    expect(keys((await get(`/fhir?_lastUpdated=le${encodeURIComponent(mark)}&_type=Organization`)).body)).toEqual(['Organization/old-org']);
  });

  it('takes a parameter the types of _type all define', async () => {
    expect(keys((await get('/fhir?_type=Patient,Practitioner,Organization&identifier=urn:x|1')).body)).toEqual(['Organization/o1', 'Patient/p1', 'Practitioner/d1']);
    // `name` is a string in Organization and Practitioner alike; `gender` is not a parameter of Organization.
    const res = await get('/fhir?_type=Patient,Organization&gender=male');
    expect(res.status).toBe(200);
    const outcome = (res.body as Bundle).entry!.find((e) => e.search.mode === 'outcome');
    expect(outcome).toBeDefined();
    expect((await t.http().get('/fhir?_type=Patient,Organization&gender=male').set('Prefer', 'handling=strict')).status).toBe(400);
  });

  it('pages across types with next links that keep _type', async () => {
    const seen: string[] = [];
    let res = await get('/fhir?_type=Patient,Practitioner,Organization&_count=2&_sort=_id');
    expect(res.body.total).toBe(5);
    expect(new URL(res.body.link[0].url).pathname).toBe('/fhir');
    for (;;) {
      seen.push(...keys(res.body));
      const next = (res.body as Bundle).link!.find((l) => l.relation === 'next');
      if (!next) break;
      expect(new URL(next.url).searchParams.get('_type')).toBe('Patient,Practitioner,Organization');
      res = await get(next.url);
    }
    expect(seen.sort()).toEqual(['Organization/o1', 'Organization/old-org', 'Patient/p1', 'Patient/p2', 'Practitioner/d1']);
  });

  it('POST [base]/_search merges the form body with the URL parameters', async () => {
    const res = await t.http().post('/fhir/_search?_type=Patient').set('Content-Type', 'application/x-www-form-urlencoded').send('identifier=urn:x|2');
    expect(res.status).toBe(200);
    expect(keys(res.body)).toEqual(['Patient/p2']);
  });

  it('bad input is 400: unknown type, sort by a type parameter', async () => {
    for (const q of ['_type=Nope', '_type=Patient&_sort=birthdate']) {
      const res = await get(`/fhir?${q}`);
      expect([q, res.status, res.body.resourceType]).toEqual([q, 400, 'OperationOutcome']);
    }
  });
});
