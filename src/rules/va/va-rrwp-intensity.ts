import type { CarePlanActivity } from 'fhir/r4';
import { CS, EXT } from '../../prss/terminology';
import { defineRule, type Finding } from '../engine';
import { codeIn, ext } from '../facts';
import { at, governingPlan, idOf, vaLines } from './facts-plan';

/** days per week and hours per week stated on an activity, or what is missing. */
function intensityOf(a: CarePlanActivity): { days?: number; hours?: number } {
  const pi = ext(a.detail, EXT.plannedIntensity);
  const days = ext(pi, 'daysPerWeek')?.valueInteger;
  const hours = ext(pi, 'hoursPerWeek')?.valueDecimal ?? ext(pi, 'hoursPerWeek')?.valueInteger;
  return { days, hours };
}

/** The plan states how many days and hours per week the services need. */
export const vaRrwpIntensity = defineRule({
  id: 'va-rrwp-intensity',
  severity: 'error',
  scope: 'plan',
  pack: 'US-VA',
  description: 'The RRWP states days per week and hours per week (`planned-intensity`).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Recovery, Resiliency, and Wellness Plan',
    quote: 'The Recovery, Resiliency, and Wellness Plan shall also include documentation of how many days per week and how many hours per week are required to carry out the services in order to meet the goals of the Plan.',
    note: 'The activity for the line\'s service (any activity, when none names it) must carry `planned-intensity` with daysPerWeek (1–7) and hoursPerWeek (> 0).',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const plan = governingPlan(ctx, line);
      if (!plan) continue; // va-rrwp-required reports a missing plan
      const activities = plan.activity ?? [];
      const forService = activities.filter((a) => line.service && codeIn(a.detail?.code, CS.service) === line.service);
      const candidates = forService.length ? forService : activities;
      const stated = candidates.map(intensityOf);
      const ok = stated.some((s) => s.days !== undefined && s.days >= 1 && s.days <= 7 && s.hours !== undefined && s.hours > 0);
      if (ok) continue;
      const found = stated.map((s) => `daysPerWeek ${s.days ?? 'missing'}, hoursPerWeek ${s.hours ?? 'missing'}`);
      out.push({
        item: line.index,
        expression: at.line(line),
        diagnostics: `RRWP ${idOf(plan)} does not state the days per week and hours per week needed for the services${line.service ? ` (${line.service})` : ''}: ${found.join('; ') || 'no planned activity'}`,
      });
    }
    return out;
  },
});
