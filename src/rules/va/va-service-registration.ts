/** A registration / service authorization number with the MCO or FFS contractor precedes services. */
import { defineRule, type Finding } from '../engine';

export const vaServiceRegistration = defineRule({
  id: 'va-service-registration',
  severity: 'error',
  scope: 'claim',
  pack: 'US-VA',
  description: 'A registration / service authorization number with the MCO or FFS contractor precedes services (insurance.preAuthRef).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'SERVICE AUTHORIZATION AND BILLING: ARTS AND MH PEER RECOVERY SUPPORT SERVICES',
    quote: 'Providers must submit a registration to the member’s MCO or FFS service authorization contractor prior to starting services.',
    note: 'The registration is carried by the focal insurance\'s preAuthRef (CMS-1500 box 23); its date is not on the claim, so presence is what can be checked.',
  },
  check(ctx) {
    const insurance = ctx.claim.insurance ?? [];
    const findings: Finding[] = [];
    if (!insurance.length) return [{ diagnostics: 'The claim names no insurance, so no registration number with the MCO or FFS contractor', expression: 'Claim.insurance' }];
    const focal = insurance.findIndex((i) => i.focal);
    const at = focal >= 0 ? focal : 0;
    if (!(insurance[at].preAuthRef ?? []).some((r) => r.trim())) {
      findings.push({ diagnostics: 'The claim carries no registration / service authorization number (insurance.preAuthRef) with the MCO or FFS contractor', expression: `Claim.insurance[${at}].preAuthRef` });
    }
    return findings;
  },
});
