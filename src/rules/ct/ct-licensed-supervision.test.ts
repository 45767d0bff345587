import { EXT } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { ctLicensedSupervision as rule } from './ct-licensed-supervision';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const scenario = () => buildScenario({ jurisdiction: 'US-CT' });
const rejected = [{ rule: 'ct-licensed-supervision', severity: 'error', expression: 'Claim.careTeam[0].provider', item: 0 }];

describe('ct-licensed-supervision', () => {
  it('passes a specialist supervised by a licensed clinician of the same provider', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('rejects the line with ct-licensed-supervision when the supervisor holds no clinical license', () => {
    const s = scenario();
    s.supervisor.qualification = s.supervisor.qualification!.filter((q) => !['lmhp', 'catp'].includes(q.code.coding![0].code!));
    expect(issues(s)).toEqual(rejected);
  });

  it('rejects the line when the supervisor\'s licenses lapsed the day before the service', () => {
    const s = scenario();
    for (const q of s.supervisor.qualification!) q.period = { start: '2015-01-01', end: '2026-03-09' };
    expect(issues(s)).toEqual(rejected);
  });

  it('rejects the line when the supervisor works for another provider', () => {
    const s = scenario();
    s.supervisorRole.organization = { reference: 'Organization/elsewhere' };
    expect(issues(s)).toEqual(rejected);
  });

  it('rejects the line when no supervisor is named', () => {
    const s = scenario();
    s.prsRole.extension = s.prsRole.extension!.filter((e) => e.url !== EXT.directSupervisor);
    expect(issues(s)).toEqual(rejected);
  });
});
