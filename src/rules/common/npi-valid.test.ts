import { buildScenario, check } from '../testing';
import { npiFrom } from '../../prss/scenario';
import { SYSTEM } from '../../prss/terminology';
import { isValidNpi, npiValid } from './npi-valid';

describe('npi-valid', () => {
  it('passes the clean scenario, whose NPIs carry valid check digits', () => {
    expect(check(npiValid, buildScenario())).toEqual([]);
  });

  it('accepts the CMS example NPI 1234567893 and rejects it with any other check digit', () => {
    expect(isValidNpi('1234567893')).toBe(true);
    expect(isValidNpi('1234567894')).toBe(false);
    expect(isValidNpi('123456789')).toBe(false);
    expect(isValidNpi('12345678930')).toBe(false);
    expect(isValidNpi('12345678a3')).toBe(false);
  });

  it('when the billing provider NPI has a wrong check digit, npi-valid reports Claim.provider', () => {
    const s = buildScenario();
    const npi = s.provider.identifier![0].value!;
    s.provider.identifier![0].value = npi.slice(0, 9) + String((Number(npi[9]) + 1) % 10);
    const f = check(npiValid, s);
    expect(f).toHaveLength(1);
    expect(f[0].expression).toBe('Claim.provider');
    expect(f[0].diagnostics).toContain(s.provider.identifier![0].value);
    expect(npiValid.severity).toBe('error');
    expect(npiValid.id).toBe('npi-valid');
  });

  it('when the billing provider carries no NPI at all, npi-valid reports it', () => {
    const s = buildScenario();
    s.provider.identifier = [];
    expect(check(npiValid, s).map((f) => f.expression)).toEqual(['Claim.provider']);
  });

  it('when the rendering PRS NPI is 9 digits, npi-valid reports Claim.careTeam[0].provider', () => {
    const s = buildScenario();
    s.prs.identifier = [{ system: SYSTEM.npi, value: npiFrom('123456789').slice(0, 9) }];
    const f = check(npiValid, s);
    expect(f.map((x) => x.expression)).toEqual(['Claim.careTeam[0].provider']);
  });

  it('a rendering PRS who holds no NPI is not reported (NPI "where held")', () => {
    const s = buildScenario();
    s.prs.identifier = [];
    expect(check(npiValid, s)).toEqual([]);
  });
});
