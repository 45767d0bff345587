/** Collaboration is billable only with the member present and an active release of information. */
import type { Consent } from 'fhir/r4';
import { defineRule, type Finding } from '../engine';
import { refKey } from '../context';
import { encounterKind, extBool, periodCovers, sessionDay } from '../facts';
import { EXT } from '../../prss/terminology';
import { itemPath, sessionLines } from './facts-units';

export const vaCollaborationNotBillable = defineRule({
  id: 'va-collaboration-not-billable',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'Collaboration with other providers without the member present is not billable; collaboration needs an active release of information.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Care Coordination Documentation',
    quote: 'Collaboration rendered with other service providers without the member present shall not be billable.',
    note: 'The same paragraph: collaboration "shall not be performed without properly signed release(s) of information" — an active Consent for the member whose provision period covers the date.',
  },
  check(ctx) {
    const findings: Finding[] = [];
    for (const { index, encounter } of sessionLines(ctx)) {
      if (encounterKind(encounter) !== 'collaboration') continue;
      const day = sessionDay(encounter);
      if (extBool(encounter, EXT.memberPresent) !== true) {
        findings.push({ diagnostics: `Collaboration ${encounter.id} on ${day} took place without the member present: not billable`, expression: itemPath(index, 'encounter'), item: index });
      }
      const release = ctx.data.all<Consent>('Consent').find((c) =>
        c.status === 'active' && refKey(c.patient) === refKey(ctx.claim.patient) && !!day &&
        (c.provision?.period ? periodCovers(c.provision.period, day) : !!c.dateTime && c.dateTime.slice(0, 10) <= day));
      if (!release) {
        findings.push({ diagnostics: `Collaboration ${encounter.id} on ${day ?? '(no date)'} has no active release of information for the member`, expression: itemPath(index, 'encounter'), item: index });
      }
    }
    return findings;
  },
});
