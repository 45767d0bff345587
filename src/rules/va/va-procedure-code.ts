/** Virginia PRSS lines are billed with T1012, S9445, H0024 or H0025. */
import { defineRule } from '../engine';
import { claimLines, isVaCode, itemPath, VA_CODES } from './facts-units';

export const vaProcedureCode = defineRule({
  id: 'va-procedure-code',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'Code must be T1012 (ARTS individual), S9445 (ARTS group), H0024 (MH individual) or H0025 (MH group).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'LIMITATIONS: ARTS AND MH PEER RECOVERY SUPPORT SERVICES (billing table)',
    quote: 'ARTS Individual 1 unit = 15 minutes T1012 4 hours or 16 units per calendar day Up to 900 hours or 3600 units per calendar year ARTS Group S9445 Mental Health Individual H0024 Up to 900 hours or 3600 units per calendar year Mental Health Group H0025',
    note: 'Quoted from the billing table, whose cells the seed lays out one per line; 000 repeats the ARTS rows.',
  },
  check(ctx) {
    return claimLines(ctx)
      .filter((l) => !isVaCode(l.code))
      .map((l) => ({
        diagnostics: `Line ${l.index + 1} is billed with ${l.code ?? 'no procedure code'}; Virginia PRSS is billed only with ${VA_CODES.join(', ')}`,
        expression: itemPath(l.index, 'productOrService'),
        item: l.index,
      }));
  },
});
