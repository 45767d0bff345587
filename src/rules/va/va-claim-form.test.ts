import { buildScenario, check } from '../testing';
import { vaClaimForm } from './va-claim-form';

describe('va-claim-form', () => {
  it('passes the clean professional claim', () => {
    expect(check(vaClaimForm, buildScenario())).toEqual([]);
  });

  it('when the claim is institutional (UB-04), va-claim-form rejects Claim.type', () => {
    const s = buildScenario();
    s.claim.type.coding![0].code = 'institutional';
    expect(check(vaClaimForm, s)).toEqual([expect.objectContaining({ expression: 'Claim.type' })]);
    expect(vaClaimForm.severity).toBe('error');
  });

  it('when the claim is a preauthorization, va-claim-form rejects Claim.use', () => {
    const s = buildScenario();
    s.claim.use = 'preauthorization';
    expect(check(vaClaimForm, s).map((f) => f.expression)).toEqual(['Claim.use']);
  });
});
