import { defineRule } from '../engine';
import { holdsCredential, rolesOn } from '../facts';
import { directSupervisor, personName, renderedLineFindings } from '../va/facts-staff';

/** Licensed clinicians in the credential code system. */
const LICENSED = ['lmhp', 'catp'];

export const ctLicensedSupervision = defineRule({
  id: 'ct-licensed-supervision',
  severity: 'error',
  scope: 'practitioner',
  pack: 'US-CT',
  description: 'The specialist works under the supervision of a licensed clinician of the same provider.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Limitations (2)',
    quote: 'Peer Support services shall be based on the waiver Recovery Plan and shall be performed by or under the supervision of a licensed clinician employed by or under contract to the provider;',
    note: 'The `direct-supervisor` on the specialist\'s role at the billing provider holds `lmhp` or `catp` on the date and has a role at the same provider.',
  },
  check(ctx) {
    return renderedLineFindings(ctx, (line, prs, r) => {
      const sup = directSupervisor(ctx.data, prs, line.day, ctx.claim.provider).practitioner;
      let why: string | undefined;
      if (!sup) why = 'no supervisor is named on a role with the billing provider';
      else if (!LICENSED.some((c) => holdsCredential(sup, c, line.day))) why = `the supervisor ${personName(sup)} holds no clinical license (lmhp or catp) valid on the date`;
      else if (rolesOn(ctx.data, sup, line.day, ctx.claim.provider).length === 0) why = `the supervisor ${personName(sup)} is not employed by or under contract to the billing provider on the date`;
      return why ? [{ diagnostics: `${personName(prs)} is not supervised by a licensed clinician of the provider on ${line.day} (line ${line.index + 1}): ${why}.`, expression: r.expression, item: line.index }] : [];
    });
  },
});
