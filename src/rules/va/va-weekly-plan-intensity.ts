/** Per RRWP: hours billed in a calendar week ≤ its hoursPerWeek, days with service ≤ its daysPerWeek. */
import type { CarePlan, Encounter } from 'fhir/r4';
import { defineRule, type Finding } from '../engine';
import { codeIn, ext, notReplacedOn, periodCovers, planProgram, plansOf, serviceOf, type BilledLine } from '../facts';
import type { ResourceBag } from '../context';
import { CS, EXT } from '../../prss/terminology';
import { billedLines, countsBefore, itemPath, lineProgram, weekOf } from './facts-units';

interface Intensity { daysPerWeek?: number; hoursPerWeek?: number }

/** The plan's planned intensity: the activity for the session's service (pss/fsp) first, else any that states one. */
export function plannedIntensity(plan: CarePlan, session: Encounter | undefined): Intensity | undefined {
  const details = (plan.activity ?? []).map((a) => a.detail).filter((d) => !!ext(d, EXT.plannedIntensity));
  const service = session ? serviceOf(session) : undefined;
  const detail = details.find((d) => service && codeIn(d!.code, CS.service) === service) ?? details[0];
  const x = ext(detail, EXT.plannedIntensity);
  if (!x) return undefined;
  const part = (name: string) => { const p = ext(x, name); return p?.valueDecimal ?? p?.valueInteger; };
  return { daysPerWeek: part('daysPerWeek'), hoursPerWeek: part('hoursPerWeek') };
}

/**
 * A plan in force on the day: not a draft or an error, its period covers the day, and no new plan
 * that `replaces` it applies yet (the old plan ends where the new one starts).
 */
const inForce = (bag: ResourceBag, plan: CarePlan, day: string) =>
  !['draft', 'entered-in-error'].includes(plan.status) && !!plan.period && periodCovers(plan.period, day) && notReplacedOn(bag, plan, day);

export const vaWeeklyPlanIntensity = defineRule({
  id: 'va-weekly-plan-intensity',
  severity: 'error',
  scope: 'history',
  pack: 'US-VA',
  description: "Per plan: hours billed under the plan's program in a week ≤ that RRWP's hoursPerWeek, and days with service ≤ daysPerWeek (a plan with no program covers all the member's programs). The week is Monday–Sunday by default.",
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Recovery, Resiliency, and Wellness Plan; Service Delivery',
    quote: 'The level of services provided and total time billed for the week shall not exceed the frequency or intensity established in the Recovery, Resiliency, and Wellness Plan.',
    note: 'The seeds do not define the week: a calendar week starting on options.weekStartsOn (Monday by default). Billed time is the units (15 minutes each) of the member\'s lines under the plan\'s program; a day with service is a date with a billed line. Stored lines of the week count whatever their date; this claim\'s lines count in item order. A plan amended by a new CarePlan that `replaces` it applies up to the day before the new plan\'s `period.start`, the new one from that day; a plan updated in place applies as it now reads to all its dates (a correction).',
  },
  check(ctx) {
    const findings: Finding[] = [];
    const lines = billedLines(ctx);
    const ws = ctx.options.weekStartsOn;
    for (const line of lines) {
      if (!line.current || line.units <= 0) continue;
      const program = lineProgram(line.code, line.encounter);
      if (!program) continue;
      const week = weekOf(line.day, ws);
      for (const plan of plansOf(ctx)) {
        const covers = (o: BilledLine) => { const p = lineProgram(o.code, o.encounter); return !!p && (!planProgram(plan) || planProgram(plan) === p); };
        if (!inForce(ctx.data, plan, line.day) || !covers(line)) continue;
        const intensity = plannedIntensity(plan, line.encounter);
        if (!intensity) continue;
        // The lines counted before this one in its week under the plan: their units and their days.
        let used = 0;
        const days = new Set<string>();
        for (const o of lines) {
          if (o === line || o.units <= 0 || !countsBefore(o, line) || weekOf(o.day, ws) !== week || !covers(o)) continue;
          used += o.units;
          days.add(o.day);
        }
        const scope = `the week of ${week}${planProgram(plan) ? ` under ${planProgram(plan)!.toUpperCase()}` : ''}`;
        if (intensity.hoursPerWeek !== undefined) {
          const limit = Math.floor(intensity.hoursPerWeek * 4 + 1e-9);
          const allowed = Math.max(0, limit - used);
          if (line.units > allowed) {
            findings.push({
              diagnostics: `${((used + line.units) / 4).toFixed(2)} hours billed in ${scope} exceed the ${intensity.hoursPerWeek} hours per week of RRWP ${plan.id} (${used} units already billed; ${allowed} of this line's ${line.units} units allowed)`,
              expression: itemPath(line.index, 'quantity'),
              item: line.index,
              allowedUnits: allowed,
            });
          }
        }
        if (intensity.daysPerWeek !== undefined) {
          if (!days.has(line.day) && days.size >= intensity.daysPerWeek) {
            findings.push({
              diagnostics: `${line.day} would be day ${days.size + 1} with service in ${scope}; RRWP ${plan.id} plans ${intensity.daysPerWeek} days per week (already: ${[...days].sort().join(', ')})`,
              expression: itemPath(line.index, 'servicedDate'),
              item: line.index,
              allowedUnits: 0,
            });
          }
        }
      }
    }
    return findings;
  },
});
