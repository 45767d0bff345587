/**
 * An EHR sends a member's record as a transaction; a payer then calls Claim/$validate and
 * Claim/$submit, as in docs/spec/api.md.
 */
import type { Bundle, Claim, FhirResource } from 'fhir/r4';
import { buildScenario, progressNote, ref, sessionEncounter } from '../src/prss/scenario';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RULES = 'http://prss.example.org/fhir/CodeSystem/prss-rule';
const ruleIds = (oo: Any) => oo.issue.filter((i: Any) => i.details?.coding?.[0]?.system === RULES).map((i: Any) => i.details.coding[0].code);
const post = (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const r = t.http().post(path).set('Content-Type', FHIR_JSON);
  for (const [k, v] of Object.entries(headers)) r.set(k, v);
  return r.send(JSON.stringify(body));
};
const transaction = (resources: FhirResource[]): Bundle => ({
  resourceType: 'Bundle', type: 'transaction',
  entry: resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
});

const s = buildScenario({ key: 'e2e', serviceDate: '2026-03-10' });
/** Weekly sessions Jan–Mar with notes and stored claims: the member's billed history. */
function history(): FhirResource[] {
  const out: FhirResource[] = [];
  const days = ['2026-01-19', '2026-01-26', '2026-02-09', '2026-02-23', '2026-03-02'];
  days.forEach((day, i) => {
    const e = sessionEncounter(`e2e-weekly-${i}`, { member: s.member, prsRole: s.prsRole, plan: s.plan, assessment: s.assessment, goal: s.goal, diagnosis: s.diagnosis, start: `${day}T09:00:00-05:00`, minutes: 60, program: 'arts' });
    out.push(e, progressNote(`note-e2e-weekly-${i}`, e, ref(s.prsRole), day));
    const c: Claim = structuredClone(s.claim);
    c.id = `claim-e2e-weekly-${i}`;
    c.identifier = [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: `CLM-e2e-weekly-${i}` }];
    c.item![0].servicedDate = day;
    c.item![0].encounter = [ref(e)];
    c.created = day;
    out.push(c);
  });
  return out;
}

beforeAll(async () => {
  t = await startTestApp();
  const res = await post('/fhir', transaction([...s.resources().filter((r) => r.resourceType !== 'Claim'), ...history()]), { Prefer: 'return=minimal' });
  expect(res.status).toBe(200);
});
afterAll(async () => t.close());

describe('a payer validates and submits claims', () => {
  it('a clean claim validates with one information issue and no rule findings', async () => {
    const res = await post('/fhir/Claim/$validate', s.claim);
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue.filter((i: Any) => i.severity === 'error')).toEqual([]);
    expect(res.body.issue.some((i: Any) => i.severity === 'information')).toBe(true);
  });

  it('a line that takes the day to 17 units is reported under va-daily-units at the line\'s quantity, with the numbers', async () => {
    const long = sessionEncounter('e2e-long', { member: s.member, prsRole: s.prsRole, plan: s.plan, assessment: s.assessment, goal: s.goal, diagnosis: s.diagnosis, start: '2026-03-10T13:00:00-05:00', minutes: 240, program: 'arts' });
    await post('/fhir', transaction([long, progressNote('note-e2e-long', long, ref(s.prsRole), '2026-03-10')]));
    const claim: Claim = structuredClone(s.claim);
    claim.item!.push({ ...structuredClone(claim.item![0]), sequence: 2, quantity: { value: 13 }, net: { value: 325, currency: 'USD' }, encounter: [ref(long)] });
    claim.total = { value: 425, currency: 'USD' };
    const res = await post('/fhir/Claim/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: claim }] });
    expect(res.status).toBe(200);
    const daily = res.body.issue.find((i: Any) => i.details?.coding?.[0]?.code === 'va-daily-units');
    expect(daily).toBeDefined();
    expect(daily.severity).toBe('error');
    expect(daily.details.coding[0].system).toBe(RULES);
    expect(daily.expression).toEqual(['Claim.item[1].quantity']);
    expect(daily.diagnostics).toMatch(/17 units on 2026-03-10 exceed the 16-unit daily limit/);
  });

  it('the jurisdiction parameter chooses another pack', async () => {
    const res = await post('/fhir/Claim/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: s.claim }, { name: 'jurisdiction', valueCode: 'US-IN' }] });
    expect(ruleIds(res.body)).toContain('in-procedure-code');
    const bad = await post('/fhir/Claim/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: s.claim }, { name: 'jurisdiction', valueCode: 'US-XX' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.resourceType).toBe('OperationOutcome');
  });

  it('$submit stores the claim and a ClaimResponse; the same identifier again does not bill twice', async () => {
    const claim: Claim = structuredClone(s.claim);
    claim.item![0].quantity = { value: 6 };
    claim.item![0].net = { value: 150, currency: 'USD' };
    claim.total = { value: 150, currency: 'USD' };
    const first = await post('/fhir/Claim/$submit', claim);
    expect(first.status).toBe(200);
    expect(first.body.resourceType).toBe('ClaimResponse');
    expect(first.body.outcome).toBe('partial');
    const adj = first.body.item[0].adjudication;
    expect(adj.find((a: Any) => a.category.coding[0].code === 'submitted').value).toBe(6);
    expect(adj.find((a: Any) => a.category.coding[0].code === 'eligible' && !a.reason).value).toBe(4);
    expect(adj.find((a: Any) => a.reason?.coding?.[0]?.code === 'va-unit-time')).toBeDefined();
    expect(first.body.disposition).toMatch(/4 of 6 units allowed/);
    const again = await post('/fhir/Claim/$submit', claim);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const claims = await t.http().get(`/fhir/Claim?identifier=${encodeURIComponent(`http://prss.example.org/fhir/sid/claim-number|${s.claim.identifier![0].value}`)}`);
    expect(claims.body.total).toBe(1);
    const responses = await t.http().get(`/fhir/ClaimResponse?request=Claim/${claims.body.entry[0].resource.id}`);
    expect(responses.body.total).toBe(1);
  });

  it('the same claim $submitted by 5 parallel requests is stored once, with one ClaimResponse', async () => {
    const claim: Claim = structuredClone(s.claim);
    delete claim.id;
    claim.identifier = [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: 'CLM-e2e-parallel' }];
    const res = await Promise.all(Array.from({ length: 5 }, () => post('/fhir/Claim/$submit', claim)));
    expect(res.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const claims = await t.http().get(`/fhir/Claim?identifier=${encodeURIComponent('http://prss.example.org/fhir/sid/claim-number|CLM-e2e-parallel')}`);
    expect(claims.body.total).toBe(1);
    const responses = await t.http().get(`/fhir/ClaimResponse?request=Claim/${claims.body.entry[0].resource.id}`);
    expect(responses.body.total).toBe(1);
    expect(new Set(res.map((r) => r.body.id))).toEqual(new Set([responses.body.entry[0].resource.id]));
  });

  it('a claim written by REST reports its rule findings with Prefer: return=OperationOutcome', async () => {
    const claim: Claim = structuredClone(s.claim);
    claim.id = 'claim-rest-check';
    claim.identifier = [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: 'CLM-rest-check' }];
    claim.item![0].productOrService = { coding: [{ system: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'H0038' }] };
    const res = await t.http().put('/fhir/Claim/claim-rest-check').set('Content-Type', FHIR_JSON).set('Prefer', 'return=OperationOutcome').send(JSON.stringify(claim));
    expect(res.status).toBe(201);
    expect(ruleIds(res.body)).toContain('va-procedure-code');
  });

  it('with CLAIM_RULES=enforce a claim with an error is refused with 422 and not stored', async () => {
    const strict = await startTestApp({ CLAIM_RULES: 'enforce' });
    try {
      await strict.http().post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify(transaction(s.resources().filter((r) => r.resourceType !== 'Claim'))));
      const claim: Claim = structuredClone(s.claim);
      claim.item![0].productOrService = { coding: [{ system: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'H0038' }] };
      const res = await strict.http().put(`/fhir/Claim/${claim.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(claim));
      expect(res.status).toBe(422);
      expect(ruleIds(res.body)).toContain('va-procedure-code');
      expect((await strict.http().get(`/fhir/Claim/${claim.id}`)).status).toBe(404);
      const ok = await strict.http().put(`/fhir/Claim/${s.claim.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(s.claim));
      expect(ok.status).toBe(201);
    } finally {
      await strict.close();
    }
  });
});
