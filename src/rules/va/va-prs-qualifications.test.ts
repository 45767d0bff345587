import { CS } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { vaPrsQualifications as rule } from './va-prs-qualifications';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const denied = [{ rule: 'va-prs-qualifications', severity: 'error', expression: 'Claim.careTeam[0].provider', item: 0 }];
const qualification = (s: Scenario, code: string) => s.prs.qualification!.find((q) => q.code.coding![0].code === code)!;
const without = (s: Scenario, code: string) => {
  s.prs.qualification = s.prs.qualification!.filter((q) => q !== qualification(s, code));
  return s;
};

describe('va-prs-qualifications', () => {
  it('passes when the rendering PRS holds the DBHDS training and a high school diploma (ARTS and MH)', () => {
    expect(issues(buildScenario())).toEqual([]);
    expect(issues(buildScenario({ program: 'mh' }))).toEqual([]);
  });

  it.each(['dbhds-prs-training', 'hs-diploma'])('passes when %s was obtained on the date of service itself', (code) => {
    const s = buildScenario();
    qualification(s, code).period = { start: '2026-03-10' };
    expect(issues(s)).toEqual([]);
  });

  it.each(['dbhds-prs-training', 'hs-diploma'])('rejects the line when %s was obtained only the day after the date of service', (code) => {
    const s = buildScenario();
    qualification(s, code).period = { start: '2026-03-11' };
    expect(issues(s)).toEqual(denied);
    expect(check(rule, s)[0].diagnostics).toContain(code);
    expect(check(rule, s)[0].diagnostics).toContain('2026-03-10');
  });

  it.each(['dbhds-prs-training', 'hs-diploma'])('rejects the line when the PRS holds no %s at all', (code) => {
    const s = without(buildScenario(), code);
    expect(issues(s)).toEqual(denied);
    expect(check(rule, s)[0].diagnostics).toContain(`no ${code}`);
  });

  it('reports both missing qualifications in one finding for the line', () => {
    const s = without(without(buildScenario(), 'hs-diploma'), 'dbhds-prs-training');
    expect(issues(s)).toEqual(denied);
    expect(check(rule, s)[0].diagnostics).toContain('no dbhds-prs-training and no hs-diploma');
  });

  it('does not read an end date: a diploma or a completed training does not lapse', () => {
    const s = buildScenario();
    qualification(s, 'dbhds-prs-training').period = { start: '2020-01-01', end: '2021-01-01' };
    expect(issues(s)).toEqual([]);
  });

  it('does not take a qualification of another code system for the credential', () => {
    const s = buildScenario();
    qualification(s, 'hs-diploma').code = { coding: [{ system: 'http://example.org/other', code: 'hs-diploma' }] };
    expect(issues(s)).toEqual(denied);
    expect(CS.credential).toContain('prss-credential');
  });

  it('rejects the line when its care-team reference resolves to no practitioner', () => {
    const s = buildScenario();
    s.claim.careTeam![0].provider = { reference: 'PractitionerRole/missing' };
    expect(issues(s)).toEqual(denied);
  });
});
