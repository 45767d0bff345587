import type { EpisodeOfCare, FhirResource } from 'fhir/r4';
import { CS } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { ctSupportedEmployment as rule } from './ct-supported-employment';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const withEmployment = (period: EpisodeOfCare['period']) => {
  const s = buildScenario({ jurisdiction: 'US-CT' });
  const e: EpisodeOfCare = {
    resourceType: 'EpisodeOfCare', id: 'se', status: 'active', period,
    type: [{ coding: [{ system: CS.otherService, code: 'supported-employment' }] }], patient: { reference: `Patient/${s.member.id}` },
  };
  const base = s.resources.bind(s);
  s.resources = (): FhirResource[] => [...base(), e];
  return s;
};

describe('ct-supported-employment', () => {
  it('passes when no supported-employment episode covers the date', () => {
    expect(issues(buildScenario({ jurisdiction: 'US-CT' }))).toEqual([]);
    expect(issues(withEmployment({ start: '2025-01-01', end: '2026-03-09' }))).toEqual([]);
  });

  it('warns with ct-supported-employment when the episode covers the date of service', () => {
    expect(issues(withEmployment({ start: '2026-03-10' }))).toEqual([
      { rule: 'ct-supported-employment', severity: 'warning', expression: 'Claim.item[0].servicedDate', item: 0 },
    ]);
  });

  it('warns when the episode ends on the date of service (dates inclusive)', () => {
    expect(issues(withEmployment({ start: '2025-01-01', end: '2026-03-10' }))).toHaveLength(1);
  });
});
