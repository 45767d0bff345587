import { defineRule, type Finding } from '../engine';
import { ageOn, member } from '../facts';
import { at, vaLines } from './facts-plan';

/** Peer Support Services: 21 or older, or 18–20 by the member's choice; under 18 never. */
export const vaAgePss = defineRule({
  id: 'va-age-pss',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'Peer Support Services: member is 21 or older on the date of service, or 18–20 (who may choose PSS). Under 18: not eligible.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Introduction; Peer Support Services; MEDICAL NECESSITY',
    quote: 'Members 18-20 years-old who meet the medical necessity criteria, may choose to receive Peer Support Services or Family Support Partners.',
    note: 'PSS targets members 21 or older and members 18-20 may choose it (000 says the same), so the floor is 18 on the date of service.',
  },
  check(ctx) {
    const birthDate = member(ctx)?.birthDate;
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      if (line.service !== 'pss') continue;
      if (!birthDate) {
        out.push({ item: line.index, expression: at.date(line), diagnostics: `Member's birth date is not recorded, so eligibility for Peer Support Services (age 18 or older) on ${line.day} cannot be shown` });
        continue;
      }
      const age = ageOn(birthDate, line.day);
      if (age < 18) {
        out.push({ item: line.index, expression: at.date(line), diagnostics: `Member is ${age} on ${line.day} (born ${birthDate}); Peer Support Services require age 18 or older` });
      }
    }
    return out;
  },
});
