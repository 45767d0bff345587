import type { Claim, Encounter, FhirResource } from 'fhir/r4';
import { buildScenario, progressNote, ref, sessionEncounter } from '../../prss/scenario';
import { EXT } from '../../prss/terminology';
import { ResourceBag, defaultRuleOptions } from '../context';
import '../index';
import { amendedPlan } from '../testing';
import { computeCompliance, planRuleFindings, PLAN_SCOPE_RULES } from './compliance';

const ids = (c: { findings: { rule: { id: string } }[] }) => c.findings.map((f) => f.rule.id);

/** The scenario's member, with sessions replaced by those given (day → minutes), all in person unless said. */
function withSessions(days: [string, number, ('in-person' | 'telephone')?][]) {
  const s = buildScenario();
  const sessions: Encounter[] = days.map(([day, minutes, mode], i) => sessionEncounter(`s-${i}`, {
    member: s.member, prsRole: s.prsRole, plan: s.plan, assessment: s.assessment, goal: s.goal, diagnosis: s.diagnosis, program: 'arts',
    start: `${day}T10:00:00-05:00`, minutes, mode,
  }));
  const keep = s.resources().filter((r) => !(r.resourceType === 'Encounter' && (r as Encounter).type?.some((t) => t.coding?.some((c) => c.code === 'session'))) && r.resourceType !== 'DocumentReference' && r.resourceType !== 'Claim');
  const notes = sessions.map((e) => progressNote(`note-${e.id}`, e, ref(s.prsRole), e.period!.start!.slice(0, 10)));
  return { s, bag: new ResourceBag([...keep, ...sessions, ...notes] as FhirResource[]) };
}

describe('computeCompliance', () => {
  const s = buildScenario();
  const bag = () => new ResourceBag(s.resources());

  it('when the plan was completed on 2026-01-21, a review is due on day 90 (2026-04-21): in time on day 90, overdue on day 91', () => {
    const day90 = computeCompliance(bag(), s.plan, 'US-VA', '2026-04-21', defaultRuleOptions);
    expect(day90.signatures.completed).toBe('2026-01-21');
    expect(day90.reviews.nextDue).toBe('2026-04-21');
    expect(day90.reviews.overdue).toBe(false);
    expect(ids(day90)).not.toContain('va-rrwp-review-due');

    const day91 = computeCompliance(bag(), s.plan, 'US-VA', '2026-04-22', defaultRuleOptions);
    expect(day91.reviews.nextDue).toBe('2026-04-21');
    expect(day91.reviews.overdue).toBe(true);
    const finding = day91.findings.find((f) => f.rule.id === 'va-rrwp-review-due')!;
    expect(finding.rule.severity).toBe('error');
    expect(finding.expression).toBe(`CarePlan.extension.where(url='${EXT.review}')`);
    expect(finding.finding.diagnostics).toContain('2026-04-21');
  });

  it('a review held on day 90 is on time and moves the next due date 90 days past it; one held on day 91 is late', () => {
    const review = (date: string) => ({ url: EXT.review, extension: [
      { url: 'date', valueDate: date }, { url: 'documented', valueDate: date },
      { url: 'signature', extension: [{ url: 'role', valueCode: 'prs' }, { url: 'party', valueReference: ref(s.prsRole) }, { url: 'date', valueDate: date }] },
      { url: 'signature', extension: [{ url: 'role', valueCode: 'member' }, { url: 'party', valueReference: ref(s.member) }, { url: 'date', valueDate: date }] },
    ] });
    const onTime = { ...s.plan, extension: [...s.plan.extension!, review('2026-04-21')] };
    const c = computeCompliance(new ResourceBag([...s.resources().filter((r) => r.id !== s.plan.id), onTime]), onTime, 'US-VA', '2026-05-01', defaultRuleOptions);
    expect(c.reviews.held).toEqual([expect.objectContaining({ date: '2026-04-21', due: '2026-04-21', heldOnTime: true, documentedOnTime: true, signaturesComplete: true })]);
    expect(c.reviews.nextDue).toBe('2026-07-20');

    const late = { ...s.plan, extension: [...s.plan.extension!, review('2026-04-22')] };
    const l = computeCompliance(new ResourceBag([...s.resources().filter((r) => r.id !== s.plan.id), late]), late, 'US-VA', '2026-05-01', defaultRuleOptions);
    expect(l.reviews.held[0]).toEqual(expect.objectContaining({ date: '2026-04-22', due: '2026-04-21', heldOnTime: false }));
  });

  it('a review documented on day 15 is in time, on day 16 it is not (va-rrwp-review-documented)', () => {
    const review = (documented: string) => ({ url: EXT.review, extension: [
      { url: 'date', valueDate: '2026-04-01' }, { url: 'documented', valueDate: documented },
      { url: 'signature', extension: [{ url: 'role', valueCode: 'prs' }, { url: 'party', valueReference: ref(s.prsRole) }, { url: 'date', valueDate: '2026-04-01' }] },
    ] });
    for (const [documented, inTime] of [['2026-04-16', true], ['2026-04-17', false]] as const) {
      const plan = { ...s.plan, extension: [...s.plan.extension!, review(documented)] };
      const c = computeCompliance(new ResourceBag([...s.resources().filter((r) => r.id !== s.plan.id), plan]), plan, 'US-VA', '2026-05-01', defaultRuleOptions);
      expect(c.reviews.held[0].documentedOnTime).toBe(inTime);
      // The member never signed this review.
      expect(c.reviews.held[0].signaturesComplete).toBe(false);
      expect(ids(c)).toContain('va-rrwp-review-documented');
    }
  });

  it('when the second contact of February falls on its last day, February meets the minimum; on 1 March it does not', () => {
    const onLastDay = withSessions([['2026-01-12', 60], ['2026-02-03', 60], ['2026-02-28', 60], ['2026-03-10', 60], ['2026-03-17', 60]]);
    const ok = computeCompliance(onLastDay.bag, onLastDay.s.plan, 'US-VA', '2026-04-02', defaultRuleOptions);
    expect(ok.months.find((m) => m.month === '2026-02')).toEqual({ month: '2026-02', contacts: 2, faceToFace: 2, judged: true, minimumMet: true });
    expect(ids(ok)).not.toContain('va-contact-minimum');

    const nextDay = withSessions([['2026-01-12', 60], ['2026-02-03', 60], ['2026-03-01', 60], ['2026-03-10', 60]]);
    const short = computeCompliance(nextDay.bag, nextDay.s.plan, 'US-VA', '2026-04-02', defaultRuleOptions);
    expect(short.months.find((m) => m.month === '2026-02')).toEqual({ month: '2026-02', contacts: 1, faceToFace: 1, judged: true, minimumMet: false });
    expect(short.months.find((m) => m.month === '2026-03')).toEqual(expect.objectContaining({ contacts: 2, minimumMet: true }));
    const f = short.findings.filter((x) => x.rule.id === 'va-contact-minimum');
    expect(f).toHaveLength(1);
    expect(f[0].finding.diagnostics).toContain('2026-02');
    // The month of initiation and the month of the date are not judged.
    expect(short.months.find((m) => m.month === '2026-01')!.judged).toBe(false);
    expect(short.months.find((m) => m.month === '2026-04')!.judged).toBe(false);
  });

  it('two whole calendar months without a face-to-face session trigger discharge (va-discharge-no-contact)', () => {
    const m = withSessions([['2026-01-12', 60], ['2026-02-03', 60], ['2026-02-17', 60]]);
    const april = computeCompliance(m.bag, m.s.plan, 'US-VA', '2026-04-30', defaultRuleOptions);
    expect(april.discharge).toEqual({ lastFaceToFace: '2026-02-17', monthsWithoutFaceToFace: 1, triggered: false });
    const may = computeCompliance(m.bag, m.s.plan, 'US-VA', '2026-05-01', defaultRuleOptions);
    expect(may.discharge).toEqual({ lastFaceToFace: '2026-02-17', monthsWithoutFaceToFace: 2, triggered: true, dischargeOn: '2026-04-30' });
    expect(ids(may)).toContain('va-discharge-no-contact');
  });

  it('reports the signatures against the 30-day deadline, naming the missing signer', () => {
    const plan = { ...s.plan, extension: s.plan.extension!.filter((e) => !(e.url === EXT.signature && e.extension?.some((x) => x.valueCode === 'direct-supervisor'))) };
    const c = computeCompliance(new ResourceBag([...s.resources().filter((r) => r.id !== s.plan.id), plan]), plan, 'US-VA', '2026-03-10', defaultRuleOptions);
    expect(c.signatures.deadline).toBe('2026-02-11');
    expect(c.signatures.completed).toBeUndefined();
    expect(c.signatures.signers.find((x) => x.role === 'direct-supervisor')).toEqual(expect.objectContaining({ present: false }));
    expect(c.signatures.signers.find((x) => x.role === 'prs')).toEqual(expect.objectContaining({ present: true, onTime: true, person: `PractitionerRole/${s.prsRole.id}` }));
    expect(ids(c)).toContain('va-rrwp-signatures');
  });

  it('bills each week against the plan: a week over its 4 hours is flagged by va-weekly-plan-intensity', () => {
    const m = withSessions([['2026-01-12', 60], ['2026-02-03', 60], ['2026-03-02', 60], ['2026-03-03', 60], ['2026-03-04', 60], ['2026-03-05', 90]]);
    const claims: Claim[] = m.bag.all<Encounter>('Encounter').filter((e) => e.id!.startsWith('s-')).map((e, i) => ({
      ...structuredClone(m.s.claim), id: `c-${i}`, identifier: [{ value: `c-${i}` }],
      item: [{ ...structuredClone(m.s.claim.item![0]), servicedDate: e.period!.start!.slice(0, 10), quantity: { value: e.id === 's-5' ? 6 : 4 }, encounter: [ref(e)] }],
    }));
    claims.forEach((c) => m.bag.add(c));
    const c = computeCompliance(m.bag, m.s.plan, 'US-VA', '2026-03-20', defaultRuleOptions);
    const week = c.weeks.find((w) => w.start === '2026-03-02')!;
    expect(week).toEqual(expect.objectContaining({ units: 18, hours: 4.5, days: 4, plannedHours: 4, plannedDays: 3, withinPlan: false }));
    expect(c.weeks.find((w) => w.start === '2026-02-02')!.withinPlan).toBe(true);
    const weekly = c.findings.filter((f) => f.rule.id === 'va-weekly-plan-intensity');
    expect(weekly.length).toBeGreaterThan(0);
    expect(weekly[0].finding.diagnostics).toMatch(/^Claim\/c-\d line 1 \(2026-03-0\d\): /);
  });

  it('answers kept with a shared (cached) bag are the answers a fresh bag gives, whatever was asked before', () => {
    const m = withSessions([['2026-01-12', 60], ['2026-02-03', 60], ['2026-03-02', 60], ['2026-03-03', 60], ['2026-03-04', 60], ['2026-03-05', 90], ['2026-04-28', 60]]);
    const claims: Claim[] = m.bag.all<Encounter>('Encounter').filter((e) => e.id!.startsWith('s-')).map((e, i) => ({
      ...structuredClone(m.s.claim), id: `c-${i}`, identifier: [{ value: `c-${i}` }],
      item: [{ ...structuredClone(m.s.claim.item![0]), servicedDate: e.period!.start!.slice(0, 10), quantity: { value: e.id === 's-5' ? 6 : 4 }, encounter: [ref(e)] }],
    }));
    const resources = [...m.bag.all<Encounter>('Encounter'), ...claims];
    const everything = () => [...new Set([...m.s.resources().filter((r) => r.resourceType !== 'Encounter' && r.resourceType !== 'Claim'), ...m.bag.all('DocumentReference'), ...resources])] as FhirResource[];
    const shared = new ResourceBag(everything()).seal();
    const review = { url: EXT.review, extension: [
      { url: 'date', valueDate: '2026-04-21' }, { url: 'documented', valueDate: '2026-04-21' },
      { url: 'signature', extension: [{ url: 'role', valueCode: 'prs' }, { url: 'party', valueReference: ref(m.s.prsRole) }, { url: 'date', valueDate: '2026-04-21' }] },
      { url: 'signature', extension: [{ url: 'role', valueCode: 'member' }, { url: 'party', valueReference: ref(m.s.member) }, { url: 'date', valueDate: '2026-04-21' }] },
    ] };
    const reviewed = { ...m.s.plan, extension: [...m.s.plan.extension!, review] };
    // The same plan signed ten days later (its first review falls due later), and one planning 6 hours on 5 days a week.
    const later = structuredClone(m.s.plan);
    for (const sig of later.extension!.filter((e) => e.url === EXT.signature)) sig.extension!.find((x) => x.url === 'date')!.valueDate = '2026-01-31';
    const more = structuredClone(m.s.plan);
    const intensity = more.activity![0].detail!.extension![0].extension!;
    intensity.find((x) => x.url === 'hoursPerWeek')!.valueDecimal = 6;
    intensity.find((x) => x.url === 'daysPerWeek')!.valueInteger = 5;
    const asked: [typeof m.s.plan, string][] = [
      [m.s.plan, '2026-03-20'], [m.s.plan, '2026-04-22'], [reviewed, '2026-04-22'], [reviewed, '2026-05-01'], [m.s.plan, '2026-05-01'],
      [later, '2026-05-01'], [more, '2026-05-01'], [m.s.plan, '2026-03-20'],
      // Part of the week of 2 March (3 hours on 3 days: within the plan), after the whole week was judged.
      [m.s.plan, '2026-03-04'],
    ];
    const dues: (string | undefined)[] = [];
    const overPlan: boolean[] = [];
    for (const [plan, date] of asked) {
      const kept = computeCompliance(shared, plan, 'US-VA', date, defaultRuleOptions);
      const fresh = computeCompliance(new ResourceBag(everything()), plan, 'US-VA', date, defaultRuleOptions);
      expect(kept).toEqual(fresh);
      dues.push(kept.reviews.nextDue);
      overPlan.push(!kept.weeks.find((w) => w.start === '2026-03-02')!.withinPlan);
    }
    // The cases differ where they should: a held review or later signatures move the next due date,
    // and 4.5 hours on 4 days in the week of 2 March exceed a plan of 4 hours on 3 days, not one of 6 on 5.
    expect(dues).toEqual(['2026-04-21', '2026-04-21', '2026-07-20', '2026-07-20', '2026-04-21', '2026-05-01', '2026-04-21', '2026-04-21', '2026-04-21']);
    expect(overPlan).toEqual([true, true, true, true, true, true, false, true, false]);
  });

  it('a plan judged after its end is judged as of its end', () => {
    const ended = { ...s.plan, status: 'completed' as const, period: { start: '2026-01-12', end: '2026-03-31' } };
    const c = computeCompliance(new ResourceBag([...s.resources().filter((r) => r.id !== s.plan.id), ended]), ended, 'US-VA', '2026-06-30', defaultRuleOptions);
    expect(c.asOf).toBe('2026-03-31');
    expect(c.months.at(-1)!.month).toBe('2026-03');
  });

  it('planRuleFindings reports only plan-scope rules, pointing into the CarePlan', () => {
    const plan = { ...s.plan, goal: [] };
    const found = planRuleFindings(new ResourceBag(s.resources()), plan, 'US-VA', '2026-03-10', defaultRuleOptions, PLAN_SCOPE_RULES);
    expect(found.map((f) => [f.rule.id, f.expression])).toEqual([['va-rrwp-goals', 'CarePlan.goal']]);
  });

  describe('the review reading: a review counts once documented within 15 days; pending while they run', () => {
    /** The scenario's plan with one review held on 2026-04-15, documented on the date given (or not at all). */
    const reviewed = (documented?: string) => {
      const review = { url: EXT.review, extension: [
        { url: 'date', valueDate: '2026-04-15' }, ...(documented ? [{ url: 'documented', valueDate: documented }] : []),
        { url: 'signature', extension: [{ url: 'role', valueCode: 'prs' }, { url: 'party', valueReference: ref(s.prsRole) }, { url: 'date', valueDate: '2026-04-15' }] },
        { url: 'signature', extension: [{ url: 'role', valueCode: 'member' }, { url: 'party', valueReference: ref(s.member) }, { url: 'date', valueDate: '2026-04-15' }] },
      ] };
      const plan = { ...s.plan, extension: [...s.plan.extension!, review] };
      return (date: string) => computeCompliance(new ResourceBag([...s.resources().filter((r) => r.id !== s.plan.id), plan]), plan, 'US-VA', date, defaultRuleOptions);
    };
    it('a review documented on day 15 counts and moves the next due date; the plan is not overdue', () => {
      const c = reviewed('2026-04-30')('2026-05-10');
      expect(c.reviews.held[0]).toEqual(expect.objectContaining({ date: '2026-04-15', standing: 'counts', counts: true, documentBy: '2026-04-30', documentedOnTime: true }));
      expect(c.reviews.nextDue).toBe('2026-07-14');
      expect(c.reviews.overdue).toBe(false);
    });
    it('a review documented late (day 16) shows as not counting, and the plan is overdue since the first due date', () => {
      const c = reviewed('2026-05-01')('2026-05-10');
      expect(c.reviews.held[0]).toEqual(expect.objectContaining({ standing: 'late', counts: false, documentBy: '2026-04-30', documentedOnTime: false }));
      expect(c.reviews.overdue).toBe(true);
      expect(c.reviews.nextDue).toBe('2026-04-21');
      expect(c.findings.find((f) => f.rule.id === 'va-rrwp-review-due')!.finding.diagnostics).toContain('so it does not count');
    });
    it('an undocumented review is pending through its 15th day (not overdue), and not counting after', () => {
      const pending = reviewed()('2026-04-30');
      expect(pending.reviews.held[0]).toEqual(expect.objectContaining({ standing: 'pending', counts: false, documentBy: '2026-04-30' }));
      expect(pending.reviews.overdue).toBe(false);
      const after = reviewed()('2026-05-01');
      expect(after.reviews.held[0]).toEqual(expect.objectContaining({ standing: 'undocumented', counts: false }));
      expect(after.reviews.overdue).toBe(true);
    });
    it('judged as of a date before its documentation, a review documented in time is still pending', () => {
      const c = reviewed('2026-04-28')('2026-04-22');
      expect(c.reviews.held[0]).toEqual(expect.objectContaining({ standing: 'pending', counts: false }));
      expect(c.reviews.overdue).toBe(false);
    });
  });

  it('a plan replaced by a new CarePlan is judged as of the day before the new plan applies, and names it', () => {
    const next = amendedPlan(s, 'rrwp-next', '2026-04-01', { daysPerWeek: 3, hoursPerWeek: 4 });
    const bagged = new ResourceBag([...s.resources(), next]);
    const c = computeCompliance(bagged, s.plan, 'US-VA', '2026-06-30', defaultRuleOptions);
    expect(c.replacedBy).toEqual({ plan: 'CarePlan/rrwp-next', from: '2026-04-01' });
    expect(c.asOf).toBe('2026-03-31');
    const own = computeCompliance(bagged, next, 'US-VA', '2026-06-30', defaultRuleOptions);
    expect(own.replacedBy).toBeUndefined();
    expect(own.asOf).toBe('2026-06-30');
  });

  it('a Connecticut plan shows the 30-day transition from the first waiver session: in it on day 30, out of it on day 31', () => {
    const ct = buildScenario({ jurisdiction: 'US-CT' });
    const bagged = new ResourceBag(ct.resources());
    const day30 = computeCompliance(bagged, ct.plan, 'US-CT', '2026-02-11', defaultRuleOptions);
    expect(day30.transition).toEqual({ firstSession: '2026-01-12', end: '2026-02-11', inWindow: true });
    const day31 = computeCompliance(bagged, ct.plan, 'US-CT', '2026-02-12', defaultRuleOptions);
    expect(day31.transition).toEqual({ firstSession: '2026-01-12', end: '2026-02-11', inWindow: false });
    expect(computeCompliance(new ResourceBag(s.resources()), s.plan, 'US-VA', '2026-02-11', defaultRuleOptions).transition).toBeUndefined();
  });
});
