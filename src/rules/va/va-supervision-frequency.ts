import type { Encounter, Practitioner } from 'fhir/r4';
import { refKey, type ResourceBag } from '../context';
import { defineRule, type Finding } from '../engine';
import { activeMinutes, encounterKind, isFaceToFace, personKeys, practitionerOf, sessionDay } from '../facts';
import { experienceStart, lineRendering, monthsBetween, personName } from './facts-staff';
import { datedLines } from '../common/lines';

/** Meetings a month by months of experience: < 12 → 2, 12 to < 24 → 1, 24 or more → none stated. */
const required = (months: number) => (months < 12 ? 2 : months < 24 ? 1 : 0);

/** Finished, face-to-face, one-to-one supervision meetings of at least 30 minutes with the PRS in the month (YYYY-MM). */
export function qualifyingMeetings(bag: ResourceBag, prs: Practitioner, month: string): Encounter[] {
  return bag.fact(`qualifyingMeetings|${prs.id}|${month}`, () => bag.referencing<Encounter>(personKeys(bag, prs), 'Encounter').filter((e) => {
    if (encounterKind(e) !== 'supervision' || e.status !== 'finished') return false;
    if (!sessionDay(e)?.startsWith(month)) return false;
    const people = new Set((e.participant ?? []).map((p) => {
      const person = practitionerOf(bag, p.individual);
      return person ? `Practitioner/${person.id}` : refKey(p.individual);
    }).filter(Boolean));
    const withPrs = (e.participant ?? []).some((p) => practitionerOf(bag, p.individual) === prs);
    return withPrs && people.size === 2 && isFaceToFace(e) && activeMinutes(e) >= 30;
  }));
}

export const vaSupervisionFrequency = defineRule({
  id: 'va-supervision-frequency',
  severity: 'warning',
  scope: 'practitioner',
  pack: 'US-VA',
  description: 'A PRS with under 12 months of experience has at least two face-to-face one-to-one supervision meetings of 30 minutes or more a month; 12 to under 24 months, at least one.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Supervision of Peer Recovery Specialists',
    quote: 'If the PRS has less than 12 months of experience delivering Peer Support Services or Family Support Partners, they shall receive face-to-face, one-to-one supervisory meetings of sufficient length to address identified challenges for a minimum of 30 minutes, two times a month.',
    note: 'Judged for the calendar month of the date of service, counting every meeting recorded in that month; experience is whole months from `peer-experience-start` to the date of service (none recorded: under 12 months). Item 2 of the section sets one meeting a month from 12 to under 24 months; nothing is stated from 24 months. Face-to-face = in person or audio+video; one-to-one = the PRS and one other person.',
  },
  check(ctx) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const line of datedLines(ctx)) {
      const { practitioner: prs, expression } = lineRendering(ctx, line);
      const month = line.day.slice(0, 7);
      if (!prs || seen.has(`${prs.id}|${month}`)) continue;
      seen.add(`${prs.id}|${month}`);
      const start = experienceStart(prs);
      const months = start ? Math.max(0, monthsBetween(start, line.day)) : 0;
      const need = required(months);
      const held = qualifyingMeetings(ctx.data, prs, month).length;
      if (held >= need) continue;
      const experience = start ? `${months} months' experience` : 'no peer-experience-start recorded, so under 12 months assumed';
      out.push({
        diagnostics: `${personName(prs)} (${experience} on ${line.day}) had ${held} face-to-face one-to-one supervision meeting(s) of at least 30 minutes in ${month}; ${need} a month required.`,
        expression,
        item: line.index,
      });
    }
    return out;
  },
});
