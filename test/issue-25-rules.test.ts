/**
 * The five rules of issue 25 through the whole app: Claim/$validate reports each one once the stored
 * record it reads changes (so the rule context cache lets go of what it held), and a plan without its
 * assessment is stored (prss-rrwp no longer requires supportingInfo) and reported by va-assessment-required.
 */
import type { Bundle, CarePlan, Claim, FhirResource, Organization, PractitionerRole } from 'fhir/r4';
import { buildScenario, npiFrom, ref } from '../src/prss/scenario';
import { SYSTEM } from '../src/prss/terminology';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RULES = 'http://prss.example.org/fhir/CodeSystem/prss-rule';
const findings = (oo: Any) => oo.issue
  .filter((i: Any) => i.details?.coding?.[0]?.system === RULES)
  .map((i: Any) => ({ id: i.details.coding[0].code, severity: i.severity, expression: i.expression?.[0] }));
const send = (method: 'post' | 'put', path: string, body: unknown) => t.http()[method](path).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
const put = (r: FhirResource) => send('put', `/fhir/${r.resourceType}/${r.id}`, r);
const transaction = (resources: FhirResource[]): Bundle => ({
  resourceType: 'Bundle', type: 'transaction',
  entry: resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
});
/** Rule findings of Claim/$validate for the claim. */
async function validate(claim: Claim): Promise<{ id: string; severity: string; expression: string }[]> {
  const res = await send('post', '/fhir/Claim/$validate', claim);
  expect(res.status).toBe(200);
  return findings(res.body);
}
const stored = (s: ReturnType<typeof buildScenario>) => s.resources().filter((r) => r.resourceType !== 'Claim');

const va = buildScenario({ key: 'r25va' });
const ct = buildScenario({ key: 'r25ct', jurisdiction: 'US-CT' });

beforeAll(async () => {
  t = await startTestApp();
  for (const s of [va, ct]) expect((await send('post', '/fhir', transaction(stored(s)))).status).toBe(200);
});
afterAll(async () => t.close());

describe('the rules of issue 25 through Claim/$validate', () => {
  it('report nothing on the clean Virginia and Connecticut claims', async () => {
    expect(await validate(va.claim)).toEqual([]);
    expect(await validate(ct.claim)).toEqual([]);
  });

  it('coverage-active: a Coverage cancelled after a clean validation denies the line; active again, it passes', async () => {
    expect(await validate(va.claim)).toEqual([]);
    expect((await put({ ...va.coverage, status: 'cancelled' })).status).toBe(200);
    expect(await validate(va.claim)).toEqual([{ id: 'coverage-active', severity: 'error', expression: 'Claim.insurance[0].coverage' }]);
    expect((await put({ ...va.coverage, period: { start: '2025-01-01', end: '2026-03-09' } })).status).toBe(200);
    expect(await validate(va.claim)).toEqual([{ id: 'coverage-active', severity: 'error', expression: 'Claim.insurance[0].coverage' }]);
    expect((await put(va.coverage)).status).toBe(200);
    expect(await validate(va.claim)).toEqual([]);
  });

  it('va-prs-qualifications: the rendering PRS stored without a high school diploma is an error at the care team', async () => {
    const withoutDiploma = { ...va.prs, qualification: va.prs.qualification!.filter((q) => q.code.coding![0].code !== 'hs-diploma') };
    expect((await put(withoutDiploma)).status).toBe(200);
    expect(await validate(va.claim)).toEqual([{ id: 'va-prs-qualifications', severity: 'error', expression: 'Claim.careTeam[0].provider' }]);
    expect((await put(va.prs)).status).toBe(200);
    expect(await validate(va.claim)).toEqual([]);
  });

  it("va-assessor-enrolled: the assessor's role ending before the assessment is a warning, and a new role at another enrolled agency clears it", async () => {
    expect((await put({ ...va.assessorRole, period: { start: '2024-01-01', end: '2026-01-04' } })).status).toBe(200);
    expect(await validate(va.claim)).toEqual([{ id: 'va-assessor-enrolled', severity: 'warning', expression: 'Claim.item[0].productOrService' }]);
    // The assessor's other role is named by no record of the member: the gather finds it through the assessor.
    const agency: Organization = { ...va.provider, id: 'r25-csb', name: 'Piedmont Community Services Board', identifier: [{ system: SYSTEM.npi, value: npiFrom('573920184') }] };
    const role: PractitionerRole = { ...va.assessorRole, id: 'r25-lmhp-csb', organization: ref(agency), period: { start: '2025-07-01' } };
    expect((await put(agency)).status).toBe(201);
    expect((await put(role)).status).toBe(201);
    expect(await validate(va.claim)).toEqual([]);
    await t.http().delete('/fhir/PractitionerRole/r25-lmhp-csb');
    expect(await validate(va.claim)).toEqual([{ id: 'va-assessor-enrolled', severity: 'warning', expression: 'Claim.item[0].productOrService' }]);
    expect((await put(va.assessorRole)).status).toBe(200);
    expect(await validate(va.claim)).toEqual([]);
  });

  it('va-session-activities: the billed session stored without an activity is a warning at the line\'s session', async () => {
    const bare = { ...va.session, extension: va.session.extension!.filter((e) => !e.url.endsWith('/activity')) };
    expect((await put(bare)).status).toBe(200);
    expect(await validate(va.claim)).toEqual([{ id: 'va-session-activities', severity: 'warning', expression: 'Claim.item[0].encounter[0]' }]);
    expect((await put(va.session)).status).toBe(200);
    expect(await validate(va.claim)).toEqual([]);
  });

  it('ct-setting: a Connecticut line in an office (11) is a warning; in the home (12) or the community (99) it is not', async () => {
    const at = (code: string): Claim => ({ ...ct.claim, item: [{ ...ct.claim.item![0], locationCodeableConcept: { coding: [{ system: SYSTEM.placeOfService, code }] } }] });
    expect(await validate(at('11'))).toEqual([{ id: 'ct-setting', severity: 'warning', expression: 'Claim.item[0].locationCodeableConcept' }]);
    expect(await validate(at('99'))).toEqual([]);
    expect(await validate(at('12'))).toEqual([]);
  });
});

describe('a prss-rrwp plan without its assessment (supportingInfo)', () => {
  it('is created (201), and a claim of a member with no assessment is reported by va-assessment-required', async () => {
    const s = buildScenario({ key: 'r25plan' });
    expect((await send('post', '/fhir', transaction(stored(s).filter((r) => r.resourceType !== 'ServiceRequest' && r.resourceType !== 'CarePlan' && r.resourceType !== 'Encounter' && r.resourceType !== 'DocumentReference')))).status).toBe(200);
    const { id: _id, supportingInfo: _info, ...plan } = s.plan;
    expect(plan.meta?.profile).toEqual(['http://prss.example.org/fhir/StructureDefinition/prss-rrwp']);
    const created = await send('post', '/fhir/CarePlan', plan);
    expect(created.status).toBe(201);
    expect((created.body as CarePlan).supportingInfo).toBeUndefined();
    const planRef = { reference: `CarePlan/${created.body.id}` };
    // The sessions name the stored plan and no assessment.
    const sessions = s.sessions.map((e) => ({ ...e, basedOn: undefined, extension: e.extension!.map((x) => (x.url.endsWith('/rrwp') ? { ...x, valueReference: planRef } : x)) }));
    expect((await send('post', '/fhir', transaction([...sessions, ...s.notes]))).status).toBe(200);
    const ids = (await validate(s.claim)).map((f) => f.id);
    expect(ids).toContain('va-assessment-required');
  });
});
