import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaAssessmentRequired as rule } from './va-assessment-required';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import type { ServiceRequest } from 'fhir/r4';
import { CS } from '../../prss/terminology';

const AT_SERVICE = { id: 'va-assessment-required', severity: 'error', expression: 'Claim.item[0].productOrService', item: 0 };

describe('va-assessment-required', () => {
  it('passes the clean scenario (assessment of 2026-01-05)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('allows an assessment signed on the date of service and rejects one signed the day after', () => {
    const same = buildScenario();
    same.assessment.authoredOn = '2026-03-10';
    expect(found(same)).toEqual([]);
    const after = buildScenario();
    after.assessment.authoredOn = '2026-03-11';
    expect(found(after)).toEqual([AT_SERVICE]);
    expect(diagnostics(after)).toContain('authored 2026-03-11');
  });
  it('rejects a line when the only assessment is revoked', () => {
    const s = buildScenario();
    s.assessment.status = 'revoked';
    expect(found(s)).toEqual([AT_SERVICE]);
  });
  it('rejects an ARTS line when the assessment recommends MH services', () => {
    const s = buildScenario();
    s.assessment.category = [{ coding: [{ system: CS.program, code: 'mh' }] }];
    expect(found(s)).toEqual([AT_SERVICE]);
  });
  it('rejects a PSS line when the assessment recommends Family Support Partners', () => {
    const s = buildScenario();
    s.assessment.code = { coding: [{ system: CS.service, code: 'fsp' }] };
    expect(found(s)).toEqual([AT_SERVICE]);
  });
  it('accepts another active assessment when the one the session names does not recommend the service', () => {
    const s = buildScenario();
    const current: ServiceRequest = { ...s.assessment, id: 'assessment-current', authoredOn: '2026-03-01' };
    s.assessment.status = 'revoked';
    expect(found({ ...s, resources: () => [...s.resources(), current] })).toEqual([]);
  });
});
