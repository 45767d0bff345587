import { defineRule, type Finding } from '../engine';
import { holdsCredential } from '../facts';
import { directSupervisor, personName, renderedLineFindings } from '../va/facts-staff';

export const inCertified = defineRule({
  id: 'in-certified',
  severity: 'error',
  scope: 'practitioner',
  pack: 'US-IN',
  description: 'Rendered by a certified recovery specialist under the supervision of a licensed professional or QBHP.',
  citation: {
    seed: '002_a7ddaad70fe13dc0.txt',
    section: 'Provider Qualifications',
    quote: 'PRSS must be delivered by individuals certified in PRSS, per the DMHA training and competency standards and must be performed under the supervision of a licensed professional or qualified behavioral health professional (QBHP).',
    note: 'Certification = `in-crs` (CRS, CPSP or CAPRC) valid on the date; supervision = the `direct-supervisor` on the specialist\'s role at the billing provider holds `in-licensed-supervisor` on the date.',
  },
  check(ctx) {
    return renderedLineFindings(ctx, (line, prs, r) => {
      const out: Finding[] = [];
      const name = personName(prs);
      if (!holdsCredential(prs, 'in-crs', line.day)) {
        out.push({ diagnostics: `${name} holds no DMHA peer recovery certification (in-crs) valid on ${line.day} (line ${line.index + 1}).`, expression: r.expression, item: line.index });
      }
      const sup = directSupervisor(ctx.data, prs, line.day, ctx.claim.provider);
      if (!sup.practitioner || !holdsCredential(sup.practitioner, 'in-licensed-supervisor', line.day)) {
        const who = sup.practitioner ? `the supervisor ${personName(sup.practitioner)} is not a licensed professional or QBHP (in-licensed-supervisor)` : 'no supervisor is named on a role with the billing provider';
        out.push({ diagnostics: `${name} is not supervised as required on ${line.day} (line ${line.index + 1}): ${who}.`, expression: r.expression, item: line.index });
      }
      return out;
    });
  },
});
