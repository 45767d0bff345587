import { buildScenario } from '../prss/scenario';
import { contextOf } from './testing';
import { billableUnits, memberLines, practitionerOf } from './facts';

describe('rule context', () => {
  it('resolves a PractitionerRole reference to the person behind it', () => {
    const s = buildScenario();
    const ctx = contextOf(s);
    expect(practitionerOf(ctx.data, s.claim.careTeam![0].provider)).toBe(s.prs);
  });
  it('counts a 60-minute session as 4 units and a 59-minute one as 3', () => {
    const s = buildScenario();
    expect(billableUnits(s.session)).toBe(4);
    s.session.period!.end = s.session.period!.end!.replace('11:00', '10:59');
    expect(billableUnits(s.session)).toBe(3);
  });
  it('does not count the claim being checked twice when it is also stored', () => {
    const s = buildScenario();
    const ctx = contextOf(s);
    const stored = { ...s.claim };
    ctx.data.add(stored);
    ctx.claim = { ...s.claim };
    expect(memberLines(ctx).filter((l) => l.current)).toHaveLength(1);
    expect(memberLines(ctx)).toHaveLength(1);
  });
});
