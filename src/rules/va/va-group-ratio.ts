/** Group sessions have no more than 10 members per PRS. */
import { defineRule } from '../engine';
import { delivery, extInt } from '../facts';
import { refKey } from '../context';
import { EXT } from '../../prss/terminology';
import { itemPath, sessionLines } from './facts-units';

export const GROUP_RATIO = 10;

export const vaGroupRatio = defineRule({
  id: 'va-group-ratio',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'Group sessions have no more than 10 members per PRS (group-size / number of PRS participants ≤ 10).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'LIMITATIONS: ARTS AND MH PEER RECOVERY SUPPORT SERVICES',
    quote: 'Peer Support Services and Family Support Partners rendered in a group setting shall have a ratio of no more than 10 members to one PRS and progress notes shall be included in each Medicaid member’s record to support billing.',
    note: 'PRS participants are the session\'s Practitioner or PractitionerRole participants; a group session that records no group-size cannot show its ratio.',
  },
  check(ctx) {
    return sessionLines(ctx).flatMap(({ index, encounter }) => {
      if (delivery(encounter) !== 'group') return [];
      const size = extInt(encounter, EXT.groupSize);
      const prs = new Set((encounter.participant ?? []).map((p) => refKey(p.individual)).filter((k) => /^(Practitioner|PractitionerRole)\//.test(k ?? ''))).size;
      const finding = (diagnostics: string) => [{ diagnostics, expression: itemPath(index, 'encounter'), item: index }];
      if (size === undefined) return finding(`Group session ${encounter.id} records no group-size, so its ratio of members to PRS cannot be shown`);
      if (prs === 0) return finding(`Group session ${encounter.id} of ${size} members names no PRS participant`);
      if (size <= GROUP_RATIO * prs) return [];
      return finding(`Group session ${encounter.id} has ${size} members for ${prs} PRS (${(size / prs).toFixed(1)} per PRS); the limit is ${GROUP_RATIO} members per PRS`);
    });
  },
});
