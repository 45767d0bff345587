/** $compliance, $utilization, $caseload and the session rules of Encounter/$validate, over the demo data. */
import type { Parameters, ParametersParameter } from 'fhir/r4';
import { loadDemoData } from '../src/demo';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  const res = await t.http().post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify(loadDemoData()));
  expect(res.status).toBe(200);
});
afterAll(async () => t.close());

const get = (url: string) => t.http().get(`/fhir${url}`).set('Accept', FHIR_JSON);
const post = (url: string, body: unknown) => t.http().post(`/fhir${url}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
/** The parameter (or part) reached by a path of names, first match at each step. */
const at = (p: Parameters | ParametersParameter, ...names: string[]): ParametersParameter | undefined => {
  let cur: ParametersParameter | undefined = p as ParametersParameter;
  for (const n of names) cur = ((cur as unknown as Parameters).parameter ?? cur?.part ?? []).find((x) => x.name === n);
  return cur;
};
const all = (p: Parameters | ParametersParameter, name: string) => ((p as Parameters).parameter ?? (p as ParametersParameter).part ?? []).filter((x) => x.name === name);
const ruleCodes = (oo: { issue: { details?: { coding?: { code?: string }[] } }[] }) => oo.issue.map((i) => i.details?.coding?.[0]?.code).filter(Boolean);

describe('the CapabilityStatement', () => {
  it('advertises $compliance on CarePlan, $utilization on Patient and $caseload on PractitionerRole with their definitions', async () => {
    const res = await get('/metadata');
    const ops = (type: string) => res.body.rest[0].resource.find((r: { type: string }) => r.type === type).operation;
    expect(ops('CarePlan')).toContainEqual({ name: 'compliance', definition: 'http://prss.example.org/fhir/OperationDefinition/CarePlan-compliance' });
    expect(ops('Patient')).toContainEqual({ name: 'utilization', definition: 'http://prss.example.org/fhir/OperationDefinition/Patient-utilization' });
    expect(ops('PractitionerRole')).toContainEqual({ name: 'caseload', definition: 'http://prss.example.org/fhir/OperationDefinition/PractitionerRole-caseload' });
  });
});

describe('GET /CarePlan/[id]/$compliance', () => {
  it('reports the demo plan\'s standing on 2026-04-30: signed in time, reviewed on time, next review due 90 days after it', async () => {
    const res = await get('/CarePlan/rrwp-demo-1/$compliance?date=2026-04-30');
    expect(res.status).toBe(200);
    const p = res.body as Parameters;
    expect(p.resourceType).toBe('Parameters');
    expect(at(p, 'asOf')!.valueDate).toBe('2026-04-30');
    expect(at(p, 'signatures', 'deadline')!.valueDate).toBe('2026-02-11');
    expect(at(p, 'signatures', 'onTime')!.valueBoolean).toBe(true);
    expect(all(at(p, 'signatures')!, 'missing')).toEqual([]);
    expect(at(p, 'review', 'nextDue')!.valueDate).toBe('2026-07-13');
    expect(at(p, 'review', 'held', 'heldOnTime')!.valueBoolean).toBe(true);
    const feb = all(p, 'month').find((m) => at(m, 'month')!.valueString === '2026-02')!;
    expect([at(feb, 'contacts')!.valueInteger, at(feb, 'faceToFace')!.valueInteger, at(feb, 'minimumMet')!.valueBoolean]).toEqual([2, 2, true]);
    expect(all(p, 'week').length).toBeGreaterThan(10);
    expect(at(p, 'discharge', 'triggered')!.valueBoolean).toBe(false);
    const oo = at(p, 'outcome')!.resource as unknown as { issue: { severity: string }[] };
    expect(oo.issue.some((i) => i.severity === 'error')).toBe(false);
  });

  it('with no review held, the review is in time on day 90 after completion and overdue on day 91 (va-rrwp-review-due)', async () => {
    const original = (await get('/CarePlan/rrwp-demo-2')).body;
    const unreviewed = { ...original, extension: original.extension.filter((x: { url: string }) => !x.url.endsWith('/review')) };
    expect((await t.http().put('/fhir/CarePlan/rrwp-demo-2').set('Content-Type', FHIR_JSON).send(JSON.stringify(unreviewed))).status).toBe(200);
    try {
      const day90 = await get('/CarePlan/rrwp-demo-2/$compliance?date=2026-04-21');
      expect(at(day90.body, 'review', 'overdue')!.valueBoolean).toBe(false);
      expect(at(day90.body, 'review', 'nextDue')!.valueDate).toBe('2026-04-21');
      expect(ruleCodes(at(day90.body, 'outcome')!.resource as never)).not.toContain('va-rrwp-review-due');
      const day91 = await get('/CarePlan/rrwp-demo-2/$compliance?date=2026-04-22');
      expect(at(day91.body, 'review', 'overdue')!.valueBoolean).toBe(true);
      expect(ruleCodes(at(day91.body, 'outcome')!.resource as never)).toContain('va-rrwp-review-due');
    } finally {
      await t.http().put('/fhir/CarePlan/rrwp-demo-2').set('Content-Type', FHIR_JSON).send(JSON.stringify(original));
    }
  });

  it('answers 400 for a malformed or impossible date or an unknown parameter, 404 for an unknown plan', async () => {
    for (const q of ['date=2026-02-30', 'date=2026-03', 'date=yesterday', 'when=2026-03-01']) {
      const res = await get(`/CarePlan/rrwp-demo-1/$compliance?${q}`);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
    const missing = await get('/CarePlan/no-such-plan/$compliance');
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
  });
});

describe('GET /Patient/[id]/$utilization', () => {
  it('reports units that day, week, year and rolling year per program, and the daily remainder from va-daily-units', async () => {
    const res = await get('/Patient/member-demo-1/$utilization?date=2026-04-06');
    expect(res.status).toBe(200);
    expect(at(res.body, 'jurisdiction')!.valueCode).toBe('US-VA');
    const programs = all(res.body, 'program');
    expect(programs.map((p) => at(p, 'code')!.valueCode)).toEqual(['arts', 'mh']);
    const day = at(programs[0], 'day')!;
    expect([at(day, 'units')!.valueInteger, at(day, 'limit')!.valueInteger, at(day, 'remaining')!.valueInteger, at(day, 'rule')!.valueCode]).toEqual([4, 16, 12, 'va-daily-units']);
    expect(at(programs[0], 'year', 'limit')!.valueInteger).toBe(3600);
  });

  it('with 16 units billed on the day none remain; a 17th would be over the limit', async () => {
    const claim = (await get('/Claim/claim-session-demo-1-apr-1')).body;
    const more = { ...claim, id: 'claim-extra-demo-1', identifier: [{ system: 'urn:test', value: 'extra-1' }], item: [{ ...claim.item[0], quantity: { value: 12 }, net: { value: 300, currency: 'USD' } }], total: { value: 300, currency: 'USD' } };
    expect((await t.http().put('/fhir/Claim/claim-extra-demo-1').set('Content-Type', FHIR_JSON).send(JSON.stringify(more))).status).toBeLessThan(300);
    const res = await get('/Patient/member-demo-1/$utilization?date=2026-04-06');
    const day = at(all(res.body, 'program')[0], 'day')!;
    expect([at(day, 'units')!.valueInteger, at(day, 'remaining')!.valueInteger]).toEqual([16, 0]);
    await t.http().delete('/fhir/Claim/claim-extra-demo-1');
  });

  it('answers 400 for a bad date and 404 for an unknown member', async () => {
    expect((await get('/Patient/member-demo-1/$utilization?date=2026-13-01')).status).toBe(400);
    expect((await get('/Patient/nobody/$utilization?date=2026-04-06')).status).toBe(404);
  });
});

describe('GET /PractitionerRole/[id]/$caseload', () => {
  it('reports the part-time PRS\'s members against the limit of 9 and two qualifying supervision meetings in March', async () => {
    const res = await get('/PractitionerRole/prs-role-demo-b/$caseload?date=2026-03-20');
    expect(res.status).toBe(200);
    expect(at(res.body, 'employmentType')!.valueCode).toBe('part-time');
    expect(all(res.body, 'member').map((m) => m.valueReference!.reference)).toEqual(['Patient/member-demo-3', 'Patient/member-demo-4']);
    expect([at(res.body, 'count')!.valueInteger, at(res.body, 'limit')!.valueInteger, at(res.body, 'overLimit')!.valueBoolean]).toEqual([2, 9, false]);
    expect([at(res.body, 'supervision', 'required')!.valueInteger, at(res.body, 'supervision', 'qualifying')!.valueInteger, at(res.body, 'supervision', 'met')!.valueBoolean]).toEqual([2, 2, true]);
  });

  it('answers 400 for a bad date and 404 for an unknown role', async () => {
    expect((await get('/PractitionerRole/prs-role-demo/$caseload?date=20260320')).status).toBe(400);
    expect((await get('/PractitionerRole/nobody/$caseload')).status).toBe(404);
  });
});

describe('Encounter/$validate with session rules', () => {
  it('a stored demo session passes the session rules', async () => {
    const res = await post('/Encounter/session-demo-1-mar-4/$validate', { resourceType: 'Parameters', parameter: [] });
    expect(res.status).toBe(200);
    expect(res.body.issue.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
  });

  it('a telephone session without justification and without the member present is reported by its rule ids, pointing into the Encounter', async () => {
    const e = (await get('/Encounter/session-demo-1-mar-4')).body;
    e.extension = e.extension
      .filter((x: { url: string }) => !x.url.endsWith('/contact-mode') && !x.url.endsWith('/member-present'))
      .concat([{ url: 'http://prss.example.org/fhir/StructureDefinition/contact-mode', valueCode: 'telephone' }]);
    const res = await post('/Encounter/$validate', e);
    expect(res.status).toBe(200);
    expect(ruleCodes(res.body)).toEqual(expect.arrayContaining(['va-telephone-justification', 'va-member-present']));
    const justification = res.body.issue.find((i: { details?: { coding?: { code: string }[] } }) => i.details?.coding?.[0].code === 'va-telephone-justification');
    expect(justification.expression).toEqual(["Encounter.extension.where(url='http://prss.example.org/fhir/StructureDefinition/telephone-justification')"]);
  });
});
