import { defineRule } from '../engine';
import { holdsCredential, serviceOf } from '../facts';
import { lineSession, personName, renderedLineFindings } from './facts-staff';

export const vaFspLivedExperience = defineRule({
  id: 'va-fsp-lived-experience',
  severity: 'error',
  scope: 'practitioner',
  pack: 'US-VA',
  description: 'An FSP service is rendered by a PRS with FSP lived experience (a parent, or an adult with a family member, with a similar disorder).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Family Support Partners',
    quote: 'These services are rendered by a PRS who is (i) a parent of a minor or adult child with a similar a mental health or substance use disorder or co-occurring mental health and substance use disorder, or (ii) an adult with personal experience with a family member with a similar a mental health or substance use disorder or co-occurring mental health and substance use disorder with experience navigating substance use or behavioral health care services.',
    note: 'A line is FSP when its session\'s serviceType is `fsp` (the Virginia codes do not distinguish PSS from FSP).',
  },
  check(ctx) {
    return renderedLineFindings(
      ctx,
      (line, prs, r) => holdsCredential(prs, 'fsp-lived-experience', line.day) ? [] : [{
        diagnostics: `Line ${line.index + 1} bills Family Support Partners on ${line.day}, but ${personName(prs)} has no recorded FSP lived experience (fsp-lived-experience).`,
        expression: r.expression,
        item: line.index,
      }],
      (line) => {
        const session = lineSession(ctx, line);
        return !!session && serviceOf(session.encounter) === 'fsp';
      },
    );
  },
});
