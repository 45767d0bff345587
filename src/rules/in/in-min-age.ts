import { defineRule } from '../engine';
import { ageOn, member } from '../facts';
import { datedLines } from '../common/lines';

const MIN_AGE = 16;

export const inMinAge = defineRule({
  id: 'in-min-age',
  severity: 'error',
  scope: 'line',
  pack: 'US-IN',
  description: 'PRSS are not reimbursable for members under 16.',
  citation: {
    seed: '002_a7ddaad70fe13dc0.txt',
    section: 'Billing Exclusions',
    quote: 'PRSS are not reimbursable for children under the age of 16.',
  },
  check(ctx) {
    const patient = member(ctx);
    if (!patient) return []; // an unresolved patient is claim-references' finding
    return datedLines(ctx).flatMap((line) => {
      if (!patient.birthDate) {
        return [{ diagnostics: `The member has no birth date, so the age on ${line.day} (line ${line.index + 1}) cannot be shown to be ${MIN_AGE} or more.`, expression: 'Claim.patient', item: line.index }];
      }
      const age = ageOn(patient.birthDate, line.day);
      if (age >= MIN_AGE) return [];
      return [{ diagnostics: `The member is ${age} on ${line.day} (line ${line.index + 1}); Indiana PRSS are not reimbursable under age ${MIN_AGE}.`, expression: 'Claim.patient', item: line.index }];
    });
  },
});
