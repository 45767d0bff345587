/** At most 16 PRSS units (ARTS and MH together, any code) per member per calendar day, unless authorized. */
import { defineRule } from '../engine';
import { billedLines, isVaCode, unitLimitFindings } from './facts-units';

export const DAILY_UNIT_LIMIT = 16;

export const vaDailyUnits = defineRule({
  id: 'va-daily-units',
  severity: 'error',
  scope: 'history',
  pack: 'US-VA',
  description: 'All PRSS units (ARTS + MH, any code) for the member on one calendar day ≤ 16, unless authorized-units covers the excess.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'LIMITATIONS: ARTS AND MH PEER RECOVERY SUPPORT SERVICES; SERVICE AUTHORIZATION AND BILLING',
    quote: 'No more than a total of four hours of one type of service, or a total of four hours of a combination of service types (up to 16 units of total service) shall be provided per calendar day.',
    note: '"Service delivery limits may be exceeded based upon documented medical necessity and service authorization approval": authorized-units covering the day raise the limit. Stored lines count with the units they bill, whatever a stored ClaimResponse allowed (reading): the limit is on service provided, and a line denied in payment was still provided.',
  },
  check(ctx) {
    return unitLimitFindings(ctx, billedLines(ctx), {
      counts: (l) => isVaCode(l.code),
      samePeriod: (o, l) => o.day === l.day,
      limit: DAILY_UNIT_LIMIT,
      where: (l) => `on ${l.day}`,
      limitName: 'daily limit',
    });
  },
});
