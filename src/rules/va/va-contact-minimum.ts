import { derive } from '../context';
import { defineRule, type Finding } from '../engine';
import { addMonths, at, contactsByMonth, finishedSessions, monthOf, serviceInitiation, vaLines } from './facts-plan';

/** Twice a month, once face to face, in every complete month after the month service began. */
export const vaContactMinimum = defineRule({
  id: 'va-contact-minimum',
  severity: 'warning',
  scope: 'history',
  pack: 'US-VA',
  description: 'Each complete calendar month after the month of service initiation, until discharge, has ≥ 2 contacts (finished sessions; failed attempts are not contacts), ≥ 1 of them face-to-face.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Service Delivery',
    quote: 'Contact shall be made with the member receiving Peer Support Services or Family Support Partners a minimum of twice each month.',
    note: 'The same bullet requires "At least one of these contacts must be face-to-face" (in person or audio+video). Judged as of each line: every calendar month after the initiation month of the line\'s episode and before the line\'s month; contacts are the member\'s finished sessions under any program. Each short month is reported once per claim, on the first line after it.',
  },
  check(ctx) {
    const out: Finding[] = [];
    const reported = new Set<string>();
    // Contacts and face-to-face contacts per month of the member's finished sessions, once per bag.
    const contacts = finishedSessions(ctx);
    const byMonth = derive([contacts], 'contactsByMonth', () => contactsByMonth(contacts));
    for (const line of vaLines(ctx)) {
      const initiation = serviceInitiation(ctx, line.program, line.day);
      if (!initiation) continue;
      for (let m = addMonths(monthOf(initiation), 1); m < monthOf(line.day); m = addMonths(m, 1)) {
        const counts = byMonth.get(m) ?? { contacts: 0, faceToFace: 0 };
        const f2f = counts.faceToFace;
        if (counts.contacts >= 2 && f2f >= 1) continue;
        if (reported.has(m)) continue;
        reported.add(m);
        out.push({
          item: line.index,
          expression: at.date(line),
          diagnostics: `In ${m}, a complete month after service initiation on ${initiation}, the member had ${counts.contacts} contact(s), ${f2f} face-to-face; at least 2 contacts a month, 1 of them face-to-face, are required`,
        });
      }
    }
    return out;
  },
});
