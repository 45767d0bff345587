import { defineRule, type Finding } from '../engine';
import { addDays, assessmentsOf, daysBetween } from '../facts';
import { assessmentDay, at, dischargeBefore, idOf, latest, recommends, serviceDays, vaLines } from './facts-plan';

/** An assessment is good for 30 calendar days: service must start within them. */
export const vaAssessmentWindow = defineRule({
  id: 'va-assessment-window',
  severity: 'error',
  scope: 'history',
  pack: 'US-VA',
  description: 'Service is initiated within 30 calendar days of the assessment; otherwise a new assessment is required.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'LIMITATIONS; Assessment and Recommendation for Services',
    quote: 'Service shall be initiated within 30 calendar days of the completed assessment and shall be valid for no longer, than 30 calendar days.',
    note: 'A line is covered when some assessment of the current episode (after the last discharge) recommending the program and service, dated on or before the line, was followed by a service within 30 calendar days (day 30 is in time, day 31 is not) on or before the line. Services that continue under a timely assessment need no reassessment; services started late stay unbillable until a new assessment is followed by a timely service.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const discharge = dischargeBefore(ctx, line.program, line.day);
      const candidates = assessmentsOf(ctx)
        .filter((sr) => recommends(sr, line.program, line.service, line.day))
        .filter((sr) => !discharge || assessmentDay(sr)! > discharge);
      if (candidates.length === 0) continue; // va-assessment-required reports a line with no assessment
      const days = serviceDays(ctx, line.program).filter((d) => d <= line.day);
      const timely = candidates.some((sr) => {
        const from = assessmentDay(sr)!;
        const until = addDays(from, 30);
        return days.some((d) => d >= from && d <= until);
      });
      if (timely) continue;
      const sr = latest(candidates, assessmentDay)!;
      const from = assessmentDay(sr)!;
      const started = days.find((d) => d >= from) ?? line.day;
      out.push({
        item: line.index,
        expression: at.date(line),
        diagnostics: `Service began on ${started}, ${daysBetween(from, started)} calendar days after assessment ${idOf(sr)} of ${from}; service must be initiated within 30 days of the assessment, so a new assessment was required`,
      });
    }
    return out;
  },
});
