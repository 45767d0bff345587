import { isHcpcs } from '../../prss/terminology';
import { defineRule } from '../engine';
import { lineCode } from '../facts';
import { datedLines } from '../common/lines';

export const IN_CODE = 'H0038';

export const inProcedureCode = defineRule({
  id: 'in-procedure-code',
  severity: 'error',
  scope: 'line',
  pack: 'US-IN',
  description: 'The procedure code is H0038 (self-help/peer services, per 15 minutes).',
  citation: {
    seed: '002_a7ddaad70fe13dc0.txt',
    section: 'Coding Requirements (H0038)',
    quote: 'Self-help/peer services, per 15 minutes.',
    note: 'The coding table lists H0038 as the only code for PRSS; the code must be HCPCS (either spelling of the system URI).',
  },
  check(ctx) {
    return datedLines(ctx).flatMap((line) => {
      const code = lineCode(line.item);
      const hcpcs = line.item.productOrService?.coding?.some((c) => isHcpcs(c.system) && c.code === IN_CODE);
      if (hcpcs) return [];
      return [{
        diagnostics: `Line ${line.index + 1} bills ${code ?? 'no code'}; Indiana PRSS is billed only as HCPCS ${IN_CODE} (self-help/peer services, per 15 minutes).`,
        expression: `Claim.item[${line.index}].productOrService`,
        item: line.index,
      }];
    });
  },
});
