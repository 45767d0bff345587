import { defineRule, type Finding } from '../engine';
import { ageOn, member } from '../facts';
import { at, vaLines } from './facts-plan';

/** Family Support Partners serve the caregiver of a youth under 21. */
export const vaAgeFsp = defineRule({
  id: 'va-age-fsp',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'Family Support Partners: member is under 21 on the date of service.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Introduction; Family Support Partners',
    quote: 'Family Support Partners may be provided to eligible members under the age of 21 who have a mental health or substance use disorder or co-occurring mental health and substance use disorders which are the focus of the support with their families or caregivers.',
  },
  check(ctx) {
    const birthDate = member(ctx)?.birthDate;
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      if (line.service !== 'fsp') continue;
      if (!birthDate) {
        out.push({ item: line.index, expression: at.date(line), diagnostics: `Member's birth date is not recorded, so eligibility for Family Support Partners (under 21) on ${line.day} cannot be shown` });
        continue;
      }
      const age = ageOn(birthDate, line.day);
      if (age >= 21) {
        out.push({ item: line.index, expression: at.date(line), diagnostics: `Member is ${age} on ${line.day} (born ${birthDate}); Family Support Partners require a youth under 21` });
      }
    }
    return out;
  },
});
