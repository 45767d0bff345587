import { defineRule, type Finding } from '../engine';
import { dayOf, sessionDay } from '../facts';
import { at, businessDaysBetween, idOf, nextBusinessDay, vaLines } from './facts-plan';
import { memberNotes } from './va-progress-note';

/** The progress note is signed the day of service or by the next business day. */
export const vaDocumentationTimely = defineRule({
  id: 'va-documentation-timely',
  severity: 'warning',
  scope: 'line',
  pack: 'US-VA',
  description: 'The progress note is signed no later than one business day after the service (weekends and holidays are not business days: a holiday calendar per pack, configurable, US federal holidays by default).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'DOCUMENTATION OF REQUIRED ACTIVITIES',
    quote: 'This documentation shall be written, signed, and dated at the time the services are rendered or within one business day from the time the services were rendered.',
    note: 'Business days exclude Saturdays, Sundays, US federal holidays as observed (a Saturday holiday on the Friday before, a Sunday one on the Monday after) and the configured extra holidays. The note\'s `date` is its signature date; the earliest of the member\'s notes for the session is judged.',
  },
  check(ctx) {
    const out: Finding[] = [];
    const extra = ctx.options.extraHolidays ?? [];
    for (const line of vaLines(ctx)) {
      if (!line.session) continue;
      const signed = memberNotes(ctx, line.session).map((n) => dayOf(n.date)).filter((d): d is string => !!d).sort()[0];
      if (!signed) continue; // va-progress-note reports a missing or undated note
      const served = sessionDay(line.session) ?? line.day;
      const deadline = nextBusinessDay(served, extra);
      if (signed <= deadline) continue;
      out.push({
        item: line.index,
        expression: at.session(line),
        diagnostics: `Progress note for session ${idOf(line.session)} of ${served} was signed ${signed}, ${businessDaysBetween(served, signed, extra)} business days later; it was due by ${deadline} (one business day)`,
      });
    }
    return out;
  },
});
