/** ARTS and MH services on the same day must be at different times. */
import type { Encounter } from 'fhir/r4';
import { derive } from '../context';
import { defineRule, type Finding } from '../engine';
import { programExtension, sessionDay } from '../facts';
import { finishedSessions } from './facts-plan';
import { itemPath, lineProgram, periodsOverlap, sessionLines } from './facts-units';

export const vaArtsMhOverlap = defineRule({
  id: 'va-arts-mh-overlap',
  severity: 'error',
  scope: 'history',
  pack: 'US-VA',
  description: 'ARTS and MH services on the same day must be at different times: their session periods must not overlap.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'LIMITATIONS: ARTS AND MH PEER RECOVERY SUPPORT SERVICES',
    quote: 'rendered on the same calendar day unless the MH Peer Services and ARTS Peer Services are rendered at different times.',
    note: 'The seed\'s sentence ("An enrolled provider cannot bill DMAS separately for: i) MH … and ii) ARTS … rendered on the same calendar day unless …") is split by the billing table; the quote is its closing clause. Periods that only touch (one ends as the other starts) are at different times.',
  },
  check(ctx) {
    const findings: Finding[] = [];
    // The member's finished service sessions by date of service, once per finished-session list.
    const finished = finishedSessions(ctx);
    const byDay = derive([finished], 'byDay', () => {
      const days = new Map<string, Encounter[]>();
      for (const { day, session } of finished) {
        const onDay = days.get(day);
        if (onDay) onDay.push(session);
        else days.set(day, [session]);
      }
      return days;
    });
    for (const { index, code, encounter } of sessionLines(ctx)) {
      const program = lineProgram(code, encounter);
      const day = sessionDay(encounter);
      if (!program || !day) continue;
      const clash = (byDay.get(day) ?? []).find((o) => o !== encounter && !!programExtension(o) && programExtension(o) !== program && periodsOverlap(o.period, encounter.period));
      if (!clash) continue;
      findings.push({
        diagnostics: `The ${program.toUpperCase()} session ${encounter.id} (${encounter.period?.start} to ${encounter.period?.end}) overlaps the ${programExtension(clash)!.toUpperCase()} session ${clash.id} (${clash.period?.start} to ${clash.period?.end}) on ${day}; ARTS and MH services on one day must be at different times`,
        expression: itemPath(index, 'encounter'),
        item: index,
        allowedUnits: 0,
      });
    }
    return findings;
  },
});
