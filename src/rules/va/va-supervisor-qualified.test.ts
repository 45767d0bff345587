import type { Practitioner } from 'fhir/r4';
import { CS, EXT } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { vaSupervisorQualified as rule } from './va-supervisor-qualified';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const warned = [{ rule: 'va-supervisor-qualified', severity: 'warning', expression: 'Claim.careTeam[0].provider', item: 0 }];
const qual = (code: string, start = '2015-01-01', end?: string) => ({ code: { coding: [{ system: CS.credential, code }] }, period: { start, ...(end ? { end } : {}) } });
const credentials = (p: Practitioner, ...codes: ReturnType<typeof qual>[]) => {
  p.qualification = codes;
};

describe('va-supervisor-qualified', () => {
  it('passes a CATP/LMHP supervisor with the DBHDS supervisor training at the same provider', () => {
    expect(issues(buildScenario())).toEqual([]);
  });

  it('warns with va-supervisor-qualified when the supervisor lacks the DBHDS PRS supervisor training', () => {
    const s = buildScenario();
    credentials(s.supervisor, qual('lmhp'), qual('catp'));
    expect(issues(s)).toEqual(warned);
    expect(check(rule, s)[0].diagnostics).toContain('supervisor training');
  });

  it('warns when the supervisor works for another provider than the PRS', () => {
    const s = buildScenario();
    s.supervisorRole.organization = { reference: 'Organization/elsewhere' };
    expect(issues(s)).toEqual(warned);
  });

  it('warns when the PRS role names no direct supervisor', () => {
    const s = buildScenario();
    s.prsRole.extension = s.prsRole.extension!.filter((e) => e.url !== EXT.directSupervisor);
    expect(issues(s)).toEqual(warned);
  });

  it('accepts a certified PRS supervisor with exactly two years of experience and rejects one a day short', () => {
    const s = buildScenario();
    credentials(s.supervisor, qual('prs-certification'), qual('dbhds-prs-supervisor-training'));
    s.supervisor.extension = [{ url: EXT.peerExperienceStart, valueDate: '2024-03-10' }];
    expect(issues(s)).toEqual([]);
    s.supervisor.extension = [{ url: EXT.peerExperienceStart, valueDate: '2024-03-11' }];
    expect(issues(s)).toEqual(warned);
  });

  it('accepts a trained CSAC for ARTS only when the CSAC is itself supervised by a licensed practitioner', () => {
    const s = buildScenario();
    credentials(s.supervisor, qual('csac'), qual('dbhds-prs-supervisor-training'));
    expect(issues(s)).toEqual(warned);
    s.supervisorRole.extension!.push({ url: EXT.directSupervisor, valueReference: { reference: `PractitionerRole/${s.assessorRole.id}` } });
    expect(issues(s)).toEqual([]);
  });

  it('does not accept a CSAC for a mental health line', () => {
    const s = buildScenario({ program: 'mh' });
    credentials(s.supervisor, qual('csac'), qual('dbhds-prs-supervisor-training'));
    s.supervisorRole.extension!.push({ url: EXT.directSupervisor, valueReference: { reference: `PractitionerRole/${s.assessorRole.id}` } });
    expect(issues(s)).toEqual(warned);
  });

  it('accepts a QMHP of two years for a mental health line but not a QMHP of one year, nor a QMHP for ARTS', () => {
    const mh = buildScenario({ program: 'mh' });
    credentials(mh.supervisor, qual('qmhp', '2024-03-01'), qual('dbhds-prs-supervisor-training'));
    expect(issues(mh)).toEqual([]);
    credentials(mh.supervisor, qual('qmhp', '2025-03-01'), qual('dbhds-prs-supervisor-training'));
    expect(issues(mh)).toEqual(warned);
    const arts = buildScenario();
    credentials(arts.supervisor, qual('qmhp', '2020-01-01'), qual('dbhds-prs-supervisor-training'));
    expect(issues(arts)).toEqual(warned);
  });
});
