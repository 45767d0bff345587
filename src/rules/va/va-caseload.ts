import { defineRule, type Finding } from '../engine';
import { caseloadOn, employmentTypeOn, lineRendering, personName } from './facts-staff';
import { datedLines } from '../common/lines';

const LIMIT = { 'full-time': 15, 'part-time': 9 } as const;

export const vaCaseload = defineRule({
  id: 'va-caseload',
  severity: 'warning',
  scope: 'practitioner',
  pack: 'US-VA',
  description: 'On the date of service a full-time PRS has at most 15 members on the caseload, a part-time PRS at most 9.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Registered Peer Recovery Specialists (PRS)',
    quote: 'The caseload assignment of a full time PRS shall not exceed 15 members at any one time allowing for new case assignments as those on the existing caseload begin to self-manage with less support. The caseload assignment of a part-time PRS shall not exceed 9 members at any one time.',
    note: 'A member is on the caseload with an active RRWP the PRS authored or signed, or a session the PRS rendered on the date or in the 30 days before it (domain model). A role without `employment-type` is taken as full time.',
  },
  check(ctx) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const line of datedLines(ctx)) {
      const { practitioner: prs, expression } = lineRendering(ctx, line);
      // An unidentifiable PRS is reported by the error rules; one warning per PRS and day is enough.
      if (!prs || seen.has(`${prs.id}|${line.day}`)) continue;
      seen.add(`${prs.id}|${line.day}`);
      const type = employmentTypeOn(ctx.data, prs, line.day, ctx.claim.provider);
      const count = caseloadOn(ctx.data, prs, line.day).size;
      if (count <= LIMIT[type]) continue;
      out.push({
        diagnostics: `${personName(prs)} (${type}) has ${count} members on the caseload on ${line.day}, over the ${type} limit of ${LIMIT[type]}.`,
        expression,
        item: line.index,
      });
    }
    return out;
  },
});
