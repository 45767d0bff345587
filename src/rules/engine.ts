/**
 * The PRSS rule engine. A rule is data (id, severity, scope, pack, citation) plus one pure function
 * over a context the engine gathers once per request; rules never touch the store. Findings become
 * OperationOutcome issues with the rule id in `details.coding`, the numbers in `diagnostics` and the
 * element in `expression`.
 */
import type { OperationOutcomeIssue } from 'fhir/r4';
import type { RuleContext } from './context';

export const RULE_SYSTEM = 'http://prss.example.org/fhir/CodeSystem/prss-rule';

export type Pack = 'common' | 'US-VA' | 'US-IN' | 'US-CT';
export type Jurisdiction = Exclude<Pack, 'common'>;
export const JURISDICTIONS: Jurisdiction[] = ['US-VA', 'US-IN', 'US-CT'];
export type RuleScope = 'claim' | 'line' | 'history' | 'plan' | 'practitioner' | 'provider';

export interface Citation {
  /** Seed file name under docs/spec/seeds, or an outside standard for the common rules. */
  seed: string;
  section: string;
  /** The sentence of the seed the rule enforces, verbatim. */
  quote: string;
  /** Where the seed leaves room: the reading taken and why. */
  note?: string;
}

export interface Finding {
  /** Plain English, quoting the limit and the numbers found. */
  diagnostics: string;
  /** FHIRPath to the offending element, e.g. `Claim.item[1].quantity`. */
  expression: string;
  /** Claim item index (0-based) the finding is about, for line-level adjudication. */
  item?: number;
  /**
   * For limit rules: the units of that line that remain allowed (0 = deny the line). Absent: an
   * `error` denies the line (or every line, when no item is named); a `warning` reduces nothing.
   */
  allowedUnits?: number;
}

export interface RuleDefinition {
  id: string;
  severity: 'error' | 'warning';
  scope: RuleScope;
  pack: Pack;
  citation: Citation;
  /** Plain-English statement of the rule (from rules.md). */
  description: string;
  check(ctx: RuleContext): Finding[];
}

const registry = new Map<string, RuleDefinition>();

export function defineRule(rule: RuleDefinition): RuleDefinition {
  if (!/^[a-z]+-[a-z0-9-]+$/.test(rule.id)) throw new Error(`Bad rule id ${rule.id}`);
  if (registry.has(rule.id)) throw new Error(`Rule ${rule.id} defined twice`);
  if (!rule.citation.quote.trim()) throw new Error(`Rule ${rule.id} has no citation quote`);
  registry.set(rule.id, rule);
  return rule;
}

export function registeredRules(): RuleDefinition[] {
  return [...registry.values()];
}

export function rulesForPack(jurisdiction: Jurisdiction): RuleDefinition[] {
  return registeredRules().filter((r) => r.pack === 'common' || r.pack === jurisdiction);
}

export interface RuleResult {
  rule: RuleDefinition;
  finding: Finding;
}

/** Run every rule of the pack; a rule that throws is reported as an exception issue, never swallowed. */
export function runRules(ctx: RuleContext, rules = rulesForPack(ctx.jurisdiction)): RuleResult[] {
  const out: RuleResult[] = [];
  for (const rule of rules) {
    let findings: Finding[];
    try {
      findings = rule.check(ctx);
    } catch (e) {
      findings = [{ diagnostics: `Rule ${rule.id} could not be evaluated: ${(e as Error).message}`, expression: 'Claim' }];
    }
    for (const finding of findings) out.push({ rule, finding });
  }
  return out;
}

export function ruleIssue(r: RuleResult): OperationOutcomeIssue {
  return {
    severity: r.rule.severity,
    code: 'business-rule',
    details: {
      coding: [{ system: RULE_SYSTEM, code: r.rule.id, display: r.rule.description }],
      text: `${r.rule.id}: ${r.rule.description}`,
    },
    diagnostics: r.finding.diagnostics,
    expression: [r.finding.expression],
  };
}
