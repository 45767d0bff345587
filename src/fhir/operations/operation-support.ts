/**
 * Shared by the PRSS reporting operations ($compliance, $utilization, $caseload): the as-of date
 * parameter, the member's context, and small builders for the Parameters they answer with.
 */
import type { OperationDefinition, OperationOutcomeIssue, ParametersParameter, Reference } from 'fhir/r4';
import { format, isValid, parseISO } from 'date-fns';
import { badRequest, OutcomeError, issue } from '../../outcomes';
import type { RuleResult } from '../../rules/engine';
import { ruleIssue } from '../../rules/engine';
import { ruleOptionsFrom } from '../../rules/service';
import type { FhirDeps } from '../types';
import { first, type OperationInput } from './parameters';

/**
 * The `date` parameter: a full calendar date (YYYY-MM-DD); absent, today on the server's calendar.
 * A partial date (2026, 2026-03) or an impossible one (2026-02-30) is a 400.
 */
export function asOfDate(def: OperationDefinition, input: OperationInput, name = 'date'): string {
  const v = first(input, name);
  if (v === undefined) return format(new Date(), 'yyyy-MM-dd');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || !isValid(parseISO(v)) || format(parseISO(v), 'yyyy-MM-dd') !== v) {
    throw badRequest(`Parameter '${name}' of $${def.code} must be a full calendar date (YYYY-MM-DD), not '${v}'`, name);
  }
  return v;
}

export const ruleOptionsOf = (deps: FhirDeps) => ruleOptionsFrom(deps.config);

/** 422: the request is well formed but the records cannot answer it (e.g. no policy pack for the member). */
export const cannotAnswer = (text: string, expression?: string) => new OutcomeError(422, [issue('error', 'business-rule', text, expression)]);

// ---- Parameters -------------------------------------------------------------------------------------

type Part = ParametersParameter | undefined;
const compact = (parts: Part[]): ParametersParameter[] => parts.filter((p): p is ParametersParameter => !!p);

export const P = {
  date: (name: string, v: string | undefined): Part => (v === undefined ? undefined : { name, valueDate: v }),
  int: (name: string, v: number | undefined): Part => (v === undefined ? undefined : { name, valueInteger: Math.round(v) }),
  dec: (name: string, v: number | undefined): Part => (v === undefined ? undefined : { name, valueDecimal: Math.round(v * 10000) / 10000 }),
  bool: (name: string, v: boolean | undefined): Part => (v === undefined ? undefined : { name, valueBoolean: v }),
  str: (name: string, v: string | undefined): Part => (v === undefined ? undefined : { name, valueString: v }),
  code: (name: string, v: string | undefined): Part => (v === undefined ? undefined : { name, valueCode: v }),
  ref: (name: string, v: string | Reference | undefined): Part => (v === undefined ? undefined : { name, valueReference: typeof v === 'string' ? { reference: v } : v }),
  group: (name: string, parts: Part[]): ParametersParameter => ({ name, part: compact(parts) }),
  all: compact,
};

/** The findings as an OperationOutcome, with an information issue when none is an error. */
export function findingsOutcome(results: (RuleResult & { expression?: string })[], what: string): { resourceType: 'OperationOutcome'; issue: OperationOutcomeIssue[] } {
  const issues = results.map((r) => ({ ...ruleIssue(r), ...(r.expression ? { expression: [r.expression] } : {}) }));
  if (!issues.some((i) => i.severity === 'error')) {
    issues.push(issue('information', 'informational', `No rule errors for ${what}${issues.length ? ` (${issues.length} warning${issues.length === 1 ? '' : 's'})` : ''}`));
  }
  return { resourceType: 'OperationOutcome', issue: issues };
}
