import type { CarePlan } from 'fhir/r4';
import { format, startOfWeek } from 'date-fns';
import { EXT } from '../../prss/terminology';
import { defineRule, type Finding } from '../engine';
import { addDays, ext, extRef, memberLines, notReplacedOn, periodCovers, plansOf, replacementOf, toDate } from '../facts';
import { dateExpression, fmt, lineSession } from '../va/facts-staff';

interface Intensity { daysPerWeek?: number; hoursPerWeek?: number; unitsPerDay?: number }

/** The plan's `planned-intensity` (on the first activity that states one). */
export function plannedIntensity(plan: CarePlan): Intensity | undefined {
  for (const a of plan.activity ?? []) {
    const pi = ext(a.detail, EXT.plannedIntensity);
    if (!pi) continue;
    const part = (url: string) => pi.extension?.find((x) => x.url === url);
    return {
      daysPerWeek: part('daysPerWeek')?.valueInteger,
      hoursPerWeek: part('hoursPerWeek')?.valueDecimal ?? part('hoursPerWeek')?.valueInteger,
      unitsPerDay: part('unitsPerDay')?.valueInteger,
    };
  }
  return undefined;
}

/** A plan that was ever in force (drafts and errors never limit or authorize anything). */
const usable = (p: CarePlan) => p.status !== 'draft' && p.status !== 'entered-in-error' && p.status !== 'unknown';

export const ctPlanLimits = defineRule({
  id: 'ct-plan-limits',
  severity: 'error',
  scope: 'history',
  pack: 'US-CT',
  description: 'Units per day stay within the waiver Recovery Plan\'s units per day, hours and days per week within its hours and days per week, and the date lies within the plan\'s period.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Limitations (1), (2)',
    quote: 'Peer Support services are subject to service volume (number of ¼ hours service units per day and/or week) and duration (number of months or specified service end date) limits established in the waiver Recovery Plan approved by DMHAS and DSS.',
    note: 'The plan of a line is the one its session serves (`rrwp`), else the member\'s plan whose period covers the date. A plan amended by a new CarePlan that `replaces` it applies up to the day before the new plan\'s `period.start` and the new one from then on (a session naming the old plan is judged under its replacement from that day); a plan updated in place applies as it now reads to all its dates. Volume counts every billed line of the member with a Connecticut code; the week starts on the configured day (Monday by default).',
  },
  check(ctx) {
    const plans = plansOf(ctx).filter(usable);
    const lines = memberLines(ctx).filter((l) => ctx.options.ctCodes.includes(l.code ?? ''));
    const counted = lines.filter((l) => !l.current).map((l) => ({ day: l.day, units: l.units }));
    const current = lines.filter((l) => l.current).sort((a, b) => a.day.localeCompare(b.day) || a.index - b.index);
    const out: Finding[] = [];
    for (const line of current) {
      const at = { item: line.item, index: line.index, day: line.day };
      const served = lineSession(ctx, at)?.encounter;
      const named = served ? ctx.data.resolve<CarePlan>(extRef(served, EXT.rrwp), 'CarePlan') : undefined;
      // A plan applies over its period up to the start of a new plan that `replaces` it; the plan a
      // session names gives way to its replacement from that day on.
      const applies = (p: CarePlan) => periodCovers(p.period, line.day) && notReplacedOn(ctx.data, p, line.day);
      let chosen = named && plans.includes(named) ? named : undefined;
      for (let hops = 0; chosen && !notReplacedOn(ctx.data, chosen, line.day) && hops < 10; hops++) chosen = replacementOf(ctx.data, chosen)?.by;
      const plan = (chosen && plans.includes(chosen) ? chosen : undefined) ?? plans.find(applies) ?? plans.find((p) => periodCovers(p.period, line.day));
      const findings: Finding[] = [];
      const limit = (diagnostics: string, expression: string, allowedUnits: number) =>
        findings.push({ diagnostics, expression, item: line.index, allowedUnits: Math.max(0, Math.min(line.units, allowedUnits)) });

      if (!plan || !applies(plan)) {
        const replaced = plan && replacementOf(ctx.data, plan);
        const span = plan ? ` (CarePlan/${plan.id} runs ${plan.period?.start?.slice(0, 10) ?? 'open'} to ${plan.period?.end?.slice(0, 10) ?? 'open'}${replaced ? `, replaced by CarePlan/${replaced.by.id} from ${replaced.from}` : ''})` : '';
        limit(`${line.day} (line ${line.index + 1}) is outside the period of the member's waiver Recovery Plan${span || ': no plan covers the date'}.`, dateExpression(at), 0);
      } else {
        const intensity = plannedIntensity(plan) ?? {};
        const quantity = `Claim.item[${line.index}].quantity`;
        if (intensity.unitsPerDay !== undefined) {
          const already = counted.filter((c) => c.day === line.day).reduce((s, c) => s + c.units, 0);
          if (already + line.units > intensity.unitsPerDay) {
            limit(`${fmt(already + line.units)} units on ${line.day} exceed the plan's ${fmt(intensity.unitsPerDay)} units per day (${fmt(already)} already billed).`, quantity, intensity.unitsPerDay - already);
          }
        }
        const weekStart = format(startOfWeek(toDate(line.day), { weekStartsOn: ctx.options.weekStartsOn }), 'yyyy-MM-dd');
        const weekEnd = addDays(weekStart, 6);
        const week = counted.filter((c) => weekStart <= c.day && c.day <= weekEnd);
        if (intensity.hoursPerWeek !== undefined) {
          const cap = Math.floor(intensity.hoursPerWeek * 4 + 1e-9);
          const already = week.reduce((s, c) => s + c.units, 0);
          if (already + line.units > cap) {
            limit(`${fmt((already + line.units) / 4)} hours in the week of ${weekStart} exceed the plan's ${fmt(intensity.hoursPerWeek)} hours per week (${fmt(already)} units already billed).`, quantity, cap - already);
          }
        }
        if (intensity.daysPerWeek !== undefined) {
          const days = new Set(week.map((c) => c.day));
          if (!days.has(line.day) && days.size >= intensity.daysPerWeek) {
            limit(`${line.day} would be day ${days.size + 1} of service in the week of ${weekStart}; the plan allows ${intensity.daysPerWeek} days per week.`, quantity, 0);
          }
        }
      }
      out.push(...findings);
      counted.push({ day: line.day, units: line.units });
    }
    return out;
  },
});
