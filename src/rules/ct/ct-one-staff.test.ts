import type { Claim, FhirResource } from 'fhir/r4';
import { sessionEncounter } from '../../prss/scenario';
import { buildScenario, check, type Scenario } from '../testing';
import { ctOneStaff as rule } from './ct-one-staff';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const rejected = (item = 0) => [{ rule: 'ct-one-staff', severity: 'error', expression: `Claim.item[${item}].encounter[0]`, item }];
const scenario = () => buildScenario({ jurisdiction: 'US-CT' });

/** A stored claim by another staff member (the assessor's role) for a session starting at `start` for `minutes`. */
function otherStaffClaim(s: Scenario, start: string, minutes: number, staff = `PractitionerRole/${s.assessorRole.id}`) {
  const session = sessionEncounter('other-staff-session', { member: s.member, prsRole: s.assessorRole, start, minutes, program: 'arts' });
  session.participant![0].individual = { reference: staff };
  const claim: Claim = {
    ...s.claim, id: 'other-claim', identifier: [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: 'other' }],
    careTeam: [{ sequence: 1, provider: { reference: staff } }],
    item: [{ ...s.claim.item![0], encounter: [{ reference: `Encounter/${session.id}` }] }],
  };
  const base = s.resources.bind(s);
  s.resources = (): FhirResource[] => [...base(), session, claim];
  return s;
}

describe('ct-one-staff', () => {
  it('passes when no other staff member billed the participant at the same time', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('rejects the line with ct-one-staff when another staff member billed an overlapping session', () => {
    const s = otherStaffClaim(scenario(), '2026-03-10T10:30:00-05:00', 60);
    expect(issues(s)).toEqual(rejected());
    expect(check(rule, s)[0].diagnostics).toContain('Claim/other-claim');
  });

  it('passes back-to-back sessions: one ends at 11:00, the other starts at 11:00', () => {
    expect(issues(otherStaffClaim(scenario(), '2026-03-10T11:00:00-05:00', 30))).toEqual([]);
  });

  it('does not apply to the same staff member', () => {
    const s = scenario();
    expect(issues(otherStaffClaim(s, '2026-03-10T10:30:00-05:00', 60, `Practitioner/${s.prs.id}`))).toEqual([]);
  });

  it('rejects the later of two overlapping lines of the same claim by different staff', () => {
    const s = scenario();
    s.claim.careTeam!.push({ sequence: 2, provider: { reference: `PractitionerRole/${s.assessorRole.id}` } });
    s.claim.item!.push({ ...s.claim.item![0], sequence: 2, careTeamSequence: [2] });
    expect(issues(s)).toEqual(rejected(1));
  });

  it('does not count another staff member\'s claim that is cancelled or entered in error', () => {
    for (const status of ['cancelled', 'entered-in-error'] as const) {
      const s = otherStaffClaim(scenario(), '2026-03-10T10:30:00-05:00', 60);
      const base = s.resources.bind(s);
      s.resources = () => base().map((r) => (r.id === 'other-claim' ? { ...(r as Claim), status } : r));
      expect(issues(s)).toEqual([]);
    }
  });

  it('does not count an overlapping session that is cancelled or entered in error, though an active claim bills it', () => {
    for (const status of ['cancelled', 'entered-in-error'] as const) {
      const s = otherStaffClaim(scenario(), '2026-03-10T10:30:00-05:00', 60);
      const base = s.resources.bind(s);
      s.resources = () => base().map((r) => (r.id === 'other-staff-session' ? { ...r, status } as FhirResource : r));
      expect(issues(s)).toEqual([]);
    }
  });
});
