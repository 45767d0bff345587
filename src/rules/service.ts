/**
 * The claim service: choose the policy pack, gather the context once, run the rules, and turn
 * findings into OperationOutcome issues (Claim/$validate) or a ClaimResponse (Claim/$submit).
 */
import type { Claim, ClaimResponse, ClaimResponseItemAdjudication, Coverage, OperationOutcomeIssue } from 'fhir/r4';
import { randomUUID } from 'node:crypto';
import { EXT, SYSTEM } from '../prss/terminology';
import type { Repository } from '../store/repository';
import { defaultRuleOptions, type RuleContext, type RuleOptions } from './context';
import { JURISDICTIONS, RULE_SYSTEM, registeredRules, ruleIssue, runRules, type Jurisdiction, type RuleDefinition, type RuleResult } from './engine';
import { codings, lineUnits } from './facts';
import { gatherClaimContext } from './gather';
import './index';

export interface ClaimCheck {
  jurisdiction?: Jurisdiction;
  /** Why no pack could be chosen, when jurisdiction is undefined. */
  jurisdictionProblem?: string;
  results: RuleResult[];
  issues: OperationOutcomeIssue[];
  ctx: RuleContext;
}

type FindingsListener = (results: readonly RuleResult[]) => void;
const findingsListeners = new Set<FindingsListener>();

/** Be told the findings of every claim check (the metrics count them by rule id); returns the unsubscribe. */
export function onRuleFindings(listener: FindingsListener): () => void {
  findingsListeners.add(listener);
  return () => findingsListeners.delete(listener);
}

/** The pack of the claim's Coverage (focal insurance first), from the `jurisdiction` extension. */
export function jurisdictionOf(ctx: Pick<RuleContext, 'claim' | 'data'>): { jurisdiction?: Jurisdiction; problem?: string } {
  const insurances = [...(ctx.claim.insurance ?? [])].sort((a, b) => Number(!!b.focal) - Number(!!a.focal));
  for (const ins of insurances) {
    const coverage = ctx.data.resolve<Coverage>(ins.coverage, 'Coverage');
    if (!coverage) continue;
    const cc = coverage.extension?.find((e) => e.url === EXT.jurisdiction)?.valueCodeableConcept;
    const code = codings(cc).find((c) => !c.system || c.system === SYSTEM.isoState)?.code;
    if (code && (JURISDICTIONS as string[]).includes(code)) return { jurisdiction: code as Jurisdiction };
    if (code) return { problem: `The claim's Coverage/${coverage.id} names jurisdiction '${code}', which has no policy pack (US-VA, US-IN, US-CT)` };
    return { problem: `The claim's Coverage/${coverage.id} has no jurisdiction extension; pass the jurisdiction parameter` };
  }
  return { problem: 'The claim names no stored Coverage, so its policy pack (jurisdiction) is unknown; pass the jurisdiction parameter' };
}

export function ruleOptionsFrom(config: { WEEK_START: number; HOLIDAYS: string[]; CT_CODES: string[]; CT_RATE: number }): RuleOptions {
  return { weekStartsOn: (config.WEEK_START % 7) as RuleOptions['weekStartsOn'], extraHolidays: config.HOLIDAYS, ctCodes: config.CT_CODES, ctRate: config.CT_RATE };
}

export interface CheckOptions {
  jurisdiction?: Jurisdiction;
  ruleOptions?: RuleOptions;
  synced?: Promise<void>;
  /** Stored claims (ids) that do not count toward this claim's limits: the later entries of its transaction Bundle. */
  notCounted?: readonly string[];
}

export async function checkClaim(repo: Repository, claim: Claim, options: CheckOptions = {}): Promise<ClaimCheck> {
  const data = await gatherClaimContext(repo, claim, options.synced);
  const chosen = options.jurisdiction ? { jurisdiction: options.jurisdiction } : jurisdictionOf({ claim, data });
  const ctx: RuleContext = {
    jurisdiction: chosen.jurisdiction ?? 'US-VA', claim, data, options: options.ruleOptions ?? defaultRuleOptions,
    ...(options.notCounted?.length ? { notCounted: options.notCounted } : {}),
  };
  // Without a pack, only the rules every pack shares can be judged.
  const rules = chosen.jurisdiction ? undefined : registeredRules().filter((r) => r.pack === 'common');
  const results = runRules(ctx, rules);
  for (const listener of findingsListeners) listener(results);
  const issues = results.map(ruleIssue);
  if (!chosen.jurisdiction) {
    issues.unshift({ severity: 'error', code: 'processing', diagnostics: chosen.problem, expression: ['Claim.insurance'] });
  }
  return { jurisdiction: chosen.jurisdiction, jurisdictionProblem: chosen.problem, results, issues, ctx };
}

const adjudicationCategory = (code: 'submitted' | 'eligible' | 'benefit') => ({
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code }],
});
const money = (value: number, currency = 'USD') => ({ value: Math.round(value * 100) / 100, currency });

/**
 * A ClaimResponse: per item the submitted and allowed units, one adjudication per rule that reduced
 * or denied the line (reason = rule id). Errors deny (or cap, with `allowedUnits`); warnings reduce
 * nothing, except a Connecticut rate difference, which is paid at the rate.
 */
export function adjudicate(claim: Claim, check: ClaimCheck, claimRef: string, ctRate = defaultRuleOptions.ctRate): ClaimResponse {
  const errors = check.results.filter((r) => r.rule.severity === 'error');
  const claimWide = errors.filter((r) => r.finding.item === undefined);
  const items = (claim.item ?? []).map((item, index) => {
    const submitted = lineUnits(item);
    let allowed = submitted;
    const reasons: { rule: RuleDefinition; allowed: number; text: string }[] = [];
    for (const r of [...claimWide, ...errors.filter((x) => x.finding.item === index)]) {
      const cap = r.finding.item === index && r.finding.allowedUnits !== undefined ? Math.max(0, Math.min(submitted, r.finding.allowedUnits)) : 0;
      allowed = Math.min(allowed, cap);
      reasons.push({ rule: r.rule, allowed: cap, text: r.finding.diagnostics });
    }
    const unitPrice = item.unitPrice?.value ?? (submitted ? (item.net?.value ?? 0) / submitted : 0);
    const rateRule = check.results.find((r) => r.rule.id === 'ct-rate' && r.finding.item === index);
    const paidPrice = rateRule ? ctRate : unitPrice;
    const currency = item.net?.currency ?? item.unitPrice?.currency ?? 'USD';
    const adjudication: ClaimResponseItemAdjudication[] = [
      { category: adjudicationCategory('submitted'), value: submitted, amount: money(item.net?.value ?? submitted * unitPrice, currency) },
      { category: adjudicationCategory('eligible'), value: allowed, amount: money(allowed * paidPrice, currency) },
      ...reasons.map((r) => ({
        category: adjudicationCategory('eligible'),
        reason: { coding: [{ system: RULE_SYSTEM, code: r.rule.id, display: r.rule.description }], text: r.text },
        value: r.allowed,
      })),
      ...(rateRule ? [{ category: adjudicationCategory('eligible'), reason: { coding: [{ system: RULE_SYSTEM, code: 'ct-rate', display: rateRule.rule.description }], text: rateRule.finding.diagnostics }, amount: money(allowed * ctRate, currency) }] : []),
      { category: adjudicationCategory('benefit'), amount: money(allowed * paidPrice, currency) },
    ];
    return { itemSequence: item.sequence, adjudication, submitted, allowed };
  });
  const reduced = items.filter((i) => i.allowed < i.submitted);
  const denied = items.filter((i) => i.allowed === 0 && i.submitted > 0);
  const outcome: ClaimResponse['outcome'] = !check.jurisdiction ? 'error' : reduced.length === 0 ? 'complete' : denied.length === items.length ? 'error' : 'partial';
  const ruleIds = [...new Set(errors.map((r) => r.rule.id))];
  const allowedUnits = items.reduce((s, i) => s + i.allowed, 0);
  const submittedUnits = items.reduce((s, i) => s + i.submitted, 0);
  const disposition = !check.jurisdiction
    ? `Not adjudicated: ${check.jurisdictionProblem}`
    : reduced.length === 0
      ? `All ${items.length} line(s) allowed in full: ${allowedUnits} of ${submittedUnits} units.`
      : `${allowedUnits} of ${submittedUnits} units allowed; ${denied.length} line(s) denied and ${reduced.length - denied.length} reduced under ${ruleIds.join(', ')}.`;
  const total = items.reduce((s, i) => s + (i.adjudication.find((a) => a.category.coding?.[0].code === 'benefit')?.amount?.value ?? 0), 0);
  return {
    resourceType: 'ClaimResponse',
    id: randomUUID(),
    status: 'active',
    type: claim.type,
    use: claim.use,
    patient: claim.patient,
    created: new Date().toISOString(),
    insurer: check.ctx.data.resolve<Coverage>(claim.insurance?.[0]?.coverage, 'Coverage')?.payor?.[0] ?? { display: 'PRSS payer' },
    requestor: claim.provider,
    request: { reference: claimRef },
    outcome,
    disposition,
    ...(claim.identifier?.length ? { identifier: claim.identifier } : {}),
    item: items.map(({ itemSequence, adjudication }) => ({ itemSequence, adjudication })),
    total: [
      { category: adjudicationCategory('submitted'), amount: money(claim.total?.value ?? items.reduce((s, i) => s + (i.adjudication[0].amount?.value ?? 0), 0)) },
      { category: adjudicationCategory('benefit'), amount: money(total) },
    ],
    ...(ruleIds.length || !check.jurisdiction ? { error: [...(check.jurisdiction ? [] : [{ code: { text: check.jurisdictionProblem } }]), ...ruleIds.map((id) => ({ code: { coding: [{ system: RULE_SYSTEM, code: id }] } }))] } : {}),
  };
}
