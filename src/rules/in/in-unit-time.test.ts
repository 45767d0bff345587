import { EXT } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { inUnitTime as rule } from './in-unit-time';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item, allowedUnits: f.allowedUnits }));
const scenario = () => buildScenario({ jurisdiction: 'US-IN' });

describe('in-unit-time', () => {
  it('passes 4 units for a 60-minute session', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('rejects 4 units for a 59-minute session with in-unit-time, allowing 3', () => {
    const s = scenario();
    s.session.period!.end = s.session.period!.end!.replace('11:00', '10:59');
    expect(issues(s)).toEqual([{ rule: 'in-unit-time', severity: 'error', expression: 'Claim.item[0].quantity', item: 0, allowedUnits: 3 }]);
  });

  it('removes interruptions before counting units', () => {
    const s = scenario();
    s.session.extension!.push({ url: EXT.interruption, valuePeriod: { start: '2026-03-10T10:20:00-05:00', end: '2026-03-10T10:35:00-05:00' } });
    expect(issues(s)).toEqual([{ rule: 'in-unit-time', severity: 'error', expression: 'Claim.item[0].quantity', item: 0, allowedUnits: 3 }]);
  });
});
