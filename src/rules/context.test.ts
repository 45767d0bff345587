import { buildScenario } from '../prss/scenario';
import { contextOf } from './testing';
import { billableUnits, memberLines, practitionerOf, readOnce, signaturesOf } from './facts';
import { planReviews } from './va/facts-plan';

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

  it('reads a frozen (stored) plan once, and an unfrozen one afresh on every call', () => {
    let reads = 0;
    const cache = new WeakMap<object, { n: number }[]>();
    const read = () => [{ n: ++reads }];
    const frozen = Object.freeze({ id: 'a' });
    const first = readOnce(cache, frozen, read);
    expect(readOnce(cache, frozen, read)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first[0])).toBe(true);
    const open = { id: 'b' };
    expect(readOnce(cache, open, read)).not.toBe(readOnce(cache, open, read));
    expect(reads).toBe(3);
  });
  it('gives a changed plan its own signatures and reviews, not those of the plan it was copied from', () => {
    const s = buildScenario();
    const plan = s.plan;
    const stored = deepFrozen(structuredClone(plan));
    expect(signaturesOf(stored).length).toBe(signaturesOf(plan).length);
    expect(planReviews(stored)).toBe(planReviews(stored));
    const edited = structuredClone(plan);
    edited.extension = (edited.extension ?? []).filter((e) => !/signature/.test(e.url));
    expect(signaturesOf(edited)).toHaveLength(0);
    expect(signaturesOf(stored).length).toBeGreaterThan(0);
  });
});

function deepFrozen<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFrozen(x);
    Object.freeze(v);
  }
  return v;
}

