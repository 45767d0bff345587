/**
 * The operations ($compliance, $utilization, $caseload, Encounter rules in $validate) answer with
 * the rule engine's own verdicts: they never restate a limit. They pose a question to a rule as a
 * synthetic claim — "a line for this member, program and date" — over the member's gathered
 * context, and read the rule's findings (and `allowedUnits`) back. This module builds those
 * synthetic claims and contexts.
 */
import type { CarePlan, Claim, ClaimItem, ClaimSupportingInfo, Coverage, Encounter, FhirResource, Reference } from 'fhir/r4';
import { CS, EXT, SYSTEM } from '../../prss/terminology';
import { ResourceBag, refKey, type RuleContext, type RuleOptions } from '../context';
import { JURISDICTIONS, runRules, type Jurisdiction, type RuleDefinition, type RuleResult } from '../engine';
import { codings, dayOf, hasCode, periodCovers } from '../facts';

/** Id prefix of every synthetic resource, so it can never be mistaken for a stored one. */
export const PROBE_PREFIX = 'operation-probe';

/** The resource types the rules read (what gatherClaimContext collects). */
const BAG_TYPES = [
  'Patient', 'RelatedPerson', 'Practitioner', 'PractitionerRole', 'Organization', 'Coverage', 'Condition', 'ServiceRequest',
  'EpisodeOfCare', 'CarePlan', 'Goal', 'Encounter', 'DocumentReference', 'Consent', 'Claim', 'ClaimResponse',
] as const;

/** A copy of a bag without the resources `drop` rejects (e.g. the member's stored claims, re-posed as current lines). */
export function filterBag(bag: ResourceBag, keep: (r: FhirResource) => boolean): ResourceBag {
  const out = new ResourceBag();
  for (const type of BAG_TYPES) for (const r of bag.all(type)) if (keep(r)) out.add(r);
  return out;
}

/** A synthetic claim line: a code, a date, units, optionally the session it bills. */
export interface ProbeLine {
  code: string;
  day: string;
  units: number;
  encounter?: Reference;
}

const hcpcs = (code: string) => ({ coding: [{ system: SYSTEM.hcpcs, code }] });

/**
 * A professional claim for the member posing the given lines. No price, no stored id: it is never
 * written, and only the rules asked about it are run.
 */
export function probeClaim(opts: {
  patient?: Reference;
  lines: ProbeLine[];
  careTeam?: Reference;
  provider?: Reference;
  coverages?: Coverage[];
  supportingInfo?: ClaimSupportingInfo[];
}): Claim {
  return {
    resourceType: 'Claim',
    id: PROBE_PREFIX,
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'claim',
    ...(opts.patient ? { patient: opts.patient } : { patient: { display: 'no member' } }),
    created: opts.lines.map((l) => l.day).sort().pop() ?? '1970-01-01',
    provider: opts.provider ?? { display: 'unknown provider' },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    insurance: (opts.coverages ?? []).map((c, i) => ({ sequence: i + 1, focal: i === 0, coverage: { reference: `Coverage/${c.id}` } })),
    ...(opts.careTeam ? { careTeam: [{ sequence: 1, provider: opts.careTeam }] } : {}),
    ...(opts.supportingInfo?.length ? { supportingInfo: opts.supportingInfo.map((s, i) => ({ ...s, sequence: i + 1 })) } : {}),
    item: opts.lines.map((l, i): ClaimItem => ({
      sequence: i + 1,
      ...(opts.careTeam ? { careTeamSequence: [1] } : {}),
      productOrService: hcpcs(l.code),
      servicedDate: l.day,
      quantity: { value: l.units },
      ...(l.encounter ? { encounter: [l.encounter] } : {}),
    })),
  };
}

/** The member's coverages, those in force on the day (active, period covering it) first. */
export function memberCoverages(bag: ResourceBag, member: string, day: string): Coverage[] {
  const mine = bag.all<Coverage>('Coverage').filter((c) => refKey(c.beneficiary) === member && c.status !== 'entered-in-error' && c.status !== 'cancelled');
  const score = (c: Coverage) => (c.status === 'active' ? 2 : 0) + (!c.period || periodCovers(c.period, day) ? 1 : 0);
  return [...mine].sort((a, b) => score(b) - score(a));
}

/** The policy pack of the member on the day: the jurisdiction of their coverage in force (as the claim service reads it). */
export function memberJurisdiction(coverages: Coverage[]): Jurisdiction | undefined {
  for (const c of coverages) {
    const cc = c.extension?.find((e) => e.url === EXT.jurisdiction)?.valueCodeableConcept;
    const code = codings(cc).find((x) => !x.system || x.system === SYSTEM.isoState)?.code;
    if (code && (JURISDICTIONS as string[]).includes(code)) return code as Jurisdiction;
  }
  return undefined;
}

export interface AuthorizationOnFile {
  /** The stored claim that carries it. */
  claim: string;
  units: number;
  start?: string;
  end?: string;
  entry: ClaimSupportingInfo;
}

/**
 * `authorized-units` covering the day on the member's stored claims (not cancelled or in error).
 * The same authorization repeated on several claims (same units and validity) counts once.
 */
export function authorizationsOn(bag: ResourceBag, member: string, day: string): AuthorizationOnFile[] {
  const seen = new Set<string>();
  const out: AuthorizationOnFile[] = [];
  for (const claim of bag.all<Claim>('Claim')) {
    if (refKey(claim.patient) !== member || claim.status === 'cancelled' || claim.status === 'entered-in-error') continue;
    for (const s of claim.supportingInfo ?? []) {
      if (!hasCode(s.category, CS.supportingInfo, 'authorized-units')) continue;
      if (s.timingPeriod && !periodCovers(s.timingPeriod, day)) continue;
      if (s.timingDate && dayOf(s.timingDate) !== day) continue;
      const units = s.valueQuantity?.value ?? 0;
      const key = JSON.stringify([units, s.timingPeriod?.start, s.timingPeriod?.end, s.timingDate]);
      if (seen.has(key) || units <= 0) continue;
      seen.add(key);
      out.push({
        claim: `Claim/${claim.id}`, units, entry: s,
        start: dayOf(s.timingPeriod?.start ?? s.timingDate), end: dayOf(s.timingPeriod?.end ?? s.timingDate),
      });
    }
  }
  return out;
}

/** A context asking the rules about `claim` over `data`. */
export const contextFor = (jurisdiction: Jurisdiction, claim: Claim, data: ResourceBag, options: RuleOptions): RuleContext =>
  ({ jurisdiction, claim, data, options });

/** Run the given rules; only findings about lines (or the whole claim) are returned with their rule. */
export const ask = (ctx: RuleContext, rules: RuleDefinition[]): RuleResult[] => runRules(ctx, rules);

/**
 * The units a limit rule still allows on a line posing `units` (its `allowedUnits`), or undefined
 * when the rule sets no limit there. The smallest allowance wins when the rule reports several.
 */
export function allowance(results: RuleResult[], rule: RuleDefinition, item: number): number | undefined {
  const allowed = results
    .filter((r) => r.rule === rule && r.finding.item === item && r.finding.allowedUnits !== undefined)
    .map((r) => r.finding.allowedUnits!);
  return allowed.length ? Math.min(...allowed) : undefined;
}

/**
 * A synthetic planned session of the member under a plan, dated on the day: it makes a probe line
 * belong to that plan (the `rrwp` extension) without being a contact, a service day or a session
 * on file for any rule (it is neither finished nor stored).
 */
export function plannedSession(id: string, member: Reference, plan: CarePlan, program: string, service: string, day: string): Encounter {
  return {
    resourceType: 'Encounter',
    id: `${PROBE_PREFIX}-${id}`,
    status: 'planned',
    class: { system: SYSTEM.actCode, code: 'AMB' },
    type: [{ coding: [{ system: CS.encounterKind, code: 'session' }] }, { coding: [{ system: CS.delivery, code: 'individual' }] }],
    serviceType: { coding: [{ system: CS.service, code: service }] },
    subject: member,
    period: { start: day },
    extension: [{ url: EXT.program, valueCode: program }, { url: EXT.rrwp, valueReference: { reference: `CarePlan/${plan.id}` } }],
  };
}

/** Very large units: any limit a rule knows about is exceeded, so it reports what remains. */
export const PROBE_UNITS = 1_000_000;
