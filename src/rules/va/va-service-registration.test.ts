import { buildScenario, check } from '../testing';
import { vaServiceRegistration } from './va-service-registration';

describe('va-service-registration', () => {
  it('passes the clean scenario (registration number on the coverage)', () => {
    expect(check(vaServiceRegistration, buildScenario())).toEqual([]);
  });

  it('when the claim carries no registration number, va-service-registration rejects Claim.insurance[0].preAuthRef', () => {
    const s = buildScenario();
    delete s.claim.insurance![0].preAuthRef;
    const f = check(vaServiceRegistration, s);
    expect(vaServiceRegistration.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.insurance[0].preAuthRef' })]);
    expect(f[0].item).toBeUndefined();
  });

  it('a blank registration number does not count', () => {
    const s = buildScenario();
    s.claim.insurance![0].preAuthRef = [''];
    expect(check(vaServiceRegistration, s)).toHaveLength(1);
  });
});
