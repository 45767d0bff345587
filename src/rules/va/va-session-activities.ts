/** A billed session records the strategies and activities used: at least one `activity`. */
import { EXT } from '../../prss/terminology';
import { defineRule, type Finding } from '../engine';
import { encounterKind, exts } from '../facts';
import { datedLines } from '../common/lines';
import { lineSession } from './facts-staff';

export const vaSessionActivities = defineRule({
  id: 'va-session-activities',
  severity: 'warning',
  scope: 'line',
  pack: 'US-VA',
  description: 'Each billed session records at least one `activity` (the strategies and activities used); `va-noncovered-activity` then judges them.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Progress Notes',
    quote: 'shall summarize the purpose and content of the Peer Support Services or Family Support Partner session along with the specific strategies and activities utilized as related to the goals in the Recovery, Resiliency, and Wellness Plan.',
    note: 'The activities are recorded on the session (`activity`, codes of prss-activity): a billed session with none cannot show what was done, nor be judged by va-noncovered-activity, so it is reported for review (a warning: the progress note text may still describe them). Only sessions (kind `session`) are judged; an attempt, a supervision or a collaboration billed as service is va-billable-encounter\'s finding.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of datedLines(ctx)) {
      const session = lineSession(ctx, line);
      if (!session || encounterKind(session.encounter) !== 'session') continue;
      if (exts(session.encounter, EXT.activity).some((x) => !!x.valueCode)) continue;
      out.push({
        diagnostics: `Session ${session.encounter.id}, billed on line ${line.index + 1} (${line.day}), records no activity: the strategies and activities used are not documented.`,
        expression: session.expression,
        item: line.index,
      });
    }
    return out;
  },
});
