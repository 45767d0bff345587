/**
 * Issue 25's changed readings, through the whole app: what counts toward limits (bundle order,
 * cancelled and entered-in-error claims, plans replaced by a new CarePlan), and $compliance /
 * $utilization showing a review that does not count and the Connecticut transition window.
 */
import type { Bundle, CarePlan, Claim, Extension, FhirResource, Parameters, ParametersParameter } from 'fhir/r4';
import { buildScenario, ref } from '../src/prss/scenario';
import { CS, EXT } from '../src/prss/terminology';
import { amendedPlan } from '../src/rules/testing';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RULES = 'http://prss.example.org/fhir/CodeSystem/prss-rule';
const ruleIds = (oo: Any | undefined): string[] => (oo?.issue ?? []).filter((i: Any) => i.details?.coding?.[0]?.system === RULES).map((i: Any) => i.details.coding[0].code);
const post = (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const r = t.http().post(path).set('Content-Type', FHIR_JSON);
  for (const [k, v] of Object.entries(headers)) r.set(k, v);
  return r.send(JSON.stringify(body));
};
const get = (url: string) => t.http().get(`/fhir${url}`).set('Accept', FHIR_JSON);
const transaction = (resources: FhirResource[]): Bundle => ({
  resourceType: 'Bundle', type: 'transaction',
  entry: resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
});
const at = (p: Parameters | ParametersParameter, ...names: string[]): ParametersParameter | undefined => {
  let cur: ParametersParameter | undefined = p as ParametersParameter;
  for (const n of names) cur = ((cur as unknown as Parameters).parameter ?? cur?.part ?? []).find((x) => x.name === n);
  return cur;
};
const validate = (claim: Claim) => post('/fhir/Claim/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: claim }] });

/** A copy of the scenario's claim billing `units` of its session on its date, under another id. */
function claimOf(s: ReturnType<typeof buildScenario>, id: string, units: number, status: Claim['status'] = 'active'): Claim {
  const c: Claim = structuredClone(s.claim);
  c.id = id;
  c.status = status;
  c.identifier = [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: id }];
  c.item![0].quantity = { value: units };
  c.item![0].net = { value: units * 25, currency: 'USD' };
  c.total = { value: units * 25, currency: 'USD' };
  return c;
}

// Each member has their own records; staff are shared.
const order = buildScenario({ key: 'rd-order', staffKey: 'rd' });
const counted = buildScenario({ key: 'rd-status', staffKey: 'rd' });
const amended = buildScenario({ key: 'rd-plan', staffKey: 'rd' });
const reviewed = buildScenario({ key: 'rd-review', staffKey: 'rd' });
const ct = buildScenario({ key: 'rd-ct', staffKey: 'rd-ct', jurisdiction: 'US-CT' });
const records = (s: ReturnType<typeof buildScenario>) => s.resources().filter((r) => r.resourceType !== 'Claim');
const shared = (r: FhirResource, i: number, all: FhirResource[]) => all.findIndex((x) => x.resourceType === r.resourceType && x.id === r.id) === i;

beforeAll(async () => {
  t = await startTestApp();
  const everything = [order, counted, amended, reviewed, ct].flatMap(records).filter(shared);
  const res = await post('/fhir', transaction(everything), { Prefer: 'return=minimal' });
  expect(res.status).toBe(200);
});
afterAll(async () => t.close());

describe('the claims of one transaction Bundle count in bundle order', () => {
  it('each claim counts the lines of the entries before it, never those after: only the second of two 10-unit claims on a day breaks the 16-unit limit', async () => {
    // Ids sort the other way round from the entries, so only bundle order can explain the outcome.
    const first = claimOf(order, 'rd-order-z-first', 10);
    const second = claimOf(order, 'rd-order-a-second', 10);
    const res = await post('/fhir', transaction([first, second]), { Prefer: 'return=OperationOutcome' });
    expect(res.status).toBe(200);
    const [a, b] = res.body.entry.map((e: Any) => e.response.outcome);
    expect(ruleIds(a)).not.toContain('va-daily-units');
    const daily = b.issue.find((i: Any) => i.details?.coding?.[0]?.code === 'va-daily-units');
    expect(daily.diagnostics).toMatch(/20 units on 2026-03-10 exceed the 16-unit daily limit/);
    expect(daily.diagnostics).toMatch(/10 already billed/);
  });

  it('once both are stored, a claim validated on its own counts every other stored claim', async () => {
    const res = await validate(claimOf(order, 'rd-order-third', 1));
    expect(res.status).toBe(200);
    const daily = res.body.issue.find((i: Any) => i.details?.coding?.[0]?.code === 'va-daily-units');
    expect(daily.diagnostics).toMatch(/21 units on 2026-03-10/);
  });
});

describe('cancelled and entered-in-error claims never count toward a limit', () => {
  it('12 units on cancelled and entered-in-error claims leave the day\'s 16 units whole; the same units on an active claim do not', async () => {
    const stored = await post('/fhir', transaction([claimOf(counted, 'rd-status-cancelled', 12, 'cancelled'), claimOf(counted, 'rd-status-error', 12, 'entered-in-error')]));
    expect(stored.status).toBe(200);
    expect(ruleIds((await validate(claimOf(counted, 'rd-status-new', 5))).body)).not.toContain('va-daily-units');
    await post('/fhir', transaction([claimOf(counted, 'rd-status-active', 12)]));
    expect(ruleIds((await validate(claimOf(counted, 'rd-status-new', 5))).body)).toContain('va-daily-units');
  });
});

describe('a plan amended by a new CarePlan that replaces it applies from the new plan\'s start', () => {
  it('the old plan\'s 1 hour a week stops limiting on the new plan\'s start day; updated in place, a plan applies to all its dates', async () => {
    // The old plan is corrected in place to 1 hour a week: it now limits the 8-unit line on 2026-03-10.
    const oneHour: CarePlan = structuredClone(amended.plan);
    oneHour.activity![0].detail!.extension = [{ url: EXT.plannedIntensity, extension: [{ url: 'daysPerWeek', valueInteger: 3 }, { url: 'hoursPerWeek', valueDecimal: 1 }] }];
    expect((await t.http().put(`/fhir/CarePlan/${oneHour.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(oneHour))).status).toBe(200);
    const line = claimOf(amended, 'rd-plan-claim', 8);
    expect(ruleIds((await validate(line)).body)).toContain('va-weekly-plan-intensity');
    // A new plan replaces it from 2026-03-10 with 4 hours a week.
    const next = amendedPlan(amended, 'rd-plan-next', '2026-03-10', { daysPerWeek: 3, hoursPerWeek: 4 });
    expect((await t.http().put(`/fhir/CarePlan/${next.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(next))).status).toBe(201);
    expect(ruleIds((await validate(line)).body)).not.toContain('va-weekly-plan-intensity');
    // Starting the day after the line, it leaves the old plan in force on the line's date.
    next.period = { start: '2026-03-11' };
    expect((await t.http().put(`/fhir/CarePlan/${next.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(next))).status).toBe(200);
    expect(ruleIds((await validate(line)).body)).toContain('va-weekly-plan-intensity');
    const c = await get(`/CarePlan/${amended.plan.id}/$compliance?date=2026-06-30`);
    expect(at(c.body, 'asOf')!.valueDate).toBe('2026-03-10');
    expect(at(c.body, 'replacedBy', 'plan')!.valueReference).toEqual({ reference: `CarePlan/${next.id}` });
    expect(at(c.body, 'replacedBy', 'from')!.valueDate).toBe('2026-03-11');
  });
});

describe('$compliance shows whether a review counts (documented within 15 days)', () => {
  const review = (documented: string): Extension => ({ url: EXT.review, extension: [
    { url: 'date', valueDate: '2026-04-15' }, { url: 'documented', valueDate: documented },
    { url: 'signature', extension: [{ url: 'role', valueCode: 'prs' }, { url: 'party', valueReference: ref(reviewed.prsRole) }, { url: 'date', valueDate: '2026-04-15' }] },
    { url: 'signature', extension: [{ url: 'role', valueCode: 'member' }, { url: 'party', valueReference: ref(reviewed.member) }, { url: 'date', valueDate: '2026-04-15' }] },
  ] });
  const store = async (documented: string) => {
    const plan = { ...structuredClone(reviewed.plan), extension: [...structuredClone(reviewed.plan.extension!), review(documented)] };
    expect((await t.http().put(`/fhir/CarePlan/${plan.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(plan))).status).toBe(200);
  };
  const serviceOn = (day: string) => {
    const claim = claimOf(reviewed, 'rd-review-claim', 4);
    claim.item![0].servicedDate = day;
    delete claim.item![0].encounter;
    return claim;
  };
  it('documented on day 15 the review counts; on day 16 it shows as not counting and the plan is overdue', async () => {
    await store('2026-04-30');
    expect(ruleIds((await validate(serviceOn('2026-05-10'))).body)).not.toContain('va-rrwp-review-due');
    const inTime = (await get(`/CarePlan/${reviewed.plan.id}/$compliance?date=2026-05-10`)).body;
    expect(at(inTime, 'review', 'held', 'standing')!.valueCode).toBe('counts');
    expect(at(inTime, 'review', 'held', 'counts')!.valueBoolean).toBe(true);
    expect(at(inTime, 'review', 'held', 'documentBy')!.valueDate).toBe('2026-04-30');
    expect(at(inTime, 'review', 'overdue')!.valueBoolean).toBe(false);

    await store('2026-05-01');
    const late = (await get(`/CarePlan/${reviewed.plan.id}/$compliance?date=2026-05-10`)).body;
    expect(at(late, 'review', 'held', 'standing')!.valueCode).toBe('late');
    expect(at(late, 'review', 'held', 'counts')!.valueBoolean).toBe(false);
    expect(at(late, 'review', 'overdue')!.valueBoolean).toBe(true);
    expect(ruleIds(at(late, 'outcome')!.resource)).toContain('va-rrwp-review-due');
    // The claim service reads it the same way: a service on 2026-05-10 is an error.
    expect(ruleIds((await validate(serviceOn('2026-05-10'))).body)).toContain('va-rrwp-review-due');
  });
  it('judged before its documentation, within its 15 days, the review is pending and the plan is not overdue', async () => {
    await store('2026-05-01');
    const pending = (await get(`/CarePlan/${reviewed.plan.id}/$compliance?date=2026-04-25`)).body;
    expect(at(pending, 'review', 'held', 'standing')!.valueCode).toBe('pending');
    expect(at(pending, 'review', 'overdue')!.valueBoolean).toBe(false);
  });
});

describe('the Connecticut transition window', () => {
  it('$utilization and $compliance show its end, 30 days after the first waiver session', async () => {
    const u = (await get(`/Patient/${ct.member.id}/$utilization?date=2026-02-11`)).body;
    expect(at(u, 'transition', 'firstSession')!.valueDate).toBe('2026-01-12');
    expect(at(u, 'transition', 'end')!.valueDate).toBe('2026-02-11');
    expect(at(u, 'transition', 'inWindow')!.valueBoolean).toBe(true);
    const c = (await get(`/CarePlan/${ct.plan.id}/$compliance?date=2026-02-12`)).body;
    expect(at(c, 'transition', 'end')!.valueDate).toBe('2026-02-11');
    expect(at(c, 'transition', 'inWindow')!.valueBoolean).toBe(false);
  });

  it('a claim inside an ongoing residential episode is allowed on day 30 after the first session and refused on day 31', async () => {
    const episode = {
      resourceType: 'EpisodeOfCare', id: 'rd-ct-residential', status: 'active',
      type: [{ coding: [{ system: CS.otherService, code: 'residential' }] }],
      patient: ref(ct.member), period: { start: '2025-11-01' },
    } as FhirResource;
    expect((await post('/fhir', transaction([episode]))).status).toBe(200);
    const on = (day: string) => {
      const c: Claim = structuredClone(ct.claim);
      c.item![0].servicedDate = day;
      delete c.item![0].encounter;
      return c;
    };
    expect(ruleIds((await validate(on('2026-02-11'))).body)).not.toContain('ct-residential-concurrency');
    expect(ruleIds((await validate(on('2026-02-12'))).body)).toContain('ct-residential-concurrency');
  });
});
