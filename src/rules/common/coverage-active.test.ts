import type { Coverage } from 'fhir/r4';
import { buildScenario, check, type Scenario } from '../testing';
import { withResources } from './claims-testing';
import { coverageActive as rule } from './coverage-active';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const denied = [{ rule: 'coverage-active', severity: 'error', expression: 'Claim.insurance[0].coverage', item: 0 }];
/** The clean scenario (date of service 2026-03-10) with the Coverage's period set. */
const withPeriod = (period: Coverage['period']) => {
  const s = buildScenario();
  s.coverage.period = period;
  return s;
};

describe('coverage-active', () => {
  it('passes the clean scenario in every pack (active Coverage covering the date of service)', () => {
    for (const jurisdiction of ['US-VA', 'US-IN', 'US-CT'] as const) expect(check(rule, buildScenario({ jurisdiction }), jurisdiction)).toEqual([]);
  });

  it('passes when the Coverage begins on the date of service, and rejects the line when it begins the day after', () => {
    expect(issues(withPeriod({ start: '2026-03-10', end: '2027-12-31' }))).toEqual([]);
    const late = withPeriod({ start: '2026-03-11', end: '2027-12-31' });
    expect(issues(late)).toEqual(denied);
    expect(check(rule, late)[0].diagnostics).toContain('2026-03-10');
  });

  it('passes when the Coverage ends on the date of service, and rejects the line when it ended the day before', () => {
    expect(issues(withPeriod({ start: '2025-01-01', end: '2026-03-10' }))).toEqual([]);
    expect(issues(withPeriod({ start: '2025-01-01', end: '2026-03-09' }))).toEqual(denied);
  });

  it('treats an open end as open', () => {
    expect(issues(withPeriod({ start: '2025-01-01' }))).toEqual([]);
  });

  it('rejects the line when the Coverage records no period at all', () => {
    expect(issues(withPeriod(undefined))).toEqual(denied);
  });

  it.each(['cancelled', 'draft', 'entered-in-error'] as const)('rejects the line when the Coverage is %s, even though its period covers the date', (status) => {
    const s = buildScenario();
    s.coverage.status = status;
    expect(issues(s)).toEqual(denied);
    expect(check(rule, s)[0].diagnostics).toContain(`'${status}'`);
  });

  it('judges each line on its own date: only the line outside the period is rejected', () => {
    const s = withPeriod({ start: '2025-01-01', end: '2026-03-09' });
    s.claim.item!.push({ ...s.claim.item![0], sequence: 2, servicedDate: '2026-03-09' });
    expect(issues(s)).toEqual(denied);
  });

  it("judges the focal insurance's Coverage, wherever it sits on the claim", () => {
    const s = buildScenario();
    const lapsed: Coverage = { ...s.coverage, id: 'coverage-lapsed', period: { start: '2024-01-01', end: '2024-12-31' } };
    s.claim.insurance = [{ sequence: 1, focal: false, coverage: { reference: 'Coverage/coverage-lapsed' } }, { ...s.claim.insurance![0], sequence: 2, focal: true }];
    expect(issues(withResources(s, lapsed))).toEqual([]);
    s.claim.insurance = [{ ...s.claim.insurance[1], focal: false }, { sequence: 2, focal: true, coverage: { reference: 'Coverage/coverage-lapsed' } }];
    expect(issues(withResources(s, lapsed))).toEqual([{ ...denied[0], expression: 'Claim.insurance[1].coverage' }]);
  });

  it('leaves a Coverage that is not stored to claim-references', () => {
    const s = buildScenario();
    s.claim.insurance![0].coverage = { reference: 'Coverage/missing' };
    expect(issues(s)).toEqual([]);
  });
});
