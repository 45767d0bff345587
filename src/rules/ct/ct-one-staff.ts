import type { Encounter } from 'fhir/r4';
import { refKey } from '../context';
import { defineRule, type Finding } from '../engine';
import { lineEncounter, memberLines, practitionerOf, renderingRef } from '../facts';
import { lineSession, personName } from '../va/facts-staff';

const overlap = (a: Encounter, b: Encounter) => {
  const [as, ae, bs, be] = [a.period?.start, a.period?.end, b.period?.start, b.period?.end].map((t) => (t ? Date.parse(t) : NaN));
  return as < be && bs < ae;
};

export const ctOneStaff = defineRule({
  id: 'ct-one-staff',
  severity: 'error',
  scope: 'history',
  pack: 'US-CT',
  description: 'Only one staff member\'s peer support can be claimed for a participant in the same time period.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Limitations (6)',
    quote: 'A claim for reimbursement may be submitted for the qualifying waiver services activities of only one staff member providing Peer Support services to a participant during a specific time period (i.e., billable unit of time);',
    note: 'Two billed lines of the member whose sessions overlap in time and whose rendering staff differ: the line already stored (or earlier on the claim) stands, the other is denied. Lines of cancelled or entered-in-error claims, and sessions cancelled or entered in error, never count.',
  },
  check(ctx) {
    const all = memberLines(ctx);
    const person = (l: (typeof all)[number]) => {
      const ref = renderingRef(l.claim, l.item);
      const p = practitionerOf(ctx.data, ref);
      return p ? `Practitioner/${p.id}` : refKey(ref);
    };
    const out: Finding[] = [];
    for (const line of all.filter((l) => l.current)) {
      const session = lineSession(ctx, { item: line.item, index: line.index, day: line.day });
      const staff = person(line);
      if (!session || !staff) continue;
      const clash = all.find((o) => {
        if (o === line || (o.current && o.index > line.index)) return false;
        const other = o.encounter ?? lineEncounter(ctx.data, o.item);
        // A cancelled or entered-in-error session never took place: it claims no time.
        if (!other || other.status === 'cancelled' || other.status === 'entered-in-error') return false;
        const otherStaff = person(o);
        return !!otherStaff && otherStaff !== staff && overlap(session.encounter, other);
      });
      if (!clash) continue;
      const who = practitionerOf(ctx.data, renderingRef(clash.claim, clash.item));
      const where = clash.current ? `line ${clash.index + 1} of this claim` : `line ${clash.index + 1} of Claim/${clash.claim.id}`;
      out.push({
        diagnostics: `The session of line ${line.index + 1} (${session.encounter.period?.start} to ${session.encounter.period?.end}) overlaps the session billed by ${personName(who, renderingRef(clash.claim, clash.item))} on ${where}; only one staff member's peer support can be claimed for the same time.`,
        expression: session.expression,
        item: line.index,
      });
    }
    return out;
  },
});
