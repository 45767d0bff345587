/** The DBHDS qualifications of 12VAC35-250-30: the PRS training and a high school diploma, held by the date of service. */
import type { Practitioner } from 'fhir/r4';
import { CS } from '../../prss/terminology';
import { defineRule } from '../engine';
import { dayOf, hasCode } from '../facts';
import { personName, renderedLineFindings } from './facts-staff';

/** The qualifications 12VAC35-250-30 requires, as prss-credential codes. */
export const DBHDS_QUALIFICATIONS = ['dbhds-prs-training', 'hs-diploma'] as const;

/**
 * Whether the person holds the qualification by the day: one with the code whose period starts on or
 * before it (or names no start). A completed training or a diploma does not lapse, so its end is not read.
 */
export function qualifiedBy(p: Practitioner, code: string, day: string): boolean {
  return (p.qualification ?? []).some((q) => {
    if (!hasCode(q.code, CS.credential, code)) return false;
    const start = dayOf(q.period?.start);
    return !start || start <= day;
  });
}

export const vaPrsQualifications = defineRule({
  id: 'va-prs-qualifications',
  severity: 'error',
  scope: 'practitioner',
  pack: 'US-VA',
  description: 'The rendering PRS holds `dbhds-prs-training` and `hs-diploma` (the DBHDS qualifications of 12VAC35-250-30) on or before the date of service.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Registered Peer Recovery Specialists (PRS)',
    quote: 'Has the qualifications, education and experience as established by DBHDS in 12VAC35-250-30;',
    note: '003 (DBHDS PRS – 12VAC35-250-30 QUALIFICATIONS) lists them: "Have a high school diploma or equivalent." and "Complete the DBHDS peer recovery specialist training. (72 hours training)". Each is held once it is obtained: a qualification counts when its period starts on or before the date of service; a diploma or a completed training does not expire, so the period\'s end is not read (current certification is va-prs-certified\'s).',
  },
  check(ctx) {
    return renderedLineFindings(ctx, (line, prs, r) => {
      const missing = DBHDS_QUALIFICATIONS.filter((code) => !qualifiedBy(prs, code, line.day));
      if (!missing.length) return [];
      return [{
        diagnostics: `${personName(prs)} holds no ${missing.join(' and no ')} obtained on or before ${line.day}, the date of service of line ${line.index + 1} (12VAC35-250-30 requires the DBHDS peer recovery specialist training and a high school diploma or equivalent).`,
        expression: r.expression,
        item: line.index,
      }];
    });
  },
});
