import { EXT } from '../../prss/terminology';
import { defineRule } from '../engine';
import { exts } from '../facts';
import { lineSession } from '../va/facts-staff';
import { datedLines } from '../common/lines';

/** Activities Indiana names as not billable: recreational/diversionary, skills training, case management. */
const EXCLUDED = new Set(['recreational', 'skills-training', 'case-management']);
/**
 * Therapeutic or programmatic content (`prss-activity` covered codes), with the codes the domain model
 * makes not billable in Connecticut only (covered elsewhere): health monitoring, social, educational, vocational.
 */
const COVERED = new Set([
  'self-advocacy-planning', 'rrwp-development', 'crisis-support', 'self-management-skills', 'recovery-coaching', 'community-linkage',
  'health-monitoring', 'social', 'educational', 'vocational',
]);

export const inNoncovered = defineRule({
  id: 'in-noncovered',
  severity: 'error',
  scope: 'line',
  pack: 'US-IN',
  description: 'Purely recreational or diversionary activities, skills training and case management are not billable.',
  citation: {
    seed: '002_a7ddaad70fe13dc0.txt',
    section: 'Billing Exclusions',
    quote: 'PRSS that are purely recreational or diversionary in nature, or have no therapeutic or programmatic content, will not be reimbursed.',
    note: 'Also "Activities that may be billed under Skills Training and Development or under case management are not billable as PRSS." A session is not billable when it records activities and none of them is a covered one (recovery coaching, crisis support, …); non-covered time inside a billable session belongs in `interruption`, as in Virginia.',
  },
  check(ctx) {
    return datedLines(ctx).flatMap((line) => {
      const session = lineSession(ctx, line);
      if (!session) return [];
      const activities = exts(session.encounter, EXT.activity).map((e) => e.valueCode ?? '').filter(Boolean);
      if (activities.length === 0 || activities.some((a) => COVERED.has(a))) return [];
      const named = activities.filter((a) => EXCLUDED.has(a));
      const why = named.length ? `only non-billable activities (${named.join(', ')})` : `no therapeutic or programmatic content (${activities.join(', ')})`;
      return [{ diagnostics: `Line ${line.index + 1} (${line.day}) bills a session with ${why}; Indiana does not reimburse it as PRSS.`, expression: session.expression, item: line.index }];
    });
  },
});
