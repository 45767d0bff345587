/** Telephone time stays within 25% of the member's PRSS time in the calendar year. */
import type { Encounter } from 'fhir/r4';
import { defineRule, type Finding } from '../engine';
import { activeMinutes, contactMode, sessionDay } from '../facts';
import { finishedSessions } from './facts-plan';
import { isServiceSession, itemPath, sameYear, sessionLines, yearOf } from './facts-units';

export const TELEPHONE_SHARE = 0.25;

export const vaTelephoneShare = defineRule({
  id: 'va-telephone-share',
  severity: 'warning',
  scope: 'history',
  pack: 'US-VA',
  description: "Telephone time ≤ 25% of the member's total PRSS time in the calendar year (time over 25% is subject to retraction).",
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Service Delivery',
    quote: 'Telephone time is supplemental rather than replacement of face-to-face contact and is limited to 25% or less of total time per recipient per calendar year.',
    note: 'Judged as of each telephone line\'s date: the active minutes of the member\'s finished sessions from 1 January through that date (inclusive). A warning: "Any telephone time rendered over the 25% limit will be subject to retraction."',
  },
  check(ctx) {
    const findings: Finding[] = [];
    let sessions: Encounter[] | undefined;
    for (const { index, encounter } of sessionLines(ctx)) {
      const day = sessionDay(encounter);
      if (!day || contactMode(encounter) !== 'telephone') continue;
      // The member's finished service sessions, asked only for a telephone line.
      sessions ??= finishedSessions(ctx).map((s) => s.session);
      const ytd = sessions.filter((s) => { const d = sessionDay(s); return !!d && sameYear(d, day) && d <= day; });
      if (!ytd.includes(encounter) && isServiceSession(encounter)) ytd.push(encounter);
      const total = ytd.reduce((n, s) => n + activeMinutes(s), 0);
      const phone = ytd.filter((s) => contactMode(s) === 'telephone').reduce((n, s) => n + activeMinutes(s), 0);
      if (total <= 0 || phone <= TELEPHONE_SHARE * total + 1e-9) continue;
      findings.push({
        diagnostics: `Telephone time is ${Math.round(phone)} of ${Math.round(total)} minutes (${((100 * phone) / total).toFixed(1)}%) in ${yearOf(day)} through ${day}, over the 25% limit; telephone time over 25% is subject to retraction`,
        expression: itemPath(index, 'encounter'),
        item: index,
      });
    }
    return findings;
  },
});
