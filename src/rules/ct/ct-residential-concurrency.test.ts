import type { EpisodeOfCare, FhirResource } from 'fhir/r4';
import { CS } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { ctResidentialConcurrency as rule } from './ct-residential-concurrency';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const rejected = [{ rule: 'ct-residential-concurrency', severity: 'error', expression: 'Claim.item[0].servicedDate', item: 0 }];
const withResidential = (s: Scenario, start: string, end?: string) => {
  const e: EpisodeOfCare = {
    resourceType: 'EpisodeOfCare', id: 'residential', status: end ? 'finished' : 'active',
    type: [{ coding: [{ system: CS.otherService, code: 'residential' }] }], patient: { reference: `Patient/${s.member.id}` },
    period: { start, ...(end ? { end } : {}) },
  };
  const base = s.resources.bind(s);
  s.resources = (): FhirResource[] => [...base(), e];
  return s;
};
const early = () => buildScenario({ jurisdiction: 'US-CT', serviceDate: '2026-01-20' });

describe('ct-residential-concurrency', () => {
  it('passes during the transition: residential care ends on day 30 after the first waiver session', () => {
    expect(issues(withResidential(early(), '2025-11-01', '2026-02-11'))).toEqual([]);
  });

  it('rejects the line with ct-residential-concurrency when residential care ends on day 31', () => {
    expect(issues(withResidential(early(), '2025-11-01', '2026-02-12'))).toEqual(rejected);
  });

  it('rejects a line during ongoing residential care', () => {
    expect(issues(withResidential(buildScenario({ jurisdiction: 'US-CT' }), '2025-11-01'))).toEqual(rejected);
  });

  it('passes a line on the day after residential care ended', () => {
    expect(issues(withResidential(buildScenario({ jurisdiction: 'US-CT' }), '2025-11-01', '2026-03-09'))).toEqual([]);
  });
});
