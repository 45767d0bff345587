/** Test helpers for rules: a context from a scenario, and findings of one rule. */
import type { CarePlan, Claim, FhirResource } from 'fhir/r4';
import { EXT } from '../prss/terminology';
import { buildScenario, type Scenario, type ScenarioOptions } from '../prss/scenario';
import { ResourceBag, defaultRuleOptions, type RuleContext, type RuleOptions } from './context';
import type { Jurisdiction, RuleDefinition } from './engine';

export { buildScenario };
export type { Scenario };

export function contextOf(
  s: Scenario | { claim: Claim; resources(): FhirResource[] },
  jurisdiction: Jurisdiction = 'US-VA',
  options: Partial<RuleOptions> = {},
): RuleContext {
  return { jurisdiction, claim: s.claim, data: new ResourceBag(s.resources()), options: { ...defaultRuleOptions, ...options } };
}

export const scenario = (opts?: ScenarioOptions) => buildScenario(opts);

/** Findings of one rule on a scenario. */
export function check(rule: RuleDefinition, s: Scenario, jurisdiction?: Jurisdiction, options?: Partial<RuleOptions>) {
  return rule.check(contextOf(s, jurisdiction ?? (rule.pack === 'common' ? 'US-VA' : rule.pack), options));
}

/**
 * A new CarePlan amending the scenario's plan: a copy that `replaces` it, starting on `start`, with
 * the planned intensity given (the scenario's plan keeps its own). Not added to the scenario: pass it
 * to withResources or a stored bag.
 */
export function amendedPlan(s: Scenario, id: string, start: string, intensity: { daysPerWeek?: number; hoursPerWeek?: number; unitsPerDay?: number }): CarePlan {
  const plan: CarePlan = structuredClone(s.plan);
  plan.id = id;
  plan.period = { start };
  plan.created = start;
  plan.replaces = [{ reference: `CarePlan/${s.plan.id}` }];
  const parts = Object.entries(intensity).map(([url, v]) => (url === 'hoursPerWeek' ? { url, valueDecimal: v } : { url, valueInteger: v }));
  plan.activity![0].detail!.extension = [{ url: EXT.plannedIntensity, extension: parts }];
  return plan;
}
