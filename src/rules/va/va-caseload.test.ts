import type { CarePlan, Patient } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { sessionEncounter, signature } from '../../prss/scenario';
import { buildScenario, check, type Scenario } from '../testing';
import { vaCaseload as rule } from './va-caseload';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const warned = [{ rule: 'va-caseload', severity: 'warning', expression: 'Claim.careTeam[0].provider', item: 0 }];
const patient = (id: string) => ({ resourceType: 'Patient', id }) as Patient;

/** Other members the PRS saw on the day (the scenario's own member is already on the caseload). */
function addMembers(s: Scenario, n: number, day = '2026-03-01', from = 0) {
  for (let i = from; i < from + n; i++) {
    s.sessions.push(sessionEncounter(`other-session-${i}`, { member: patient(`other-${i}`), prsRole: s.prsRole, start: `${day}T09:00:00-05:00`, minutes: 30, program: 'arts' }));
  }
}
const partTime = (s: Scenario) => {
  s.prsRole.extension!.find((e) => e.url === EXT.employmentType)!.valueCode = 'part-time';
};

describe('va-caseload', () => {
  it('passes a full-time PRS with 15 members on the caseload', () => {
    const s = buildScenario();
    addMembers(s, 14);
    expect(issues(s)).toEqual([]);
  });

  it('warns with va-caseload when a full-time PRS has a 16th member', () => {
    const s = buildScenario();
    addMembers(s, 15);
    expect(issues(s)).toEqual(warned);
    expect(check(rule, s)[0].diagnostics).toContain('16 members');
  });

  it('passes a part-time PRS with 9 members and warns at 10', () => {
    const s = buildScenario();
    partTime(s);
    addMembers(s, 8);
    expect(issues(s)).toEqual([]);
    addMembers(s, 1, '2026-03-01', 8);
    expect(issues(s)).toEqual(warned);
    expect(check(rule, s)[0].diagnostics).toContain('part-time limit of 9');
  });

  it('counts a session 30 days before the date of service but not one 31 days before', () => {
    const s = buildScenario();
    addMembers(s, 14);
    addMembers(s, 1, '2026-02-07', 14);
    expect(issues(s)).toEqual([]);
    addMembers(s, 1, '2026-02-08', 15);
    expect(issues(s)).toEqual(warned);
  });

  it('does not count sessions another PRS rendered', () => {
    const s = buildScenario();
    addMembers(s, 15);
    for (const e of s.sessions.filter((x) => x.id!.startsWith('other-'))) e.participant![0].individual = { reference: 'PractitionerRole/someone-else' };
    expect(issues(s)).toEqual([]);
  });

  it('counts a member whose active RRWP the PRS signed even without a recent session', () => {
    const s = buildScenario();
    addMembers(s, 14);
    const plan: CarePlan = { ...s.plan, id: 'rrwp-other', subject: { reference: 'Patient/plan-only' }, author: { reference: 'PractitionerRole/another-author' },
      extension: [signature('prs', { reference: `Practitioner/${s.prs.id}` }, '2026-02-01')] };
    const resources = s.resources.bind(s);
    s.resources = () => [...resources(), plan];
    expect(issues(s)).toEqual(warned);
    plan.status = 'completed';
    expect(issues(s)).toEqual([]);
  });
});
