import type { Extension } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { vaProviderEnrolled as rule } from './va-provider-enrolled';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const rejected = [{ rule: 'va-provider-enrolled', severity: 'error', expression: 'Claim.provider', item: 0 }];
const enrollment = (s: Scenario, program: string) =>
  s.provider.extension!.find((e) => e.url === EXT.enrollment && e.extension!.some((x) => x.url === 'program' && x.valueCode === program))!;
const part = (e: Extension, url: string) => e.extension!.find((x) => x.url === url)!;

describe('va-provider-enrolled', () => {
  it('passes an ARTS line when the provider is enrolled for ARTS as an outpatient (level 1) provider', () => {
    expect(issues(buildScenario())).toEqual([]);
  });

  it('passes when the enrollment ends on the date of service (dates inclusive)', () => {
    const s = buildScenario();
    part(enrollment(s, 'arts'), 'period').valuePeriod = { start: '2024-01-01', end: '2026-03-10' };
    expect(issues(s)).toEqual([]);
  });

  it('rejects the line with va-provider-enrolled when the ARTS enrollment ended the day before the date of service', () => {
    const s = buildScenario();
    part(enrollment(s, 'arts'), 'period').valuePeriod = { start: '2024-01-01', end: '2026-03-09' };
    expect(issues(s)).toEqual(rejected);
  });

  it('rejects an ARTS line when the provider is enrolled only for MH', () => {
    const s = buildScenario();
    s.provider.extension = [enrollment(s, 'mh')];
    expect(issues(s)).toEqual(rejected);
    expect(check(rule, s)[0].diagnostics).toContain('ARTS');
  });

  it('rejects an MH line when the MH enrollment names a provider type allowed only for ARTS', () => {
    const s = buildScenario({ program: 'mh' });
    part(enrollment(s, 'mh'), 'providerType').valueCode = 'otp';
    expect(issues(s)).toEqual(rejected);
  });

  it('accepts an RHC/FQHC enrollment for either program', () => {
    for (const program of ['arts', 'mh'] as const) {
      const s = buildScenario({ program });
      part(enrollment(s, program), 'providerType').valueCode = 'rhc-fqhc';
      expect(issues(s)).toEqual([]);
    }
  });

  it('rejects every line when the billing provider is not found', () => {
    const s = buildScenario();
    s.claim.provider = { reference: 'Organization/unknown' };
    expect(issues(s)).toEqual(rejected);
  });

  describe('MCO credentialing (reading): an enrollment naming a payer counts only for that payer\'s claims', () => {
    it('passes when the enrollment names the payer the claim\'s Coverage names as payor', () => {
      const s = buildScenario();
      expect(part(enrollment(s, 'arts'), 'payer').valueReference).toEqual({ reference: `Organization/${s.payer.id}` });
      expect(issues(s)).toEqual([]);
    });

    it('rejects the line when the only enrollment is credentialing with another payer', () => {
      const s = buildScenario();
      part(enrollment(s, 'arts'), 'payer').valueReference = { reference: 'Organization/other-mco' };
      expect(issues(s)).toEqual(rejected);
      expect(check(rule, s)[0].diagnostics).toContain('credentialing with Organization/other-mco, not with the claim\'s payer (Organization/payer-1)');
    });

    it('passes when an enrollment names no payer (it counts for any payer)', () => {
      const s = buildScenario();
      const arts = enrollment(s, 'arts');
      arts.extension = arts.extension!.filter((x) => x.url !== 'payer');
      s.coverage.payor = [{ reference: 'Organization/other-mco' }];
      expect(issues(s)).toEqual([]);
    });

    it('passes when one of several enrollments names the claim\'s payer', () => {
      const s = buildScenario();
      const other = structuredClone(enrollment(s, 'arts'));
      part(other, 'payer').valueReference = { reference: 'Organization/other-mco' };
      s.provider.extension!.unshift(other);
      expect(issues(s)).toEqual([]);
    });

    it('rejects the line when the Coverage changes to another payer than the one the enrollment names', () => {
      const s = buildScenario();
      s.coverage.payor = [{ reference: 'Organization/other-mco' }];
      expect(issues(s)).toEqual(rejected);
    });
  });
});
