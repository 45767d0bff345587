/** MH units (H0024 + H0025) per member per calendar year ≤ 3,600 (900 hours), unless authorized. */
import { defineRule } from '../engine';
import { programOfCode } from '../facts';
import { billedLines, unitLimitFindings, sameYear, yearOf } from './facts-units';

export const vaAnnualUnitsMh = defineRule({
  id: 'va-annual-units-mh',
  severity: 'error',
  scope: 'history',
  pack: 'US-VA',
  description: 'MH units (H0024 + H0025) in a calendar year ≤ 3,600 (900 hours), unless authorized.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'LIMITATIONS: ARTS AND MH PEER RECOVERY SUPPORT SERVICES',
    quote: 'Members may receive up to 900 hours of MH Peer Recovery Support Services (MH Peer Support Services and/or MH Family Support Partners) and up to 900 hours of ARTS Peer Recovery Support Services (ARTS Peer Support Services and/or ARTS Family Support Partners).',
    note: '900 hours = 3,600 units of 15 minutes ("Up to 900 hours or 3600 units per calendar year"). Every stored MH line of the calendar year counts, whatever its date, so a late claim cannot take the year past the limit; authorized-units covering the date raise it. Stored lines count with the units they bill, whatever a stored ClaimResponse allowed (reading): the limit is on service provided, and a line denied in payment was still provided.',
  },
  check(ctx) {
    return unitLimitFindings(ctx, billedLines(ctx), {
      counts: (l) => programOfCode(l.code, 'US-VA') === 'mh',
      samePeriod: (o, l) => sameYear(o.day, l.day),
      limit: 3600,
      where: (l) => `of MH in ${yearOf(l.day)}`,
      limitName: 'annual MH limit',
    });
  },
});
