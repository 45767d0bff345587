import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaAssessmentWindow as rule } from './va-assessment-window';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import type { CarePlan, ServiceRequest } from 'fhir/r4';

const AT_DATE = { id: 'va-assessment-window', severity: 'error', expression: 'Claim.item[0].servicedDate', item: 0 };
const assessedOn = (day: string) => {
  const s = buildScenario();
  s.assessment.authoredOn = day;
  return s;
};

describe('va-assessment-window', () => {
  it('passes the clean scenario (assessed 2026-01-05, service initiated 2026-01-12)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('allows service initiated on day 30 after the assessment', () => {
    expect(found(assessedOn('2025-12-13'))).toEqual([]);
  });
  it('rejects service initiated on day 31 after the assessment, for every later line too', () => {
    const s = assessedOn('2025-12-12');
    expect(found(s)).toEqual([AT_DATE]);
    expect(diagnostics(s)).toContain('Service began on 2026-01-12, 31 calendar days after assessment ServiceRequest/assessment-1 of 2025-12-12');
  });
  it('allows services again once a new assessment is followed by a timely service', () => {
    const s = assessedOn('2025-12-12');
    const again: ServiceRequest = { ...s.assessment, id: 'reassessment', authoredOn: '2026-03-01' };
    expect(found({ ...s, resources: () => [...s.resources(), again] })).toEqual([]);
  });
  it('rejects a new episode whose first service comes 31 days after its assessment (the timely one before the discharge does not count)', () => {
    const s = buildScenario({ serviceDate: '2026-03-24' });
    const discharged: CarePlan = { ...s.plan, id: 'old-plan', status: 'completed', period: { start: '2025-06-01', end: '2026-02-20' } };
    const again: ServiceRequest = { ...s.assessment, id: 'reassessment', authoredOn: '2026-02-21' };
    s.sessions.find((e) => e.period?.start?.startsWith('2026-03-03'))!.status = 'cancelled';
    expect(found({ ...s, resources: () => [...s.resources(), discharged, again] })).toEqual([AT_DATE]);
    again.authoredOn = '2026-02-22';
    expect(found({ ...s, resources: () => [...s.resources(), discharged, again] })).toEqual([]);
  });
});
