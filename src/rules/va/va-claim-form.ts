/** Virginia PRSS claims are professional (CMS-1500) claims. */
import { defineRule, type Finding } from '../engine';
import { codeIn } from '../facts';

const CLAIM_TYPE = 'http://terminology.hl7.org/CodeSystem/claim-type';

export const vaClaimForm = defineRule({
  id: 'va-claim-form',
  severity: 'error',
  scope: 'claim',
  pack: 'US-VA',
  description: 'Claim is a professional (CMS-1500) claim: type = professional, use = claim.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'SERVICE AUTHORIZATION AND BILLING: ARTS AND MH PEER RECOVERY SUPPORT SERVICES',
    quote: 'All Peer Recovery Support Services claims should be submitted on a CMS-1500.',
    note: "The CMS-1500 is FHIR's professional claim type; a preauthorization or predetermination is not a claim for payment.",
  },
  check(ctx) {
    const findings: Finding[] = [];
    const type = codeIn(ctx.claim.type, CLAIM_TYPE);
    if (type !== 'professional') {
      findings.push({ diagnostics: `Claim type is ${type ?? 'missing'}; PRSS claims are submitted on a CMS-1500 (type professional)`, expression: 'Claim.type' });
    }
    if (ctx.claim.use !== 'claim') {
      findings.push({ diagnostics: `Claim use is ${ctx.claim.use ?? 'missing'}; a CMS-1500 claim for payment has use 'claim'`, expression: 'Claim.use' });
    }
    return findings;
  },
});
