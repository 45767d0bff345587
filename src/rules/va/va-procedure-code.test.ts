import { buildScenario, check } from '../testing';
import { vaProcedureCode } from './va-procedure-code';

describe('va-procedure-code', () => {
  it('passes the clean scenario billed with T1012', () => {
    expect(check(vaProcedureCode, buildScenario())).toEqual([]);
  });

  it.each(['T1012', 'S9445', 'H0024', 'H0025'])('accepts %s', (code) => {
    const s = buildScenario();
    s.claim.item![0].productOrService.coding![0].code = code;
    expect(check(vaProcedureCode, s)).toEqual([]);
  });

  it("when a Virginia line is billed with Indiana's H0038, va-procedure-code rejects Claim.item[0].productOrService", () => {
    const s = buildScenario();
    s.claim.item![0].productOrService.coding![0].code = 'H0038';
    const f = check(vaProcedureCode, s);
    expect(vaProcedureCode.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].productOrService', item: 0 })]);
    expect(f[0].diagnostics).toContain('H0038');
  });
});
