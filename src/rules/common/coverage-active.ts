/** The member is eligible on each date of service: the claim's Coverage is active and its period covers the date. */
import type { Coverage } from 'fhir/r4';
import { defineRule, type Finding } from '../engine';
import { dayOf, periodCovers } from '../facts';
import { datedLines } from './lines';

export const coverageActive = defineRule({
  id: 'coverage-active',
  severity: 'error',
  scope: 'line',
  pack: 'common',
  description: 'The claim\'s Coverage is `active` and its `period` covers the line\'s date of service (an open end is open): the member is eligible on that date.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Introduction; payer eligibility on the date of service',
    quote: 'This was in response to a legislative mandate to implement peer recovery support services to eligible children and adults who have mental health conditions and/or substance use disorders.',
    note: 'Services are paid for eligible members ("Family Support Partners may be provided to eligible members under the age of 21"); eligibility is the payer\'s Coverage, judged on each line\'s date of service. The claim\'s Coverage is the focal insurance (else the first). A Coverage that is not stored is claim-references\' finding; a Coverage without a period is not known to cover any date.',
  },
  check(ctx) {
    const insurances = ctx.claim.insurance ?? [];
    const k = Math.max(0, insurances.findIndex((i) => i.focal));
    const coverage = ctx.data.resolve<Coverage>(insurances[k]?.coverage, 'Coverage');
    if (!coverage) return [];
    const expression = `Claim.insurance[${k}].coverage`;
    const name = `Coverage/${coverage.id}`;
    const shown = coverage.period ? `${dayOf(coverage.period.start) ?? '(open)'} to ${dayOf(coverage.period.end) ?? '(open)'}` : 'no period';
    const out: Finding[] = [];
    for (const line of datedLines(ctx)) {
      if (coverage.status !== 'active') {
        out.push({ diagnostics: `${name} is '${coverage.status}', not active: the member is not eligible on ${line.day}, the date of service of line ${line.index + 1}.`, expression, item: line.index });
      } else if (!periodCovers(coverage.period, line.day)) {
        out.push({ diagnostics: `${name}'s period (${shown}) does not cover ${line.day}, the date of service of line ${line.index + 1}: the member is not eligible on that date.`, expression, item: line.index });
      }
    }
    return out;
  },
});
