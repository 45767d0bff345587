import type { CarePlan, Encounter, FhirResource } from 'fhir/r4';
import { buildScenario, ref } from '../../prss/scenario';
import { CS, EXT } from '../../prss/terminology';
import { ResourceBag, defaultRuleOptions } from '../context';
import '../index';
import { caseloadLimit, computeCaseload, supervisionRequired, type Caseload } from './caseload';

const s = buildScenario();
const day = '2026-03-10';
/** n other members with an active RRWP authored by the PRS (the scenario's member is the first on the caseload). */
const otherPlans = (n: number): CarePlan[] => Array.from({ length: n }, (_, i) => ({
  resourceType: 'CarePlan', id: `other-${i}`, status: 'active', intent: 'plan', category: [{ coding: [{ system: CS.careplanCategory, code: 'rrwp' }] }],
  subject: { reference: `Patient/other-${i}` }, author: ref(s.prsRole), period: { start: '2026-01-01' },
}));
const run = (extra: FhirResource[] = [], resources = s.resources()) =>
  computeCaseload(new ResourceBag([...resources, ...extra]), s.prsRole, day, defaultRuleOptions) as Caseload;

describe('computeCaseload', () => {
  it('a full-time PRS with 15 members is within the limit; the 16th member is over it (va-caseload)', () => {
    const fifteen = run(otherPlans(14));
    expect(fifteen.members).toHaveLength(15);
    expect(fifteen).toEqual(expect.objectContaining({ employmentType: 'full-time', limit: 15, overLimit: false }));
    expect(fifteen.findings.map((f) => f.rule.id)).not.toContain('va-caseload');

    const sixteen = run(otherPlans(15));
    expect(sixteen.members).toHaveLength(16);
    expect(sixteen.overLimit).toBe(true);
    const f = sixteen.findings.find((x) => x.rule.id === 'va-caseload')!;
    expect(f.rule.severity).toBe('warning');
    expect(f.finding.diagnostics).toContain('16 members');
  });

  it('reads the limits from va-caseload itself: 15 full time, 9 part time', () => {
    expect(caseloadLimit('full-time', day, defaultRuleOptions)).toBe(15);
    expect(caseloadLimit('part-time', day, defaultRuleOptions)).toBe(9);
  });

  it('reads the meetings required from va-supervision-frequency: 2 under 12 months, 1 under 24, none after', () => {
    expect(supervisionRequired('2025-09-01', day, defaultRuleOptions)).toBe(2);
    expect(supervisionRequired('2025-03-10', day, defaultRuleOptions)).toBe(1);
    expect(supervisionRequired('2024-03-10', day, defaultRuleOptions)).toBe(0);
    expect(supervisionRequired(undefined, day, defaultRuleOptions)).toBe(2);
  });

  it('a new PRS with a 45-minute and a 30-minute meeting in March meets supervision; with 29 minutes the second does not count', () => {
    const newPrs = { ...s.prs, extension: [{ url: EXT.peerExperienceStart, valueDate: '2025-09-01' }] };
    const meeting = (minutes: number): Encounter => ({
      ...structuredClone(s.supervisions[2]), id: 'supervision-extra',
      period: { start: '2026-03-20T14:00:00-05:00', end: `2026-03-20T14:${String(minutes).padStart(2, '0')}:00-05:00` },
    });
    const resources = s.resources().filter((r) => r.id !== s.prs.id);
    const thirty = run([newPrs, meeting(30)], resources);
    expect(thirty.supervision).toEqual(expect.objectContaining({ month: '2026-03', experienceMonths: 6, required: 2, qualifying: 2, qualifyingMinutes: 75, met: true }));
    expect(thirty.findings.map((f) => f.rule.id)).not.toContain('va-supervision-frequency');

    const twentyNine = run([newPrs, meeting(29)], resources);
    expect(twentyNine.supervision.meetings.map((m) => [m.minutes, m.qualifies])).toEqual([[45, true], [29, false]]);
    expect(twentyNine.supervision).toEqual(expect.objectContaining({ qualifying: 1, met: false }));
    expect(twentyNine.findings.map((f) => f.rule.id)).toContain('va-supervision-frequency');
  });

  it('reports an unqualified direct supervisor (va-supervisor-qualified)', () => {
    const sup = { ...s.supervisor, qualification: s.supervisor.qualification!.filter((q) => !q.code.coding?.some((c) => c.code === 'dbhds-prs-supervisor-training')) };
    const c = run([sup], s.resources().filter((r) => r.id !== s.supervisor.id));
    expect(c.supervision.supervisor).toBe(`PractitionerRole/${s.supervisorRole.id}`);
    expect(c.findings.map((f) => f.rule.id)).toEqual(['va-supervisor-qualified']);
  });
});
