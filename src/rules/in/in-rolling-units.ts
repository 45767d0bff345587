import { defineRule, type Finding } from '../engine';
import { authorizedUnits, memberLines } from '../facts';
import { fmt, rollingYearStart } from '../va/facts-staff';
import { IN_CODE } from './in-procedure-code';

/** 365 hours without prior authorization. */
export const ROLLING_LIMIT = 1460;

export const inRollingUnits = defineRule({
  id: 'in-rolling-units',
  severity: 'error',
  scope: 'history',
  pack: 'US-IN',
  description: 'At most 1,460 units (365 hours) in any rolling 12-month period without prior authorization; more only with authorized units.',
  citation: {
    seed: '002_a7ddaad70fe13dc0.txt',
    section: 'Coding Requirements',
    quote: 'Peer Recovery Services are available without a prior authorization (PA) up to 365 hours (1,460 units) per rolling 12-month period.',
    note: 'A rolling 12-month period ending on a date starts the day after the same date a year earlier. Every window holding the line is judged: the one ending on its date and those ending on later billed dates within the year. "Additional units may be authorized via the PA process": `authorized-units` covering the date raise the limit. Stored lines count with the units they bill, whatever a stored ClaimResponse allowed (reading): the limit is on service provided, and a line denied in payment was still provided.',
  },
  check(ctx) {
    const lines = memberLines(ctx).filter((l) => l.code === IN_CODE);
    // Stored lines count first; the claim's own lines consume the limit in date order.
    const counted = lines.filter((l) => !l.current).map((l) => ({ day: l.day, units: l.units }));
    const current = lines.filter((l) => l.current).sort((a, b) => a.day.localeCompare(b.day) || a.index - b.index);
    const out: Finding[] = [];
    for (const line of current) {
      const authorized = authorizedUnits(ctx.claim, line.day);
      const limit = ROLLING_LIMIT + authorized;
      const ends = [line.day, ...counted.map((c) => c.day).filter((d) => d > line.day && rollingYearStart(d) <= line.day)];
      let worst = { end: line.day, already: -1 };
      for (const end of ends) {
        const start = rollingYearStart(end);
        const already = counted.filter((c) => start <= c.day && c.day <= end).reduce((s, c) => s + c.units, 0);
        if (already > worst.already) worst = { end, already };
      }
      counted.push({ day: line.day, units: line.units });
      const total = worst.already + line.units;
      if (total <= limit) continue;
      const allowance = authorized ? `${fmt(ROLLING_LIMIT)}-unit limit plus ${fmt(authorized)} authorized units` : `${fmt(ROLLING_LIMIT)}-unit limit without prior authorization`;
      out.push({
        diagnostics: `${fmt(total)} units in the 12 months ending ${worst.end} exceed the ${allowance} (${fmt(worst.already)} already billed).`,
        expression: `Claim.item[${line.index}].quantity`,
        item: line.index,
        allowedUnits: Math.max(0, Math.min(line.units, limit - worst.already)),
      });
    }
    return out;
  },
});
