/** Test helpers for rules: a context from a scenario, and findings of one rule. */
import type { Claim, FhirResource } from 'fhir/r4';
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
