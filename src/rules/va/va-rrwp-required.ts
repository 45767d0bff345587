import { refKey } from '../context';
import { defineRule, type Finding } from '../engine';
import { addDays, daysBetween } from '../facts';
import { at, planInForce, planInForceOn, sessionPlan, serviceInitiation, vaLines } from './facts-plan';

/** Past day 30 of service, a Recovery, Resiliency, and Wellness Plan must be in force. */
export const vaRrwpRequired = defineRule({
  id: 'va-rrwp-required',
  severity: 'error',
  scope: 'history',
  pack: 'US-VA',
  description: 'Services more than 30 calendar days after service initiation need an RRWP in force for the member.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Definitions ("Recovery, Resiliency, and Wellness Plan"); Recovery, Resiliency, and Wellness Plan',
    quote: 'The comprehensive documented wellness plan shall be developed by the member, caregiver as applicable, the PRS, and the direct supervisor within 30 days of the initiation of services and shall describe how the plan for peer support services and activities will meet the member’s needs.',
    note: 'In force: an RRWP of the member for the line\'s program (or for every program) with status active, on-hold, completed or revoked whose period covers the date of service. Its signatures are judged by va-rrwp-signatures.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const initiation = serviceInitiation(ctx, line.program, line.day);
      if (!initiation || daysBetween(initiation, line.day) <= 30) continue;
      const named = sessionPlan(ctx, line.session);
      const inForce = (named && refKey(named.subject) === refKey(ctx.claim.patient) && planInForceOn(named, line.program, line.day, ctx.data))
        || planInForce(ctx, line.program, line.day);
      if (inForce) continue;
      out.push({
        item: line.index,
        expression: at.date(line),
        diagnostics: `Service on ${line.day} is day ${daysBetween(initiation, line.day)} after service initiation on ${initiation}, and no Recovery, Resiliency, and Wellness Plan is in force for the member's ${line.program} services; one is required from ${addDays(initiation, 31)}`,
      });
    }
    return out;
  },
});
