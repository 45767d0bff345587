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

/** First waiver peer support session 2026-01-12: the transition runs through 2026-02-11 (day 30). */
const on = (serviceDate: string) => buildScenario({ jurisdiction: 'US-CT', serviceDate });

describe('ct-residential-concurrency', () => {
  it('passes during the transition, whatever the residential episode\'s end: ongoing residential care, line on day 30 after the first waiver session', () => {
    expect(issues(withResidential(on('2026-02-11'), '2025-11-01'))).toEqual([]);
    expect(issues(withResidential(early(), '2025-11-01', '2026-12-31'))).toEqual([]);
  });

  it('rejects the line with ct-residential-concurrency on day 31 after the first waiver session, inside ongoing residential care', () => {
    const s = withResidential(on('2026-02-12'), '2025-11-01');
    expect(issues(s)).toEqual(rejected);
    expect(check(rule, s)[0].diagnostics).toContain('after the 30-day transition, which ended on 2026-02-11 (30 days after the first waiver peer support session on 2026-01-12)');
  });

  it('rejects a line on day 31 even when the residential episode ends within 30 days of the first session (the date decides, not the episode\'s end)', () => {
    expect(issues(withResidential(on('2026-02-12'), '2025-11-01', '2026-02-12'))).toEqual(rejected);
  });

  it('passes a line on day 31 when residential care ended the day before', () => {
    expect(issues(withResidential(on('2026-02-12'), '2025-11-01', '2026-02-11'))).toEqual([]);
  });

  it('rejects a line during ongoing residential care', () => {
    expect(issues(withResidential(buildScenario({ jurisdiction: 'US-CT' }), '2025-11-01'))).toEqual(rejected);
  });

  it('passes a line on the day after residential care ended', () => {
    expect(issues(withResidential(buildScenario({ jurisdiction: 'US-CT' }), '2025-11-01', '2026-03-09'))).toEqual([]);
  });

  it('counts the transition from the first finished session: a cancelled earlier session does not start it', () => {
    const s = on('2026-02-12');
    s.sessions[0].status = 'cancelled';
    // First finished session is now 2026-02-03: the transition runs through 2026-03-05.
    expect(issues(withResidential(s, '2025-11-01'))).toEqual([]);
  });
});
