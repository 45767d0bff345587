import { defineRule } from '../engine';
import { delivery, extInt, lineModifiers } from '../facts';
import { EXT } from '../../prss/terminology';
import { lineSession } from '../va/facts-staff';
import { datedLines } from '../common/lines';

export const inNoGroup = defineRule({
  id: 'in-no-group',
  severity: 'error',
  scope: 'line',
  pack: 'US-IN',
  description: 'Group sessions are not reimbursable.',
  citation: {
    seed: '002_a7ddaad70fe13dc0.txt',
    section: 'Billing Exclusions',
    quote: 'PRSS that occur in a group setting are not reimbursable.',
    note: 'A line is group when its session is typed `group`, records a group size above one, or the line carries the HQ (group setting) modifier.',
  },
  check(ctx) {
    return datedLines(ctx).flatMap((line) => {
      const session = lineSession(ctx, line);
      const hq = lineModifiers(line.item).indexOf('HQ');
      const size = session ? extInt(session.encounter, EXT.groupSize) : undefined;
      if (session && (delivery(session.encounter) === 'group' || (size ?? 0) > 1)) {
        return [{ diagnostics: `Line ${line.index + 1} (${line.day}) bills a group session${size ? ` of ${size} members` : ''}; Indiana does not reimburse PRSS in a group setting.`, expression: session.expression, item: line.index }];
      }
      if (hq >= 0) {
        return [{ diagnostics: `Line ${line.index + 1} (${line.day}) carries the group modifier HQ; Indiana does not reimburse PRSS in a group setting.`, expression: `Claim.item[${line.index}].modifier`, item: line.index }];
      }
      return [];
    });
  },
});
