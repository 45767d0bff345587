/** A session made only of non-covered activities is not billable. */
import { defineRule } from '../engine';
import { exts } from '../facts';
import { EXT } from '../../prss/terminology';
import { itemPath, sessionLines } from './facts-units';

/** Virginia's non-covered activities (LIMITATIONS), as prss-activity codes. */
export const VA_NONCOVERED = [
  'transportation', 'documentation', 'volunteer-service', 'household-tasks', 'on-the-job-training',
  'case-management', 'meals-breaks', 'outreach', 'room-and-board', 'public-support-group',
];

export const vaNoncoveredActivity = defineRule({
  id: 'va-noncovered-activity',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'A session whose activities are only non-covered ones (transportation, documentation, volunteers, household tasks, on-the-job training, case management, meals and breaks, outreach, room and board, public support groups) is not billable.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'LIMITATIONS: ARTS AND MH PEER RECOVERY SUPPORT SERVICES',
    quote: 'Non-covered activities listed in this section shall not be included in the reporting of units of service delivered.',
    note: 'Non-covered time inside a billable session is recorded as an interruption and never counts toward units (va-unit-time); a session with no covered activity at all has no billable time. Public support groups: "General support groups which are made available to the public to promote education and global advocacy do not qualify".',
  },
  check(ctx) {
    return sessionLines(ctx).flatMap(({ index, encounter }) => {
      const activities = exts(encounter, EXT.activity).map((e) => e.valueCode ?? '');
      if (!activities.length || !activities.every((a) => VA_NONCOVERED.includes(a))) return [];
      return [{
        diagnostics: `Session ${encounter.id} records only non-covered activities (${activities.join(', ')}): not billable`,
        expression: itemPath(index, 'encounter'),
        item: index,
      }];
    });
  },
});
