import { defineRule } from '../engine';
import { ageOn, holdsCredential } from '../facts';
import { personName, renderedLineFindings } from '../va/facts-staff';

const MIN_AGE = 18;
const REQUIRED: [string, string][] = [
  ['hs-diploma', 'a high school diploma or GED'],
  ['ct-drivers-license', 'a valid Connecticut driver\'s license'],
  ['ct-dmhas-peer-certification', 'a current DMHAS Peer Support Specialist certification'],
];

export const ctProviderQualified = defineRule({
  id: 'ct-provider-qualified',
  severity: 'error',
  scope: 'practitioner',
  pack: 'US-CT',
  description: 'The specialist is 18 or older and has a high school diploma, a Connecticut driver\'s license and a current DMHAS peer support certification.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Provider Qualifications/Conditions for Participation',
    quote: 'Agency based: A Peer Support specialist shall:',
    note: 'The list that follows: "Be at least 18 yrs old; Possess at least a high school diploma or GED; Possess a valid Connecticut driver\'s license; Be certified as a Peer Support Specialist in accordance with requirements set by the Department of Mental Health and Addiction Services (DMHAS)". Each is judged on the date of service; continuing education and ability have no element.',
  },
  check(ctx) {
    return renderedLineFindings(ctx, (line, p, r) => {
      const unmet: string[] = [];
      if (!p.birthDate) unmet.push('no birth date, so age 18 cannot be shown');
      else if (ageOn(p.birthDate, line.day) < MIN_AGE) unmet.push(`age ${ageOn(p.birthDate, line.day)}, under ${MIN_AGE}`);
      for (const [code, what] of REQUIRED) if (!holdsCredential(p, code, line.day)) unmet.push(`no ${what} (${code})`);
      return unmet.length ? [{ diagnostics: `${personName(p)} does not qualify as a peer support specialist on ${line.day} (line ${line.index + 1}): ${unmet.join('; ')}.`, expression: r.expression, item: line.index }] : [];
    });
  },
});
