import { refKey } from '../context';
import { defineRule } from '../engine';
import { rolesOn } from '../facts';
import { personName, renderedLineFindings } from './facts-staff';

export const vaPrsEmployed = defineRule({
  id: 'va-prs-employed',
  severity: 'error',
  scope: 'practitioner',
  pack: 'US-VA',
  description: 'The PRS has an active PractitionerRole with the billing provider on the date of service.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Registered Peer Recovery Specialists (PRS)',
    quote: 'Is employed by or has a contractual relationship with a provider enrolled with DMAS.',
    note: 'Employment and contract are both carried by a PractitionerRole at the billing Organization; any active role whose period covers the date counts.',
  },
  check(ctx) {
    return renderedLineFindings(ctx, (line, prs, r) => rolesOn(ctx.data, prs, line.day, ctx.claim.provider).length > 0 ? [] : [{
      diagnostics: `${personName(prs)} has no active role with the billing provider ${refKey(ctx.claim.provider) ?? '(none named)'} on ${line.day}, the date of service of line ${line.index + 1}.`,
      expression: r.expression,
      item: line.index,
    }]);
  },
});
