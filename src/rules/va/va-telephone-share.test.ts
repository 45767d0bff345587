import { buildScenario, check } from '../testing';
import { addMinutes, type Scenario } from '../../prss/scenario';
import { EXT } from '../../prss/terminology';
import { vaTelephoneShare } from './va-telephone-share';

// Earlier sessions of 2026 in the scenario: 60 + 60 + 45 + 60 = 225 minutes, all in person.
const phoneSession = (minutes: number): Scenario => {
  const s = buildScenario();
  s.session.extension!.find((e) => e.url === EXT.contactMode)!.valueCode = 'telephone';
  s.session.period!.end = addMinutes(s.session.period!.start!, minutes);
  return s;
};

describe('va-telephone-share', () => {
  it('passes the clean scenario (no telephone time)', () => {
    expect(check(vaTelephoneShare, buildScenario())).toEqual([]);
  });

  it('a 75-minute telephone session makes 75 of 300 minutes, exactly 25%, and passes', () => {
    expect(check(vaTelephoneShare, phoneSession(75))).toEqual([]);
  });

  it('when an 80-minute telephone session makes 80 of 305 minutes (26.2%), va-telephone-share warns', () => {
    const f = check(vaTelephoneShare, phoneSession(80));
    expect(vaTelephoneShare.severity).toBe('warning');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', item: 0 })]);
    expect(f[0].allowedUnits).toBeUndefined();
    expect(f[0].diagnostics).toContain('80 of 305 minutes (26.2%)');
  });

  it('an in-person line is not flagged even when earlier telephone time is over the share', () => {
    const s = buildScenario();
    for (const e of s.sessions.filter((x) => x !== s.session)) e.extension!.find((x) => x.url === EXT.contactMode)!.valueCode = 'telephone';
    expect(check(vaTelephoneShare, s)).toEqual([]);
  });
});
