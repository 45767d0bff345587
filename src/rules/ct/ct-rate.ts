import { defineRule } from '../engine';
import { fmt } from '../va/facts-staff';
import { datedLines } from '../common/lines';

export const ctRate = defineRule({
  id: 'ct-rate',
  severity: 'warning',
  scope: 'line',
  pack: 'US-CT',
  description: 'The unit price differs from the waiver rate per 15-minute unit: the line is paid at the rate, not denied.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Unit of Service; Rate',
    quote: 'Rate: \\$12.33 (per 15 minute unit)',
    note: 'The backslash is a markup escape in the seed. The rate is configuration (`ctRate`, 12.33 by default); $submit pays units × rate.',
  },
  check(ctx) {
    const rate = ctx.options.ctRate;
    return datedLines(ctx).flatMap((line) => {
      const price = line.item.unitPrice?.value;
      if (price !== undefined && Math.abs(price - rate) < 0.005) return [];
      return [{
        diagnostics: `Line ${line.index + 1} is priced at ${price === undefined ? 'no unit price' : `$${price.toFixed(2)}`} per unit; the waiver rate is $${rate.toFixed(2)} per 15-minute unit, so it is paid at $${(rate * (line.item.quantity?.value ?? 0)).toFixed(2)} for ${fmt(line.item.quantity?.value ?? 0)} units.`,
        expression: `Claim.item[${line.index}].unitPrice`,
        item: line.index,
      }];
    });
  },
});
