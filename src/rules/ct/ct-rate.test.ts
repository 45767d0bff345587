import { buildScenario, check, type Scenario } from '../testing';
import { ctRate as rule } from './ct-rate';

const issues = (s: Scenario, rate?: number) =>
  check(rule, s, 'US-CT', rate ? { ctRate: rate } : {}).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item, allowedUnits: f.allowedUnits }));
const scenario = () => buildScenario({ jurisdiction: 'US-CT' });

describe('ct-rate', () => {
  it('passes a line priced at $12.33 per unit', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('warns with ct-rate when the unit price is $25, without reducing the units', () => {
    const s = scenario();
    s.claim.item![0].unitPrice = { value: 25, currency: 'USD' };
    expect(issues(s)).toEqual([{ rule: 'ct-rate', severity: 'warning', expression: 'Claim.item[0].unitPrice', item: 0, allowedUnits: undefined }]);
    expect(check(rule, s)[0].diagnostics).toContain('$49.32');
  });

  it('warns when a cent off the rate and when no unit price is given', () => {
    const s = scenario();
    s.claim.item![0].unitPrice = { value: 12.34, currency: 'USD' };
    expect(issues(s)).toHaveLength(1);
    delete s.claim.item![0].unitPrice;
    expect(issues(s)).toHaveLength(1);
  });

  it('judges against the configured rate', () => {
    expect(issues(scenario(), 13)).toHaveLength(1);
  });
});
