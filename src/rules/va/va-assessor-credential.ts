import type { Practitioner } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { defineRule, type Finding } from '../engine';
import { extRef, holdsCredential, practitionerOf } from '../facts';
import { assessedLines, assessorCredentials, at, idOf } from './facts-plan';

const held = (p: Practitioner | undefined, codes: string[], day: string) => codes.filter((c) => holdsCredential(p, c, day));

/** ARTS: a CATP (LMHP family included) or a CSAC supervised by one; MH: the LMHP family — current on the assessment date. */
export const vaAssessorCredential = defineRule({
  id: 'va-assessor-credential',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'ARTS: the assessor holds `catp`, `lmhp`, `lmhp-r`, `lmhp-rp` or `lmhp-s` (all CATPs under the definition\'s items i–xiii), or `csac` with a `supervising-practitioner` holding one of those. MH: the assessor holds `lmhp`, `lmhp-r`, `lmhp-rp` or `lmhp-s`. The credential is current on the assessment date.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Assessment and Recommendation for Services and Clinical Oversight',
    quote: 'A CSAC may also provide a documented assessment and recommendation for services if they are acting under the supervision or direction of a CATP.',
    note: 'ARTS assessments need a CATP (definition items i–xiii, which take in the LMHP family) or a CSAC with a CATP as `supervising-practitioner`; MH assessments need an LMHP, LMHP-R, LMHP-RP or LMHP-S ("MH Peer Support Services and Family Support Partners shall be rendered following a documented assessment for service by a LMHP, LMHP-R, LMHP-RP or LMHP-S"). Credentials are judged on the assessment\'s authoredOn date.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const { line, sr, day } of assessedLines(ctx)) {
      const allowed = assessorCredentials(line.program);
      const assessor = practitionerOf(ctx.data, sr.requester);
      if (held(assessor, allowed, day).length) continue;
      if (line.program === 'arts' && holdsCredential(assessor, 'csac', day)) {
        const supervisor = practitionerOf(ctx.data, extRef(sr, EXT.supervisingPractitioner));
        if (held(supervisor, allowed, day).length) continue;
      }
      const who = assessor ? idOf(assessor) : `the requester ${sr.requester?.reference ?? '(none)'}, who cannot be found`;
      const csac = line.program === 'arts' ? ', or csac under a supervising-practitioner who holds one' : '';
      out.push({
        item: line.index,
        expression: at.service(line),
        diagnostics: `Assessment ${idOf(sr)} of ${day} was made by ${who}, who holds none of ${allowed.join(', ')}${csac} on that date`,
      });
    }
    return out;
  },
});
