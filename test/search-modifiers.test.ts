/**
 * Modifiers and text search: `:identifier` on references, `:of-type` on identifiers, `:text` on
 * strings, `_content` and `_text` (PostgreSQL full-text search), and what stays unsupported
 * (`:in`, `:not-in`, `:above`, `:below` until a terminology service exists): listed in the outcome
 * entry and left out of the self link, a 400 under Prefer: handling=strict.
 */
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
const MR = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] };
const SEED = [
  {
    resourceType: 'Patient', id: 'p1', name: [{ family: 'Whitaker', given: ['Mary Ann'] }],
    identifier: [{ type: MR, system: 'urn:mrn', value: '446053' }, { system: 'urn:ssn', value: '111' }],
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Mary walked to the <b>recovery</b> meeting</p></div>' },
  },
  {
    resourceType: 'Patient', id: 'p2', name: [{ family: 'Annabel', given: ['Joe'] }],
    identifier: [{ system: 'urn:mrn', value: '446053' }],
    address: [{ city: 'Richmond' }],
  },
  // A logical reference: no literal reference, only the identifier.
  { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { identifier: { system: 'urn:mrn', value: '446053' } } },
  { resourceType: 'Encounter', id: 'e2', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p1' } },
];

beforeAll(async () => {
  t = await startTestApp({ VALIDATE_ON_WRITE: 'structure' });
  const res = await t.http().post('/fhir').set('Content-Type', FHIR_JSON).send({
    resourceType: 'Bundle', type: 'transaction',
    entry: SEED.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
  });
  expect(res.status).toBe(200);
});
afterAll(async () => t.close());

type Bundle = { link: { relation: string; url: string }[]; entry?: { resource: { id: string; issue?: { severity: string; code: string; diagnostics: string }[] }; search: { mode: string } }[] };
const get = (url: string) => t.http().get(url);
const matches = async (url: string) => {
  const res = await get(url);
  expect([url, res.status]).toEqual([url, 200]);
  return ((res.body as Bundle).entry ?? []).filter((e) => e.search.mode === 'match').map((e) => e.resource.id).sort();
};

describe('modifiers', () => {
  it(':identifier finds references by their identifier', async () => {
    expect(await matches('/fhir/Encounter?subject:identifier=urn:mrn|446053')).toEqual(['e1']);
    expect(await matches('/fhir/Encounter?subject:identifier=urn:mrn|999')).toEqual([]);
  });

  it(':of-type finds identifiers by type coding and value', async () => {
    expect(await matches('/fhir/Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|446053')).toEqual(['p1']);
    expect(await matches('/fhir/Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|SS|446053')).toEqual([]);
    expect((await get('/fhir/Patient?identifier:of-type=MR|446053')).status).toBe(400);
  });

  it(':text on a string matches whole words, anywhere in the value', async () => {
    expect(await matches('/fhir/Patient?name:text=ann')).toEqual(['p1']); // `Annabel` is not the word `ann`
    expect(await matches('/fhir/Patient?name=ann')).toEqual(['p2']); // starts-with
    expect(await matches('/fhir/Patient?name:text=mary ann')).toEqual(['p1']);
  });

  it('a modifier the spec does not define for the type is 400', async () => {
    for (const q of ['Patient?birthdate:exact=2000', 'Patient?name:nope=x', 'Patient?identifier:exact=1']) {
      const res = await get(`/fhir/${q}`);
      expect([q, res.status]).toEqual([q, 400]);
    }
  });
});

describe('_content and _text', () => {
  it('_content searches every string of the resource, with stemming and web-search syntax', async () => {
    expect(await matches('/fhir/Patient?_content=richmond')).toEqual(['p2']);
    expect(await matches('/fhir/Patient?_content=whitaker')).toEqual(['p1']);
    expect(await matches('/fhir/Patient?_content=walking')).toEqual(['p1']); // the narrative is a string too
    expect(await matches('/fhir/Patient?_content=whitaker,richmond')).toEqual(['p1', 'p2']);
    expect(await matches('/fhir/Patient?_content="whitaker richmond"')).toEqual([]);
  });

  it('_text searches the narrative only', async () => {
    expect(await matches('/fhir/Patient?_text=recovery meeting')).toEqual(['p1']);
    expect(await matches('/fhir/Patient?_text=whitaker')).toEqual([]);
    expect(await matches('/fhir/Patient?_text=recovery -meeting')).toEqual([]);
  });
});

describe('unsupported stays visible', () => {
  it.each([
    ['Patient?language:in=http://hl7.org/fhir/ValueSet/languages', 'language:in'],
    ['Patient?language:not-in=http://hl7.org/fhir/ValueSet/languages', 'language:not-in'],
    ['Observation?code:below=http://loinc.org|8480-6', 'code:below'],
    ['Observation?code:above=http://loinc.org|8480-6', 'code:above'],
    ['Location?near=42.25|-83.69|10|km', 'near'],
    ['Patient?_list=abc', '_list'],
  ])('%s is listed in the outcome, left out of self, and a 400 when strict', async (q, name) => {
    const res = await get(`/fhir/${q}&_id=x1`);
    expect(res.status).toBe(200);
    const body = res.body as Bundle;
    const outcome = body.entry!.find((e) => e.search.mode === 'outcome')!;
    expect(outcome.resource.issue!.map((i) => [i.severity, i.code])).toEqual([['warning', 'not-supported']]);
    expect(outcome.resource.issue![0].diagnostics).toContain(name);
    const self = new URL(body.link.find((l) => l.relation === 'self')!.url);
    expect(self.searchParams.has(name)).toBe(false);
    expect(self.searchParams.get('_id')).toBe('x1');
    const strict = await t.http().get(`/fhir/${q}`).set('Prefer', 'handling=strict');
    expect(strict.status).toBe(400);
    expect(strict.body.resourceType).toBe('OperationOutcome');
  });

  it('a terminology modifier with a value of the wrong form is 400 even when lenient', async () => {
    expect((await get('/fhir/Patient?language:in=not a url')).status).toBe(400);
  });
});
