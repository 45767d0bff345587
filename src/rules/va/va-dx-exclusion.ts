import { EXT } from '../../prss/terminology';
import { defineRule, type Finding } from '../engine';
import { extBool } from '../facts';
import { assessmentFor, at, documentedDiagnoses, idOf, isExclusionCode, isMhCode, isSudCode, vaLines } from './facts-plan';

/** ID/DD, organic mental disorders and TBI exclude PRSS unless an SUD/MH diagnosis overlays them and the member can participate. */
export const vaDxExclusion = defineRule({
  id: 'va-dx-exclusion',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'Members with intellectual/developmental disability (F70–F89), organic mental disorder incl. dementia (F01–F09, G30) or traumatic brain injury (S06) are excluded unless an SUD/MH diagnosis is also documented and the assessment records `able-to-participate` = true.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'LIMITATIONS',
    quote: 'Members with the following conditions are excluded from Peer Support Services and Family Support Partners unless there is clearly documented evidence and diagnosis of a substance use disorder or mental health disorder overlaying the diagnosis: developmental disability including intellectual disabilities, organic mental disorder including dementia or Alzheimer’s, or traumatic brain injury.',
    note: 'The next sentence ("There must be documented evidence that the member is able to participate in the service and benefit") is read as `able-to-participate` = true on the assessment the line relies on.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const dx = documentedDiagnoses(ctx, line.day);
      const excluding = [...new Set(dx.filter((d) => isExclusionCode(d.code)).map((d) => d.code))];
      if (excluding.length === 0) continue;
      const overlay = dx.some((d) => isSudCode(d.code) || isMhCode(d.code));
      const sr = assessmentFor(ctx, line);
      const able = sr ? extBool(sr, EXT.ableToParticipate) === true : false;
      if (overlay && able) continue;
      const missing = [
        ...(overlay ? [] : ['no substance use or mental health diagnosis overlays it']),
        ...(able ? [] : [sr ? `assessment ${idOf(sr)} does not record that the member is able to participate (able-to-participate)` : 'no assessment records that the member is able to participate']),
      ];
      out.push({
        item: line.index,
        expression: at.service(line),
        diagnostics: `Member has an excluding diagnosis (${excluding.join(', ')}) on ${line.day}, and ${missing.join(', and ')}`,
      });
    }
    return out;
  },
});
