import type { Goal } from 'fhir/r4';
import { defineRule, type Finding } from '../engine';
import { at, governingPlan, idOf, vaLines } from './facts-plan';

const INACTIVE_GOAL = new Set(['cancelled', 'entered-in-error', 'rejected']);

/** What a goal lacks to be SMART: a description, a measurable target, a due date. */
function smartGaps(g: Goal): string[] {
  const gaps: string[] = [];
  if (!g.description?.text?.trim() && !g.description?.coding?.some((c) => c.code || c.display)) gaps.push('a description');
  const targets = g.target ?? [];
  const measurable = targets.some((t) => t.measure || t.detailQuantity || t.detailRange || t.detailCodeableConcept
    || t.detailString !== undefined || t.detailBoolean !== undefined || t.detailInteger !== undefined || t.detailRatio);
  if (!measurable) gaps.push('a measurable target');
  if (!targets.some((t) => t.dueDate)) gaps.push('a due date');
  return gaps;
}

/** Every goal of the plan is SMART. */
export const vaRrwpGoals = defineRule({
  id: 'va-rrwp-goals',
  severity: 'warning',
  scope: 'plan',
  pack: 'US-VA',
  description: 'Every goal is SMART: a description, a measurable target and a due date. A wellness dimension is recommended, not required (003 gives the eight dimensions as the framework).',
  citation: {
    seed: '003_58b590bc1ec03200.txt',
    section: 'SMART goals',
    quote: 'SMART GOALS ARE REQUIRED IN RRWP',
    note: 'Read as: each goal (not cancelled, rejected or entered in error) has a description, a target with a measure or detail, and a target dueDate. A plan with no goal is flagged too.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const plan = governingPlan(ctx, line);
      if (!plan) continue;
      const where = { item: line.index, expression: at.line(line) };
      const refs = plan.goal ?? [];
      if (refs.length === 0) {
        out.push({ ...where, diagnostics: `RRWP ${idOf(plan)} has no goal; SMART goals are required` });
        continue;
      }
      for (const ref of refs) {
        const goal = ctx.data.resolve<Goal>(ref, 'Goal');
        if (!goal) {
          out.push({ ...where, diagnostics: `RRWP ${idOf(plan)}: goal ${ref.reference ?? '(no reference)'} cannot be found, so it cannot be shown to be SMART` });
          continue;
        }
        if (INACTIVE_GOAL.has(goal.lifecycleStatus)) continue;
        const gaps = smartGaps(goal);
        if (gaps.length) out.push({ ...where, diagnostics: `RRWP ${idOf(plan)}: goal ${idOf(goal)} is not SMART: it lacks ${gaps.join(', ')}` });
      }
    }
    return out;
  },
});
