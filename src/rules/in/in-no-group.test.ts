import { CS, EXT, SYSTEM } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { inNoGroup as rule } from './in-no-group';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const scenario = () => buildScenario({ jurisdiction: 'US-IN' });

describe('in-no-group', () => {
  it('passes an individual session', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('rejects a group session with in-no-group, pointing at the session', () => {
    const s = scenario();
    s.session.type = [{ coding: [{ system: CS.encounterKind, code: 'session' }] }, { coding: [{ system: CS.delivery, code: 'group' }] }];
    expect(issues(s)).toEqual([{ rule: 'in-no-group', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 }]);
  });

  it('rejects a session recording more than one member in the group', () => {
    const s = scenario();
    s.session.extension!.push({ url: EXT.groupSize, valueInteger: 2 });
    expect(issues(s)).toHaveLength(1);
  });

  it('rejects a line billed with the HQ group modifier', () => {
    const s = scenario();
    s.claim.item![0].modifier = [{ coding: [{ system: SYSTEM.hcpcs, code: 'HQ' }] }];
    expect(issues(s)).toEqual([{ rule: 'in-no-group', severity: 'error', expression: 'Claim.item[0].modifier', item: 0 }]);
  });
});
