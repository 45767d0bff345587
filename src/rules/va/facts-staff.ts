/**
 * Facts the practitioner/provider rules need beyond ../facts.ts: each claim line with its date, the
 * line's rendering PRS and session with the FHIRPath that names them, the PRS's direct supervisor,
 * experience, and the rolling-window dates. The Indiana and Connecticut packs read the same facts, so
 * they live here once (candidates for ../facts.ts when the lead next touches it).
 */
import type { CarePlan, ClaimItem, Encounter, Practitioner, Reference } from 'fhir/r4';
import { differenceInMonths, format, subYears } from 'date-fns';
import { CS, EXT } from '../../prss/terminology';
import type { RuleContext } from '../context';
import { ResourceBag, refKey } from '../context';
import type { Finding } from '../engine';
import { datedLines, type DatedLine } from '../common/lines';
import {
  activeMinutes, addDays, billableUnits, contactMode, encounterKind, extCode, extDate, extRef, hasCode, holdsCredential, lineModifiers, lineUnits,
  periodCovers, personKeys, placeOfService, practitionerOf, primaryPerformer, rolesOn, sessionDay, signaturesOf, toDate,
} from '../facts';

// ---- lines --------------------------------------------------------------------------------------

/** What the helpers below read of a line: its item, position and date of service (any dated line). */
export type LineAt = Pick<DatedLine, 'item' | 'index' | 'day'>;

/** Lines in the order limits consume them: by date of service, then by position on the claim. */
export const chronological = (lines: readonly LineAt[]) => [...lines].sort((a, b) => a.day.localeCompare(b.day) || a.index - b.index);

/** The line's session and the path to the reference that names it. */
export function lineSession(ctx: RuleContext, line: LineAt): { encounter: Encounter; expression: string } | undefined {
  const refs = line.item.encounter ?? [];
  for (let k = 0; k < refs.length; k++) {
    const encounter = ctx.data.resolve<Encounter>(refs[k], 'Encounter');
    if (encounter) return { encounter, expression: `Claim.item[${line.index}].encounter[${k}]` };
  }
  return undefined;
}

/** Audio-only contact, from the session's contact mode or the line's audio-only modifier (FQ, 93). */
export function isTelephoneContact(item: ClaimItem, encounter: Encounter | undefined): boolean {
  return (encounter && contactMode(encounter) === 'telephone') || lineModifiers(item).some((m) => m === 'FQ' || m === '93');
}

/** The path of the line's date of service. */
export const dateExpression = (line: LineAt) =>
  `Claim.item[${line.index}].${line.item.servicedDate ? 'servicedDate' : 'servicedPeriod'}`;

// ---- the rendering PRS --------------------------------------------------------------------------

export interface LineRendering {
  ref?: Reference;
  practitioner?: Practitioner;
  /** Path of the care-team member (or of the missing link) the finding points at. */
  expression: string;
}

/** The care-team member the line points at (else the first), resolved to the person. */
export function lineRendering(ctx: RuleContext, line: LineAt): LineRendering {
  const team = ctx.claim.careTeam ?? [];
  const seq = line.item.careTeamSequence?.[0];
  const k = seq !== undefined ? team.findIndex((c) => c.sequence === seq) : team.length > 0 ? 0 : -1;
  if (k < 0) return { expression: seq !== undefined ? `Claim.item[${line.index}].careTeamSequence` : 'Claim.careTeam' };
  const ref = team[k].provider;
  return { ref, practitioner: practitionerOf(ctx.data, ref), expression: `Claim.careTeam[${k}].provider` };
}

/** An error rule cannot pass a line whose rendering PRS is not identifiable. */
export function unidentifiedPrs(r: LineRendering, line: LineAt): Finding {
  const what = r.ref ? `${r.ref.reference ?? r.ref.display ?? 'the care-team reference'} does not resolve to a Practitioner` : 'no care-team member is named';
  return { diagnostics: `The rendering PRS of line ${line.index + 1} cannot be identified: ${what}.`, expression: r.expression, item: line.index };
}

export function personName(p: Practitioner | undefined, fallback?: Reference): string {
  const n = p?.name?.[0];
  const text = n?.text ?? [...(n?.given ?? []), n?.family].filter(Boolean).join(' ');
  return text || (p?.id ? `Practitioner/${p.id}` : fallback?.reference ?? 'unknown practitioner');
}

// ---- supervision and experience -----------------------------------------------------------------

export interface Supervisor {
  /** The role at the provider that names the supervisor (absent: the PRS has no such role). */
  ref?: Reference;
  practitioner?: Practitioner;
}

/** The direct supervisor named on the PRS's role at the provider that covers the day. */
export function directSupervisor(bag: ResourceBag, prs: Practitioner, day: string, organization: Reference | undefined): Supervisor {
  for (const role of rolesOn(bag, prs, day, organization)) {
    const ref = extRef(role, EXT.directSupervisor);
    if (ref) return { ref, practitioner: practitionerOf(bag, ref) };
  }
  return {};
}

/** The date the person began delivering peer services (`peer-experience-start`). */
export const experienceStart = (p: Practitioner): string | undefined => extDate(p, EXT.peerExperienceStart)?.slice(0, 10);

/** Whole months from one calendar date to another. */
export const monthsBetween = (from: string, to: string) => differenceInMonths(toDate(to), toDate(from));

/** The same calendar date n years earlier (29 February falls back to the 28th). */
export const yearsBefore = (day: string, n: number) => format(subYears(toDate(day), n), 'yyyy-MM-dd');

/** First day of a rolling 12-month window that ends on `day`: the day after the same date a year back. */
export const rollingYearStart = (day: string) => addDays(yearsBefore(day, 1), 1);

/** Numbers as the diagnostics print them: 1,460. */
export const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

/**
 * Judge each line's rendering PRS: `judge` returns the findings for a line whose PRS is identified;
 * a line whose PRS cannot be identified is a finding of its own (an error rule cannot pass it).
 * `applies` skips lines the rule does not concern.
 */
export function renderedLineFindings(
  ctx: RuleContext,
  judge: (line: LineAt, prs: Practitioner, r: LineRendering) => Finding[],
  applies: (line: LineAt) => boolean = () => true,
): Finding[] {
  return datedLines(ctx).flatMap((line) => {
    if (!applies(line)) return [];
    const r = lineRendering(ctx, line);
    return r.practitioner ? judge(line, r.practitioner, r) : [unidentifiedPrs(r, line)];
  });
}

/**
 * One finding per line whose rendering PRS does not hold the credential on the date of service
 * (or cannot be identified at all).
 */
export function missingCredentialFindings(ctx: RuleContext, code: string, what: string): Finding[] {
  return renderedLineFindings(ctx, (line, prs, r) =>
    holdsCredential(prs, code, line.day)
      ? []
      : [{
        diagnostics: `${personName(prs)} holds no ${what} (${code}) valid on ${line.day}, the date of service of line ${line.index + 1}.`,
        expression: r.expression,
        item: line.index,
      }]);
}

// ---- caseload -----------------------------------------------------------------------------------

/**
 * The members on a PRS's caseload on a date (domain model, "A PRS's caseload on a date"): an active
 * RRWP covering the date that the PRS authored or signed, or a session the PRS rendered on the date
 * or in the 30 days before it. Returns member reference keys.
 */
export function caseloadOn(bag: ResourceBag, prs: Practitioner, day: string): Set<string> {
  return bag.fact(`caseload|${prs.id}|${day}`, () => computeCaseload(bag, prs, day));
}

function computeCaseload(bag: ResourceBag, prs: Practitioner, day: string): Set<string> {
  const isPrs = (ref: Reference | undefined) => practitionerOf(bag, ref) === prs;
  const members = new Set<string>();
  const keys = personKeys(bag, prs);
  for (const plan of bag.referencing<CarePlan>(keys, 'CarePlan')) {
    if (!hasCode(plan.category, CS.careplanCategory, 'rrwp') || plan.status !== 'active') continue;
    if (plan.period && !periodCovers(plan.period, day)) continue;
    const key = refKey(plan.subject);
    if (key && (isPrs(plan.author) || signaturesOf(plan).some((s) => isPrs(s.party)))) members.add(key);
  }
  const from = addDays(day, -30);
  for (const e of bag.referencing<Encounter>(keys, 'Encounter')) {
    if (encounterKind(e) !== 'session' || e.status === 'cancelled' || e.status === 'entered-in-error') continue;
    const d = sessionDay(e);
    const key = refKey(e.subject);
    if (key && d && from <= d && d <= day && isPrs(primaryPerformer(e))) members.add(key);
  }
  return members;
}

/** Part-time when the PRS's role at the provider says so; full time otherwise. */
export function employmentTypeOn(bag: ResourceBag, prs: Practitioner, day: string, organization: Reference | undefined): 'full-time' | 'part-time' {
  return bag.fact(`employmentType|${prs.id}|${day}|${refKey(organization)}`, () => computeEmploymentType(bag, prs, day, organization));
}

function computeEmploymentType(bag: ResourceBag, prs: Practitioner, day: string, organization: Reference | undefined): 'full-time' | 'part-time' {
  const types = rolesOn(bag, prs, day, organization).map((r) => extCode(r, EXT.employmentType));
  return types.includes('part-time') && !types.includes('full-time') ? 'part-time' : 'full-time';
}

// ---- per-line checks shared by the Indiana and Connecticut packs --------------------------------

/** Units above the linked session's billable units (active minutes / 15, interruptions removed). */
export function unitTimeFindings(ctx: RuleContext): Finding[] {
  return datedLines(ctx).flatMap((line) => {
    const session = lineSession(ctx, line)?.encounter;
    if (!session) return []; // a line without a resolvable session is claim-references' finding
    const units = lineUnits(line.item);
    const allowed = billableUnits(session);
    if (units <= allowed) return [];
    return [{
      diagnostics: `Line ${line.index + 1} bills ${fmt(units)} units, but its session has ${fmt(activeMinutes(session))} active minutes: ${fmt(allowed)} billable 15-minute unit(s).`,
      expression: `Claim.item[${line.index}].quantity`,
      item: line.index,
      allowedUnits: allowed,
    }];
  });
}

/** Two-way audio and video, from the session's contact mode or the line's telehealth coding (modifier 95/GT, place of service 02/10). */
export function isVideoContact(item: ClaimItem, encounter: Encounter | undefined): boolean {
  if (encounter && contactMode(encounter) === 'telehealth-video') return true;
  const pos = placeOfService(item);
  return lineModifiers(item).some((m) => m === '95' || m === 'GT') || pos === '02' || pos === '10';
}

/**
 * Lines whose session was not in person, for the packs where only in-person service is face to face
 * (Indiana, Connecticut): telephone, two-way video, or no contact mode recorded.
 */
export function notFaceToFaceFindings(ctx: RuleContext): Finding[] {
  return datedLines(ctx).flatMap((line) => {
    const session = lineSession(ctx, line);
    const phone = isTelephoneContact(line.item, session?.encounter);
    const video = !phone && isVideoContact(line.item, session?.encounter);
    if (!phone && !video && (!session || contactMode(session.encounter) === 'in-person')) return [];
    const mode = phone ? 'by telephone' : video ? 'by two-way video (telehealth)' : 'with no contact mode recorded';
    return [{
      diagnostics: `Line ${line.index + 1} (${line.day}) bills a session delivered ${mode}; only face-to-face service in person is billable (neither telephone nor video counts as face to face here).`,
      expression: session?.expression ?? `Claim.item[${line.index}].modifier`,
      item: line.index,
    }];
  });
}
