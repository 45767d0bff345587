/** A session's billed units never exceed its billable units (active minutes / 15), across every line that bills it. */
import { defineRule, type Finding } from '../engine';
import { activeMinutes, billableUnits } from '../facts';
import { billedLines, countsBefore, itemPath } from './facts-units';

export const vaUnitTime = defineRule({
  id: 'va-unit-time',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'Units ≤ billable units of the linked session (active minutes / 15, interruptions removed).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'LIMITATIONS: ARTS AND MH PEER RECOVERY SUPPORT SERVICES',
    quote: 'The PRS shall document each 15-minute unit in which the member was actively engaged in Peer Support Services or Family Support Partners.',
    note: 'A unit is a whole 15 minutes of active service; lines of this or stored claims that bill the same session share its units.',
  },
  check(ctx) {
    const lines = billedLines(ctx);
    const findings: Finding[] = [];
    for (const line of lines) {
      if (!line.current || !line.encounter) continue;
      const session = line.encounter;
      const billable = billableUnits(session);
      let before = 0;
      for (const o of lines) if (o !== line && o.encounter === session && countsBefore(o, line)) before += o.units;
      const allowed = Math.max(0, billable - before);
      if (line.units <= allowed) continue;
      const already = before ? `, ${before} of them already billed on other lines` : '';
      findings.push({
        diagnostics: `Line ${line.index + 1} bills ${line.units} units but session ${session.id} has ${Math.round(activeMinutes(session))} active minutes = ${billable} billable 15-minute units${already}; ${allowed} allowed`,
        expression: itemPath(line.index, 'quantity'),
        item: line.index,
        allowedUnits: allowed,
      });
    }
    return findings;
  },
});
