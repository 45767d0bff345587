/**
 * The session-level rules of a pack, run against one Encounter (Encounter/$validate).
 *
 * The rules judge claim lines, so the session is posed as a synthetic one-line claim: the member is
 * the session's subject; the rendering PRS its primary performer (care team); the provider that
 * PRS's organization; the date the session's start; the code the one a stored claim billed for the
 * session, else the pack's code for its program and delivery (Virginia: T1012/S9445 ARTS,
 * H0024/H0025 MH, ARTS when no program is recorded; Indiana H0038; Connecticut its first configured
 * code); the units those stored lines billed in all, else the session's billable units. Stored
 * claims that bill the session are left out of the context, so their units are not counted twice
 * against the session's time. Only the session-level rule ids below are reported, with expressions
 * pointing into the Encounter. Sessions of another kind (contact attempts, supervision,
 * collaboration) are records, not services: no session rule applies to them.
 */
import type { Claim, Encounter, FhirResource, OperationOutcomeIssue, PractitionerRole, Reference } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { refKey, type ResourceBag, type RuleOptions } from '../context';
import { registeredRules, ruleIssue, type Jurisdiction, type RuleResult } from '../engine';
import { billableUnits, delivery, encounterKind, lineCode, primaryPerformer, sessionDay } from '../facts';
import { sessionProgram } from '../va/facts-plan';
import { contextFor, filterBag, probeClaim } from './probe';

export const SESSION_RULES: Record<Jurisdiction, string[]> = {
  'US-VA': [
    'va-progress-note', 'va-documentation-timely', 'va-member-present', 'va-noncovered-activity', 'va-session-activities', 'va-unit-time',
    'va-telephone-justification', 'va-group-ratio', 'va-fsp-caregiver', 'va-fsp-congregate', 'va-age-fsp', 'va-fsp-lived-experience',
  ],
  'US-IN': ['in-unit-time', 'in-no-group', 'in-face-to-face', 'in-noncovered', 'in-min-age'],
  'US-CT': ['ct-min-duration', 'ct-unit-time', 'ct-face-to-face', 'ct-nonbillable'],
};

const extPath = (url: string) => `Encounter.extension.where(url='${url}')`;
const ENCOUNTER_EXPRESSION: Record<string, string> = {
  'va-progress-note': 'Encounter',
  'va-documentation-timely': 'Encounter',
  'va-member-present': extPath(EXT.memberPresent),
  'va-noncovered-activity': extPath(EXT.activity),
  'va-session-activities': extPath(EXT.activity),
  'va-unit-time': 'Encounter.period',
  'va-telephone-justification': extPath(EXT.telephoneJustification),
  'va-group-ratio': extPath(EXT.groupSize),
  'va-fsp-caregiver': 'Encounter.participant',
  'va-fsp-congregate': extPath(EXT.youthResidence),
  'va-age-fsp': 'Encounter.subject',
  'in-unit-time': 'Encounter.period',
  'in-no-group': 'Encounter.type',
  'in-face-to-face': extPath(EXT.contactMode),
  'in-noncovered': extPath(EXT.activity),
  'in-min-age': 'Encounter.subject',
  'ct-min-duration': 'Encounter.period',
  'ct-unit-time': 'Encounter.period',
  'ct-face-to-face': extPath(EXT.contactMode),
  'ct-nonbillable': extPath(EXT.activity),
};

/** Where a finding about the synthetic claim points in the Encounter. */
export function encounterExpression(e: Encounter, r: RuleResult): string {
  const mapped = ENCOUNTER_EXPRESSION[r.rule.id];
  if (mapped) return mapped;
  // Practitioner findings point at the care team: the session's primary performer.
  if (r.finding.expression.startsWith('Claim.careTeam')) {
    const performer = refKey(primaryPerformer(e));
    const i = (e.participant ?? []).findIndex((p) => refKey(p.individual) === performer);
    return i >= 0 ? `Encounter.participant[${i}].individual` : 'Encounter.participant';
  }
  if (/\.serviced(Date|Period)$/.test(r.finding.expression)) return 'Encounter.period.start';
  if (/\.quantity$/.test(r.finding.expression)) return 'Encounter.period';
  return 'Encounter';
}

const stored = (c: Claim) => c.status !== 'cancelled' && c.status !== 'entered-in-error' && (!c.use || c.use === 'claim');

/** The synthetic claim line's code for the session in the pack. */
function codeFor(bag: ResourceBag, e: Encounter, jurisdiction: Jurisdiction, options: RuleOptions, billing: Claim[]): string {
  for (const c of billing) for (const item of c.item ?? []) if ((item.encounter ?? []).some((r) => refKey(r) === `Encounter/${e.id}`)) { const code = lineCode(item); if (code) return code; }
  if (jurisdiction === 'US-IN') return 'H0038';
  if (jurisdiction === 'US-CT') return options.ctCodes[0] ?? 'H0038';
  const program = sessionProgram({ jurisdiction, claim: { resourceType: 'Claim' } as Claim, data: bag, options }, e) ?? 'arts';
  const group = delivery(e) === 'group';
  return program === 'arts' ? (group ? 'S9445' : 'T1012') : group ? 'H0025' : 'H0024';
}

export interface SessionCheck {
  issues: OperationOutcomeIssue[];
  /** Why the rules did not run (not a session, no date, no pack), when they did not. */
  skipped?: string;
}

/** Run the pack's session rules on the encounter over the member's gathered context (which already holds it). */
export function checkSession(bag: ResourceBag, e: Encounter, jurisdiction: Jurisdiction | undefined, options: RuleOptions): SessionCheck {
  if (encounterKind(e) !== 'session') return { issues: [], skipped: `the encounter is ${encounterKind(e) ? `a ${encounterKind(e)}` : 'of no recorded kind'}, not a service session` };
  const day = sessionDay(e);
  if (!day) return { issues: [], skipped: 'the session has no period.start, so no date of service' };
  if (!jurisdiction) return { issues: [], skipped: "the member's coverage names no jurisdiction (policy pack)" };
  const ref = `Encounter/${e.id}`;
  const billing = bag.all<Claim>('Claim').filter((c) => stored(c) && (c.item ?? []).some((i) => (i.encounter ?? []).some((r) => refKey(r) === ref)));
  const billed = billing.flatMap((c) => (c.item ?? []).filter((i) => (i.encounter ?? []).some((r) => refKey(r) === ref)));
  const units = billed.length ? billed.reduce((s, i) => s + (i.quantity?.value ?? 0), 0) : billableUnits(e);
  const performer = primaryPerformer(e);
  const role = bag.resolve<PractitionerRole>(performer, 'PractitionerRole');
  const claim = probeClaim({
    patient: e.subject as Reference | undefined,
    careTeam: performer,
    provider: role?.organization,
    lines: [{ code: codeFor(bag, e, jurisdiction, options, billing), day, units, encounter: { reference: ref } }],
  });
  const data = filterBag(bag, (r: FhirResource) => !(r.resourceType === 'Claim' && billing.includes(r as Claim)));
  const ctx = contextFor(jurisdiction, claim, data, options);
  const ids = new Set(SESSION_RULES[jurisdiction]);
  const results = registeredRules().filter((r) => ids.has(r.id)).flatMap((rule) => rule.check(ctx).map((finding) => ({ rule, finding })));
  return { issues: results.map((r) => ({ ...ruleIssue(r), expression: [encounterExpression(e, r)] })) };
}

