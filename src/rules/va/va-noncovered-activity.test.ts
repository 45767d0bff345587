import { buildScenario, check } from '../testing';
import type { Scenario } from '../../prss/scenario';
import { EXT } from '../../prss/terminology';
import { vaNoncoveredActivity } from './va-noncovered-activity';

const activities = (s: Scenario, codes: string[]) => {
  s.session.extension = [...s.session.extension!.filter((e) => e.url !== EXT.activity), ...codes.map((c) => ({ url: EXT.activity, valueCode: c }))];
};

describe('va-noncovered-activity', () => {
  it('passes the clean scenario (recovery coaching)', () => {
    expect(check(vaNoncoveredActivity, buildScenario())).toEqual([]);
  });

  it('when the session was only transportation and documentation, va-noncovered-activity rejects the line', () => {
    const s = buildScenario();
    activities(s, ['transportation', 'documentation']);
    const f = check(vaNoncoveredActivity, s);
    expect(vaNoncoveredActivity.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', item: 0 })]);
    expect(f[0].diagnostics).toContain('transportation, documentation');
  });

  it('a session mixing a covered activity with a non-covered one is billable (the non-covered time is an interruption)', () => {
    const s = buildScenario();
    activities(s, ['transportation', 'recovery-coaching']);
    expect(check(vaNoncoveredActivity, s)).toEqual([]);
  });

  it('a public support group alone is not a covered service', () => {
    const s = buildScenario();
    activities(s, ['public-support-group']);
    expect(check(vaNoncoveredActivity, s)).toHaveLength(1);
  });

  it.each(['educational', 'health-monitoring', 'social', 'vocational'])('a session of %s alone is billable in Virginia (not billable in Connecticut only)', (code) => {
    const s = buildScenario();
    activities(s, [code]);
    expect(check(vaNoncoveredActivity, s)).toEqual([]);
  });
});
