/** The line's rendering PRS performed the session and signed its progress note. */
import { defineRule, type Finding } from '../engine';
import { refKey } from '../context';
import { notesFor, primaryPerformer, renderingRef, samePerson } from '../facts';
import { itemPath, sessionLines } from './facts-units';

export const vaRenderingPrs = defineRule({
  id: 'va-rendering-prs',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: "The line's rendering PRS (its care-team member) is the session's primary performer and the signer of its progress note.",
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Progress Notes; Registered Peer Recovery Specialists (PRS)',
    quote: 'Progress notes shall contain the dated signature of the PRS who provided the service.',
    note: 'A session without any progress note is va-progress-note\'s finding; this rule judges who signed the notes there are.',
  },
  check(ctx) {
    const findings: Finding[] = [];
    for (const { index, item, encounter } of sessionLines(ctx)) {
      const rendering = renderingRef(ctx.claim, item);
      if (!rendering) {
        findings.push({ diagnostics: `Line ${index + 1} names no rendering PRS (no care-team member)`, expression: itemPath(index, 'careTeamSequence'), item: index });
        continue;
      }
      const who = rendering.reference ?? rendering.display ?? 'the rendering PRS';
      const performer = primaryPerformer(encounter);
      if (!samePerson(ctx.data, rendering, performer)) {
        findings.push({
          diagnostics: `Line ${index + 1}'s rendering PRS ${who} is not the primary performer of session ${encounter.id} (${performer?.reference ?? 'none recorded'})`,
          expression: itemPath(index, 'careTeamSequence'),
          item: index,
        });
      }
      const notes = notesFor(ctx.data, encounter).filter((n) => !n.subject || refKey(n.subject) === refKey(ctx.claim.patient));
      const signers = notes.map((n) => n.authenticator ?? n.author?.[0]);
      if (notes.length && !signers.some((s) => samePerson(ctx.data, rendering, s))) {
        findings.push({
          diagnostics: `The progress note of session ${encounter.id} is signed by ${signers.map((s) => s?.reference ?? 'nobody').join(', ')}, not by the rendering PRS ${who}`,
          expression: itemPath(index, 'careTeamSequence'),
          item: index,
        });
      }
    }
    return findings;
  },
});
