/** `_filter`, translated to the same criteria (and SQL) as ordinary parameters, on both stores. */
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
const SEED = [
  { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1980-05-01', name: [{ family: 'Whitaker', given: ['Ann'] }], identifier: [{ system: 'urn:mrn', value: 'W1' }] },
  { resourceType: 'Patient', id: 'p2', gender: 'male', birthDate: '1990-01-15', name: [{ family: 'Whitman', given: ['Bob'] }] },
  { resourceType: 'Patient', id: 'p3', gender: 'male', birthDate: '2001-07-30', name: [{ family: 'Ortega', given: ['Luis'] }], identifier: [{ system: 'urn:mrn', value: 'O3' }] },
  { resourceType: 'Patient', id: 'p4', name: [{ family: 'Van, Dyke' }] },
  { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p1' }, period: { start: '2026-03-01', end: '2026-03-10' } },
  { resourceType: 'Encounter', id: 'e2', status: 'planned', class: { code: 'AMB' }, subject: { reference: 'Patient/p3' }, period: { start: '2026-04-01', end: '2026-04-02' } },
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

const matches = async (type: string, filter: string) => {
  const res = await t.http().get(`/fhir/${type}`).query({ _filter: filter });
  expect([filter, res.status]).toEqual([filter, 200]);
  expect((res.body.entry ?? []).filter((e: { search: { mode: string } }) => e.search.mode === 'outcome')).toEqual([]);
  return (res.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
};

describe('_filter', () => {
  it('string operators: eq (whole value), co, sw, ew, ne', async () => {
    expect(await matches('Patient', 'family eq whitaker')).toEqual(['p1']);
    expect(await matches('Patient', 'family eq whit')).toEqual([]);
    expect(await matches('Patient', 'family sw whit')).toEqual(['p1', 'p2']);
    expect(await matches('Patient', 'family co rteg')).toEqual(['p3']);
    expect(await matches('Patient', 'family ew man')).toEqual(['p2']);
    expect(await matches('Patient', 'family ne whitaker')).toEqual(['p2', 'p3', 'p4']);
    expect(await matches('Patient', 'family eq "Van, Dyke"')).toEqual(['p4']);
  });

  it('token, date and presence', async () => {
    expect(await matches('Patient', 'gender eq male')).toEqual(['p2', 'p3']);
    expect(await matches('Patient', 'identifier eq urn:mrn|W1')).toEqual(['p1']);
    expect(await matches('Patient', 'birthdate ge 1990-01-01')).toEqual(['p2', 'p3']);
    expect(await matches('Patient', 'birthdate lt 1990')).toEqual(['p1']);
    expect(await matches('Patient', 'gender pr false')).toEqual(['p4']);
    expect(await matches('Encounter', 'date po 2026-03-05')).toEqual(['e1']);
    expect(await matches('Encounter', 'date sa 2026-03-15')).toEqual(['e2']);
  });

  it('and, or, not and parentheses', async () => {
    expect(await matches('Patient', 'gender eq male and birthdate gt 2000-01-01')).toEqual(['p3']);
    expect(await matches('Patient', 'gender eq female or family sw ort')).toEqual(['p1', 'p3']);
    expect(await matches('Patient', 'not (gender eq male) and family pr true')).toEqual(['p1', 'p4']);
    expect(await matches('Patient', '(gender eq female or gender eq male) and not (identifier pr true)')).toEqual(['p2']);
    expect(await matches('Patient', 'family sw wh and (given eq ann or given eq luis)')).toEqual(['p1']);
  });

  it('parameter paths chain, and _id / _lastUpdated work', async () => {
    expect(await matches('Encounter', 'patient.family eq ortega')).toEqual(['e2']);
    expect(await matches('Encounter', 'subject:Patient.gender eq female or status eq planned')).toEqual(['e1', 'e2']);
    expect(await matches('Patient', '_id eq p2 or _id eq p4')).toEqual(['p2', 'p4']);
    expect(await matches('Patient', '_lastUpdated gt 2000-01-01 and _id ne p1')).toEqual(['p2', 'p3', 'p4']);
  });

  it('combines with ordinary parameters and pages with them', async () => {
    const res = await t.http().get('/fhir/Patient').query({ _filter: 'gender eq male or gender eq female', _count: '1', _sort: '_id' });
    expect(res.body.total).toBe(3);
    const next = res.body.link.find((l: { relation: string }) => l.relation === 'next');
    expect(new URL(next.url).searchParams.get('_filter')).toBe('gender eq male or gender eq female');
  });

  it('bad filters are 400; unsupported comparisons are reported (a 400 when strict)', async () => {
    for (const f of ['family eq', 'family gt x', 'gender co ma', 'birthdate co 1990', '(gender eq male', 'gender pr maybe', 'birthdate eq yesterday']) {
      const res = await t.http().get('/fhir/Patient').query({ _filter: f });
      expect([f, res.status]).toEqual([f, 400]);
    }
    const lenient = await t.http().get('/fhir/Patient').query({ _filter: 'language in http://hl7.org/fhir/ValueSet/languages' });
    expect(lenient.status).toBe(200);
    const outcome = lenient.body.entry.find((e: { search: { mode: string } }) => e.search.mode === 'outcome');
    expect(outcome.resource.issue[0].diagnostics).toMatch(/terminology service/);
    expect(new URL(lenient.body.link[0].url).searchParams.has('_filter')).toBe(false);
    const strict = await t.http().get('/fhir/Patient').query({ _filter: 'shoe-size eq 12' }).set('Prefer', 'handling=strict');
    expect(strict.status).toBe(400);
  });
});
