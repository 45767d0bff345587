import { buildScenario, check } from '../testing';
import { lineArithmetic } from './line-arithmetic';

describe('line-arithmetic', () => {
  it('passes the clean scenario (4 × 25.00 = 100.00, total 100.00)', () => {
    expect(check(lineArithmetic, buildScenario())).toEqual([]);
  });

  it('accepts a net rounded to the cent (3 × 12.33 = 36.99) and rejects one a cent off', () => {
    const s = buildScenario();
    const item = s.claim.item![0];
    item.quantity = { value: 3 };
    item.unitPrice = { value: 12.33, currency: 'USD' };
    item.net = { value: 36.99, currency: 'USD' };
    s.claim.total = { value: 36.99, currency: 'USD' };
    expect(check(lineArithmetic, s)).toEqual([]);
    item.net = { value: 37, currency: 'USD' };
    s.claim.total = { value: 37, currency: 'USD' };
    const f = check(lineArithmetic, s);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ expression: 'Claim.item[0].net', item: 0 });
    expect(f[0].diagnostics).toContain('36.99');
    expect(lineArithmetic.severity).toBe('error');
  });

  it('when the claim total differs from the sum of the lines, line-arithmetic reports Claim.total', () => {
    const s = buildScenario();
    s.claim.total = { value: 125, currency: 'USD' };
    const f = check(lineArithmetic, s);
    expect(f.map((x) => x.expression)).toEqual(['Claim.total']);
    expect(f[0].item).toBeUndefined();
  });

  it('when a line has no net, line-arithmetic reports Claim.item[0].net', () => {
    const s = buildScenario();
    delete s.claim.item![0].net;
    s.claim.total = { value: 0, currency: 'USD' };
    expect(check(lineArithmetic, s).map((x) => x.expression)).toEqual(['Claim.item[0].net']);
  });
});
