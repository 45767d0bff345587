/**
 * Composite search parameters from the R4 definitions: each value's components must match within
 * one element (one Observation, or one of its components), never across elements.
 */
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const mmHg = (value: number) => ({ value, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' });
const code = (c: string) => ({ coding: [{ system: LOINC, code: c }] });
const obs = (id: string, extra: Record<string, unknown>) => ({ resourceType: 'Observation', id, status: 'final', ...extra });
const SEED = [
  obs('o1', { code: code('8480-6'), valueQuantity: mmHg(120) }),
  obs('o2', { code: code('8480-6'), valueQuantity: mmHg(90) }),
  // Blood pressure panels: systolic 8480-6, diastolic 8462-4. o4 swaps the values, so a search that
  // matched code and value in different components would wrongly find it.
  obs('o3', { code: code('85354-9'), component: [{ code: code('8480-6'), valueQuantity: mmHg(150) }, { code: code('8462-4'), valueQuantity: mmHg(95) }] }),
  obs('o4', { code: code('85354-9'), component: [{ code: code('8480-6'), valueQuantity: mmHg(95) }, { code: code('8462-4'), valueQuantity: mmHg(150) }] }),
  obs('o5', { code: code('72166-2'), valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '8517006' }] } }),
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

const matches = async (query: string) => {
  const res = await t.http().get(`/fhir/Observation?${query}`);
  expect([query, res.status]).toEqual([query, 200]);
  expect((res.body.entry ?? []).filter((e: { search: { mode: string } }) => e.search.mode === 'outcome')).toEqual([]);
  return (res.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
};
const q = (s: string) => s.replace(/\|/g, '%7C').replace(/\$/g, '%24');

describe('composite parameters', () => {
  it('code-value-quantity: code and value of the Observation itself', async () => {
    expect(await matches(q(`code-value-quantity=${LOINC}|8480-6$gt100`))).toEqual(['o1']);
    expect(await matches(q(`code-value-quantity=${LOINC}|8480-6$lt100,${LOINC}|8480-6$gt110`))).toEqual(['o1', 'o2']);
    expect(await matches(q(`code-value-quantity=8480-6$120|${UCUM}|mm[Hg]`))).toEqual(['o1']);
    expect(await matches(q(`code-value-quantity=8462-4$gt0`))).toEqual([]);
  });

  it('component-code-value-quantity: code and value of the same component', async () => {
    expect(await matches(q(`component-code-value-quantity=${LOINC}|8480-6$gt140`))).toEqual(['o3']);
    expect(await matches(q('component-code-value-quantity=8462-4$gt140'))).toEqual(['o4']);
    expect(await matches(q('component-code-value-quantity=8480-6$gt140&component-code-value-quantity=8462-4$lt100'))).toEqual(['o3']);
  });

  it('combo-code-value-quantity: the Observation or any of its components', async () => {
    expect(await matches(q('combo-code-value-quantity=8480-6$gt100'))).toEqual(['o1', 'o3']);
  });

  it('token$token and :missing', async () => {
    expect(await matches(q('code-value-concept=72166-2$http://snomed.info/sct|8517006'))).toEqual(['o5']);
    expect(await matches('component-code-value-quantity:missing=true')).toEqual(['o1', 'o2', 'o5']);
  });

  it('a value without every component, or of the wrong form, is 400', async () => {
    for (const v of ['8480-6', '8480-6$gt100$1', '8480-6$high', '$100']) {
      const res = await t.http().get(`/fhir/Observation?${q(`code-value-quantity=${v}`)}`);
      expect([v, res.status]).toEqual([v, 400]);
    }
  });
});
