import { buildScenario, check, type Scenario } from '../testing';
import { ctProviderQualified as rule } from './ct-provider-qualified';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const scenario = () => buildScenario({ jurisdiction: 'US-CT' });
const rejected = [{ rule: 'ct-provider-qualified', severity: 'error', expression: 'Claim.careTeam[0].provider', item: 0 }];
const without = (s: Scenario, code: string) => {
  s.prs.qualification = s.prs.qualification!.filter((q) => q.code.coding![0].code !== code);
  return s;
};

describe('ct-provider-qualified', () => {
  it('passes a specialist who turns 18 on the date of service', () => {
    const s = scenario();
    s.prs.birthDate = '2008-03-10';
    expect(issues(s)).toEqual([]);
  });

  it('rejects the line with ct-provider-qualified when the specialist is 17 (18 the next day)', () => {
    const s = scenario();
    s.prs.birthDate = '2008-03-11';
    expect(issues(s)).toEqual(rejected);
    expect(check(rule, s)[0].diagnostics).toContain('age 17');
  });

  it.each(['hs-diploma', 'ct-drivers-license', 'ct-dmhas-peer-certification'])('rejects the line when the specialist lacks %s', (code) => {
    expect(issues(without(scenario(), code))).toEqual(rejected);
    expect(check(rule, without(scenario(), code))[0].diagnostics).toContain(code);
  });

  it('rejects the line when the DMHAS certification expired the day before the service', () => {
    const s = scenario();
    s.prs.qualification!.find((q) => q.code.coding![0].code === 'ct-dmhas-peer-certification')!.period = { start: '2024-01-01', end: '2026-03-09' };
    expect(issues(s)).toEqual(rejected);
  });

  it('lists every unmet qualification in one finding', () => {
    const s = without(without(scenario(), 'hs-diploma'), 'ct-drivers-license');
    s.prs.birthDate = '2009-01-01';
    const [finding, ...rest] = check(rule, s);
    expect(rest).toEqual([]);
    expect(finding.diagnostics).toMatch(/age 17.*hs-diploma.*ct-drivers-license/);
  });
});
