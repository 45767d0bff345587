/** A line bills a finished service session (or a collaboration, judged by va-collaboration-not-billable). */
import { defineRule } from '../engine';
import { encounterKind } from '../facts';
import { itemPath, sessionLines } from './facts-units';

const BILLABLE_KINDS = ['session', 'collaboration'];

export const vaBillableEncounter = defineRule({
  id: 'va-billable-encounter',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: "A line's session is a finished Encounter of kind session (or collaboration): never a contact attempt, a supervision meeting, or a cancelled session.",
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Progress Notes; Supervision of Peer Recovery Specialists',
    quote: 'If contact with the member cannot be made, the service is not billable.',
    note: 'Supervision is a required component of the service, not a billable session with the member.',
  },
  check(ctx) {
    return sessionLines(ctx).flatMap(({ index, encounter }) => {
      const kind = encounterKind(encounter);
      const problems: string[] = [];
      if (!kind || !BILLABLE_KINDS.includes(kind)) problems.push(`is ${kind ? `a ${kind}` : 'of no recorded kind'}, not a service session`);
      if (encounter.status !== 'finished') problems.push(`has status ${encounter.status}, not finished`);
      if (!problems.length) return [];
      return [{ diagnostics: `Line ${index + 1}'s encounter ${encounter.id} ${problems.join(' and ')}: it is not billable`, expression: itemPath(index, 'encounter'), item: index }];
    });
  },
});
