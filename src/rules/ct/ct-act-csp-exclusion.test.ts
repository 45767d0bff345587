import type { EpisodeOfCare, FhirResource } from 'fhir/r4';
import { CS } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { ctActCspExclusion as rule } from './ct-act-csp-exclusion';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const rejected = [{ rule: 'ct-act-csp-exclusion', severity: 'error', expression: 'Claim.item[0].servicedDate', item: 0 }];
const store = (s: Scenario, ...more: FhirResource[]) => {
  const base = s.resources.bind(s);
  s.resources = () => [...base(), ...more];
};
const episode = (s: Scenario, type: string, start: string, end?: string): EpisodeOfCare => ({
  resourceType: 'EpisodeOfCare', id: `${type}-episode`, status: end ? 'finished' : 'active',
  type: [{ coding: [{ system: CS.otherService, code: type }] }], patient: { reference: `Patient/${s.member.id}` },
  period: { start, ...(end ? { end } : {}) },
});
/** First waiver session 2026-01-12, billed session 2026-01-20 (inside the step-down window). */
const early = () => buildScenario({ jurisdiction: 'US-CT', serviceDate: '2026-01-20' });

describe('ct-act-csp-exclusion', () => {
  it('passes when the member has no ACT or CSP episode', () => {
    expect(issues(early())).toEqual([]);
  });

  it('passes during the step-down whatever the episode\'s end: a line on day 30 after the first waiver session inside an open-ended ACT episode', () => {
    const s = buildScenario({ jurisdiction: 'US-CT', serviceDate: '2026-02-11' });
    store(s, episode(s, 'act', '2025-06-01'));
    expect(issues(s)).toEqual([]);
    const e = early();
    store(e, episode(e, 'act', '2025-06-01', '2026-12-31'));
    expect(issues(e)).toEqual([]);
  });

  it('rejects the line with ct-act-csp-exclusion on day 31 after the first waiver session, inside the ACT episode', () => {
    const s = buildScenario({ jurisdiction: 'US-CT', serviceDate: '2026-02-12' });
    store(s, episode(s, 'act', '2025-06-01', '2026-02-12'));
    expect(issues(s)).toEqual(rejected);
    expect(check(rule, s)[0].diagnostics).toContain('the 30-day transition, which ended on 2026-02-11 (30 days after the first waiver peer support session on 2026-01-12)');
  });

  it('passes a line on day 31 when the ACT episode ended on day 30', () => {
    const s = buildScenario({ jurisdiction: 'US-CT', serviceDate: '2026-02-12' });
    store(s, episode(s, 'act', '2025-06-01', '2026-02-11'));
    expect(issues(s)).toEqual([]);
  });

  it('starts the transition at a first session billed on this claim when none is on file', () => {
    const s = buildScenario({ jurisdiction: 'US-CT', serviceDate: '2026-01-05' });
    store(s, episode(s, 'csp', '2025-06-01'));
    expect(s.sessions.map((e) => e.period!.start!.slice(0, 10))).toEqual(['2026-01-05']);
    expect(issues(s)).toEqual([]);
  });

  it('rejects a line inside an open-ended CSP episode', () => {
    const s = buildScenario({ jurisdiction: 'US-CT' });
    store(s, episode(s, 'csp', '2025-06-01'));
    expect(issues(s)).toEqual(rejected);
  });

  it('passes a line dated after the ACT episode ended', () => {
    const s = buildScenario({ jurisdiction: 'US-CT' });
    store(s, episode(s, 'act', '2025-06-01', '2026-03-09'));
    expect(issues(s)).toEqual([]);
  });

  it('ignores episodes of other services, of other members, and entered in error', () => {
    const s = early();
    const residential = episode(s, 'residential', '2025-06-01');
    const otherMember = { ...episode(s, 'act', '2025-06-01'), id: 'other', patient: { reference: 'Patient/someone-else' } };
    const error = { ...episode(s, 'csp', '2025-06-01'), id: 'error', status: 'entered-in-error' as const };
    store(s, residential, otherMember, error);
    expect(issues(s)).toEqual([]);
  });
});
