import { EXT } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { inCertified as rule } from './in-certified';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const scenario = () => buildScenario({ jurisdiction: 'US-IN' });
const rejected = [{ rule: 'in-certified', severity: 'error', expression: 'Claim.careTeam[0].provider', item: 0 }];

describe('in-certified', () => {
  it('passes a certified recovery specialist supervised by a licensed professional', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('rejects the line with in-certified when the specialist\'s certification expired the day before the service', () => {
    const s = scenario();
    s.prs.qualification!.find((q) => q.code.coding![0].code === 'in-crs')!.period = { start: '2024-01-01', end: '2026-03-09' };
    expect(issues(s)).toEqual(rejected);
    expect(check(rule, s)[0].diagnostics).toContain('in-crs');
  });

  it('passes when the certification expires on the date of service', () => {
    const s = scenario();
    s.prs.qualification!.find((q) => q.code.coding![0].code === 'in-crs')!.period = { start: '2024-01-01', end: '2026-03-10' };
    expect(issues(s)).toEqual([]);
  });

  it('rejects the line when the supervisor is not a licensed professional or QBHP', () => {
    const s = scenario();
    s.supervisor.qualification = s.supervisor.qualification!.filter((q) => q.code.coding![0].code !== 'in-licensed-supervisor');
    expect(issues(s)).toEqual(rejected);
    expect(check(rule, s)[0].diagnostics).toContain('in-licensed-supervisor');
  });

  it('rejects the line when no supervisor is named', () => {
    const s = scenario();
    s.prsRole.extension = s.prsRole.extension!.filter((e) => e.url !== EXT.directSupervisor);
    expect(issues(s)).toEqual(rejected);
  });
});
