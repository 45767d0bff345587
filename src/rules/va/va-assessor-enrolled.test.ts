import type { Organization, PractitionerRole } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { ref } from '../../prss/scenario';
import { buildScenario, check, type Scenario } from '../testing';
import { withResources } from '../common/claims-testing';
import { vaAssessorEnrolled as rule } from './va-assessor-enrolled';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const reported = [{ rule: 'va-assessor-enrolled', severity: 'warning', expression: 'Claim.item[0].productOrService', item: 0 }];
/** The assessment is authored 2026-01-05; every enrollment of the scenario's provider gets this period. */
const enrollmentPeriod = (s: Scenario, period: { start?: string; end?: string }) => {
  for (const en of s.provider.extension!.filter((e) => e.url === EXT.enrollment)) en.extension!.find((x) => x.url === 'period')!.valuePeriod = period;
  return s;
};
const agency = (id: string, period: { start?: string; end?: string }): Organization => ({
  resourceType: 'Organization', id, active: true, name: 'Piedmont Community Services Board',
  extension: [{ url: EXT.enrollment, extension: [{ url: 'program', valueCode: 'mh' }, { url: 'providerType', valueCode: 'mh-clinic' }, { url: 'period', valuePeriod: period }] }],
});

describe('va-assessor-enrolled', () => {
  it('passes the clean scenarios: the LMHP assessor works at the enrolled provider', () => {
    expect(issues(buildScenario())).toEqual([]);
    expect(issues(buildScenario({ program: 'mh' }))).toEqual([]);
  });

  it("passes when the Organization's enrollment begins on the assessment's date, and warns when it begins the day after", () => {
    expect(issues(enrollmentPeriod(buildScenario(), { start: '2026-01-05' }))).toEqual([]);
    const late = enrollmentPeriod(buildScenario(), { start: '2026-01-06' });
    expect(issues(late)).toEqual(reported);
    expect(check(rule, late)[0].diagnostics).toContain('2026-01-05');
  });

  it("passes when the enrollment ends on the assessment's date, and warns when it ended the day before", () => {
    expect(issues(enrollmentPeriod(buildScenario(), { start: '2024-01-01', end: '2026-01-05' }))).toEqual([]);
    expect(issues(enrollmentPeriod(buildScenario(), { start: '2024-01-01', end: '2026-01-04' }))).toEqual(reported);
  });

  it("passes when the assessor's role ends on the assessment's date, and warns when it ended the day before", () => {
    const onDay = buildScenario();
    onDay.assessorRole.period = { start: '2024-01-01', end: '2026-01-05' };
    expect(issues(onDay)).toEqual([]);
    const ended = buildScenario();
    ended.assessorRole.period = { start: '2024-01-01', end: '2026-01-04' };
    expect(issues(ended)).toEqual(reported);
    expect(check(rule, ended)[0].diagnostics).toContain('no PractitionerRole in force');
  });

  it('warns when the Organization the assessor works at has no enrollment at all, or is inactive', () => {
    const none = buildScenario();
    none.provider.extension = none.provider.extension!.filter((e) => e.url !== EXT.enrollment);
    expect(issues(none)).toEqual(reported);
    expect(check(rule, none)[0].diagnostics).toContain(`Organization/${none.provider.id}`);
    const inactive = buildScenario();
    inactive.provider.active = false;
    expect(issues(inactive)).toEqual(reported);
  });

  it('reads every role of the assessor, not only the one the requester names: a role at another enrolled agency passes', () => {
    const s = buildScenario();
    s.assessorRole.period = { start: '2024-01-01', end: '2025-06-30' };
    const other = agency('csb-1', { start: '2025-01-01' });
    const role: PractitionerRole = { resourceType: 'PractitionerRole', id: 'lmhp-csb-role', active: true, practitioner: ref(s.assessor), organization: ref(other), period: { start: '2025-07-01' } };
    expect(issues(withResources(s, other, role))).toEqual([]);
    expect(issues(withResources(s, agency('csb-1', { start: '2026-01-06' }), role))).toEqual(reported);
  });

  it('accepts a requester naming the Practitioner rather than the role', () => {
    const s = buildScenario();
    s.assessment.requester = ref(s.assessor);
    expect(issues(s)).toEqual([]);
  });

  it('warns when the requester resolves to no one', () => {
    const s = buildScenario();
    s.assessment.requester = { reference: 'Practitioner/unknown' };
    expect(issues(s)).toEqual(reported);
    expect(check(rule, s)[0].diagnostics).toContain('Practitioner/unknown');
  });

  it('leaves a line without an assessment to va-assessment-required', () => {
    const s = buildScenario();
    s.assessment.status = 'revoked';
    s.provider.extension = s.provider.extension!.filter((e) => e.url !== EXT.enrollment);
    expect(issues(s)).toEqual([]);
  });
});
