import type { DocumentReference, Encounter } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { refKey, type RuleContext } from '../context';
import { defineRule, type Finding } from '../engine';
import { delivery, exts, notesFor, primaryPerformer, renderingRef, samePerson } from '../facts';
import { at, idOf, vaLines } from './facts-plan';

/** The member's own notes for a session: a group note written for another member does not count. */
export function memberNotes(ctx: RuleContext, session: Encounter): DocumentReference[] {
  const individual = delivery(session) !== 'group';
  return notesFor(ctx.data, session).filter((d) => (d.subject ? refKey(d.subject) === refKey(ctx.claim.patient) : individual));
}

/** Every billed session has the member's own progress note with the rendering PRS's dated signature, and names its goals. */
export const vaProgressNote = defineRule({
  id: 'va-progress-note',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'Each billed session has a progress note signed by the PRS who rendered it; the session names the goals addressed (`goal-addressed`). For a group, each billed member has a note of their own.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Progress Notes; LIMITATIONS (group)',
    quote: 'Progress notes shall contain the dated signature of the PRS who provided the service.',
    note: 'Signed = `authenticator` is the session\'s primary performer (else the line\'s care-team PRS) and the note has a `date`. Notes must relate to the goals of the RRWP, read as at least one `goal-addressed` on the session. A group member\'s note must have that member as `subject`.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const session = line.session;
      if (!session) continue; // claim-references reports the dangling session
      const where = { item: line.index, expression: at.session(line) };
      const renderer = primaryPerformer(session) ?? renderingRef(ctx.claim, line.item);
      const notes = memberNotes(ctx, session);
      if (notes.length === 0) {
        const others = notesFor(ctx.data, session).length;
        out.push({ ...where, diagnostics: `Session ${idOf(session)} on ${line.day} has no progress note for this member${others ? ` (${others} note(s) belong to other members of the group)` : ''}` });
      } else if (!notes.some((n) => n.date && samePerson(ctx.data, n.authenticator, renderer))) {
        const signers = notes.map((n) => `${idOf(n)} ${n.authenticator?.reference ? `signed by ${n.authenticator.reference}` : 'unsigned'}${n.date ? '' : ', undated'}`);
        out.push({ ...where, diagnostics: `Session ${idOf(session)} on ${line.day} has no progress note with the dated signature of the PRS who rendered it (${renderer?.reference ?? 'unknown'}): ${signers.join('; ')}` });
      }
      if (exts(session, EXT.goalAddressed).filter((e) => e.valueReference?.reference).length === 0) {
        out.push({ ...where, diagnostics: `Session ${idOf(session)} on ${line.day} names no RRWP goal addressed (goal-addressed)` });
      }
    }
    return out;
  },
});
