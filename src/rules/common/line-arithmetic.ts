/** Each line's net = quantity × unitPrice (× factor) to the cent, and the claim total = the sum of the nets. */
import { defineRule, type Finding } from '../engine';
import { itemPath } from './lines';

const cents = (n: number) => Math.round(n * 100);
const money = (n: number) => n.toFixed(2);

export const lineArithmetic = defineRule({
  id: 'line-arithmetic',
  severity: 'error',
  scope: 'line',
  pack: 'common',
  description: "Each line's net = quantity × unitPrice (to the cent), and the claim's total = the sum of the lines' net.",
  citation: {
    seed: 'NUCC 1500 Health Insurance Claim Form Reference Instruction Manual',
    section: 'Item Numbers 24F and 28',
    quote: 'Enter total charges for the services (i.e., total of all charges in 24F).',
    note: "FHIR's Claim.item.net is quantity × unitPrice × factor (factor 1 when absent; quantity 1 when absent, as the base specification reads it); compared to the cent.",
  },
  check(ctx) {
    const findings: Finding[] = [];
    let sum = 0;
    (ctx.claim.item ?? []).forEach((item, index) => {
      const net = item.net?.value;
      const price = item.unitPrice?.value;
      if (net === undefined) {
        findings.push({ diagnostics: `Line ${index + 1} has no net charge (box 24F)`, expression: itemPath(index, 'net'), item: index });
        return;
      }
      sum += net;
      if (price === undefined) {
        findings.push({ diagnostics: `Line ${index + 1} has a net of ${money(net)} but no unit price to check it against`, expression: itemPath(index, 'unitPrice'), item: index });
        return;
      }
      const quantity = item.quantity?.value ?? 1;
      const factor = item.factor ?? 1;
      const expected = quantity * price * factor;
      if (cents(net) !== cents(expected)) {
        const by = factor !== 1 ? ` × ${factor}` : '';
        findings.push({
          diagnostics: `Line ${index + 1}: net ${money(net)} ≠ ${quantity} × ${money(price)}${by} = ${money(expected)}`,
          expression: itemPath(index, 'net'),
          item: index,
        });
      }
    });
    const total = ctx.claim.total?.value;
    if (total === undefined) {
      if ((ctx.claim.item ?? []).length) findings.push({ diagnostics: `The claim has no total charge (box 28); the lines add up to ${money(sum)}`, expression: 'Claim.total' });
    } else if (cents(total) !== cents(sum)) {
      findings.push({ diagnostics: `The claim total ${money(total)} ≠ the sum of the lines' net, ${money(sum)}`, expression: 'Claim.total' });
    }
    return findings;
  },
});
