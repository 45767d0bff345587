import { defineRule, type Finding } from '../engine';
import { assessmentsOf } from '../facts';
import { PROGRAM_NAME, SERVICE_NAME, assessmentFor, assessmentDay, assessmentProgram, assessmentService, at, idOf, vaLines } from './facts-plan';

/** Every PRSS line follows a documented assessment recommending that service. */
export const vaAssessmentRequired = defineRule({
  id: 'va-assessment-required',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'An active assessment recommending the service (`prss-assessment` for the member, program and service) is dated on or before the date of service.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Assessment and Recommendation for Services and Clinical Oversight',
    quote: 'ARTS Peer Support Services and Family Support Partners shall be rendered following a documented assessment from a CATP acting within their scope of practice under state law and who is recommending PRS for the member.',
    note: 'The MH paragraph says the same for MH. An assessment counts when its status is active or completed, its category is the line\'s program, its code the session\'s service, and its authoredOn is on or before the date of service.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      if (assessmentFor(ctx, line)) continue;
      const onFile = assessmentsOf(ctx).map((sr) => `${idOf(sr)} (${sr.status}, ${assessmentProgram(sr) ?? 'no program'}/${assessmentService(sr) ?? 'no service'}, authored ${assessmentDay(sr) ?? 'undated'})`);
      const what = `${PROGRAM_NAME[line.program]} ${line.service ? SERVICE_NAME[line.service] : 'peer recovery support services'}`;
      out.push({
        item: line.index,
        expression: at.service(line),
        diagnostics: `No active assessment recommending ${what} is dated on or before ${line.day}; on file: ${onFile.join('; ') || 'none'}`,
      });
    }
    return out;
  },
});
