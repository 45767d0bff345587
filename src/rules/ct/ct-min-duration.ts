import { defineRule } from '../engine';
import { activeMinutes } from '../facts';
import { fmt, lineSession } from '../va/facts-staff';
import { datedLines } from '../common/lines';

const MIN_MINUTES = 15;

export const ctMinDuration = defineRule({
  id: 'ct-min-duration',
  severity: 'error',
  scope: 'line',
  pack: 'US-CT',
  description: 'Sessions under 15 minutes are not billable.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Non-billable Activities (8)',
    quote: 'Peer Support services of less than fifteen minutes duration for procedures whose billing codes are defined in 15-minute increments; and',
    note: 'Duration is the session\'s active minutes (interruptions removed).',
  },
  check(ctx) {
    return datedLines(ctx).flatMap((line) => {
      const session = lineSession(ctx, line);
      if (!session) return [];
      const minutes = activeMinutes(session.encounter);
      if (minutes >= MIN_MINUTES) return [];
      return [{
        diagnostics: `The session of line ${line.index + 1} (${line.day}) lasted ${fmt(minutes)} active minutes; peer support of less than ${MIN_MINUTES} minutes is not billable.`,
        expression: session.expression,
        item: line.index,
      }];
    });
  },
});
