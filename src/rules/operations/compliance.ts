/**
 * A plan's standing as of a date (CarePlan/$compliance), read from the plan rules themselves.
 *
 * How the rules are asked (they judge claim lines, and a plan is not a claim):
 *  - Run A, "a service on the date": a synthetic claim with one line for each program of the plan on
 *    the as-of date, billing a synthetic *planned* session that names the plan (`rrwp`). A planned
 *    session is neither a contact, a service day nor a finished session, so it changes no fact the
 *    rules count; it only makes the plan the line's governing plan. Lines dated the first day of
 *    each later month come first, so va-contact-minimum (which reports each short month once, on the
 *    first line after it) files every short month under its own line. A last line with a planned
 *    telephone session asks va-telephone-share about the year to date.
 *  - Run B, "the billing so far": the member's stored billed lines from the plan's start through the
 *    date, re-posed in date order as the lines of one synthetic claim (the stored claims are left
 *    out of that context so nothing counts twice), with this plan the member's only plan. The weekly
 *    intensity rule (Connecticut: the plan-limits rule) then judges every billed line as it would
 *    have at the time.
 *  - Dates (next review due, whether a past review was held in time, whether it was documented in
 *    time) are found by asking the review rules about probe dates and plan variants, never by
 *    restating their 90 or 15 days.
 * Everything is judged as of the date: reviews and signatures dated after it do not exist yet, and
 * a plan that ended before it is judged as of its end (a plan that a new CarePlan `replaces` ends the
 * day before the new one applies). A review counts, is pending, or does not count as
 * va-rrwp-review-due reads it (facts-plan reviewStanding); Connecticut plans show the 30-day
 * transition window of the exclusion rules (ct/episodes transitionWindow).
 */
import { createHash } from 'node:crypto';
import type { CarePlan, Claim, Encounter, Extension, FhirResource, Reference } from 'fhir/r4';
import { CS, EXT } from '../../prss/terminology';
import { ResourceBag, refKey, type RuleContext, type RuleOptions } from '../context';
import { registeredRules, type Jurisdiction, type RuleDefinition, type RuleResult } from '../engine';
import {
  activeMinutes, addDays, assessmentsOf, codeIn, contactMode, dayOf, daysBetween, exts, isFaceToFace, planProgram, replacementOf, sessionDay, sessionsOf, signaturesOf,
} from '../facts';
import {
  addMonths, assessmentProgram, contactsByMonth, finishedSessions, monthOf, planReviews, planSignatures, planStart, reviewHolds, reviewStanding, serviceInitiation,
  sessionProgram, signatureDeadline, vaLines, type Program, type ReviewCount,
} from '../va/facts-plan';
import { transitionWindow } from '../ct/episodes';
import { billedLines, isServiceSession, lineProgram, monthEnd, monthsBetween, weekOf, yearOf } from '../va/facts-units';
import { TELEPHONE_SHARE } from '../va/va-telephone-share';
import { plannedIntensity } from '../va/va-weekly-plan-intensity';
import { PROBE_PREFIX, contextFor, filterBag, plannedSession, probeClaim, type ProbeLine } from './probe';
import { firstFiringDay } from './search-day';

export interface SignerStanding { role: string; person?: string; date?: string; present: boolean; onTime?: boolean }
export interface ReviewStanding {
  index: number;
  date: string;
  /** The date it was due by (from the plan's completion or the previous review). */
  due?: string;
  heldOnTime?: boolean;
  documented?: string;
  daysToDocument?: number;
  documentedOnTime?: boolean;
  /**
   * How the review stands as of the date under va-rrwp-review-due's reading: `counts` (documented
   * within 15 calendar days of being held), `pending` (its 15 days still run, not yet documented),
   * `late` (documented after them) or `undocumented` (they ran out): only a review that counts or is
   * pending keeps the 90-day cycle going.
   */
  standing: ReviewCount;
  /** True for a review that counts (documented in time); false for a pending, late or undocumented one. */
  counts: boolean;
  /** The last day the review may be documented and still count. */
  documentBy: string;
  signedBy: string[];
  signaturesComplete: boolean;
}
/** Connecticut: the 30-day transition from the member's first waiver peer support session (ct-act-csp-exclusion, ct-residential-concurrency). */
export interface TransitionStanding { firstSession: string; end: string; inWindow: boolean }
export interface MonthStanding { month: string; contacts: number; faceToFace: number; judged: boolean; minimumMet?: boolean }
export interface WeekStanding {
  start: string; units: number; hours: number; days: number; plannedHours?: number; plannedDays?: number; withinPlan: boolean;
}
export interface TelephoneStanding { year: string; through: string; telephoneMinutes: number; totalMinutes: number; share?: number; limit: number; withinLimit: boolean }
export interface DischargeStanding { lastFaceToFace?: string; monthsWithoutFaceToFace?: number; triggered: boolean; dischargeOn?: string }

export interface PlanFinding extends RuleResult {
  /** FHIRPath into the CarePlan (the rules' own point into the synthetic claim means nothing to a caller). */
  expression: string;
}

export interface Compliance {
  plan: CarePlan;
  member: string;
  /** The date asked about, and the date judged (the plan's end, when it ended before). */
  date: string;
  asOf: string;
  programs: Program[];
  initiation?: string;
  signatures: { deadline?: string; deadlineFrom?: string; completed?: string; onTime?: boolean; signers: SignerStanding[] };
  reviews: { nextDue?: string; overdue: boolean; held: ReviewStanding[] };
  months: MonthStanding[];
  weeks: WeekStanding[];
  telephone: TelephoneStanding;
  discharge: DischargeStanding;
  /** The new CarePlan that `replaces` this one and the day it applies from (this plan is judged as of the day before). */
  replacedBy?: { plan: string; from: string };
  /** Connecticut only: the transition window, once the member has a waiver session on or before the date judged. */
  transition?: TransitionStanding;
  findings: PlanFinding[];
}

const rule = (id: string): RuleDefinition => {
  const r = registeredRules().find((x) => x.id === id);
  if (!r) throw new Error(`Rule ${id} is not registered`);
  return r;
};

/** Run A's rules: those that judge the plan for a service on the date. */
const PLAN_RULES = ['va-rrwp-required', 'va-rrwp-signatures', 'va-rrwp-intensity', 'va-rrwp-goals', 'va-rrwp-review-due', 'va-rrwp-review-documented', 'va-discharge-no-contact'];

const extPath = (url: string) => `CarePlan.extension.where(url='${url}')`;
/** Where each rule's finding points in the CarePlan. */
const PLAN_EXPRESSION: Record<string, string> = {
  'va-rrwp-required': 'CarePlan.period',
  'va-rrwp-signatures': extPath(EXT.signature),
  'va-rrwp-intensity': 'CarePlan.activity.detail',
  'va-rrwp-goals': 'CarePlan.goal',
  'va-rrwp-review-due': extPath(EXT.review),
  'va-rrwp-review-documented': extPath(EXT.review),
  'va-contact-minimum': 'CarePlan.subject',
  'va-discharge-no-contact': 'CarePlan.status',
  'va-telephone-share': 'CarePlan.subject',
  'va-weekly-plan-intensity': `CarePlan.activity.detail.extension.where(url='${EXT.plannedIntensity}')`,
  'ct-plan-limits': `CarePlan.activity.detail.extension.where(url='${EXT.plannedIntensity}')`,
};

/** A short name for what a kept answer depends on besides the bag (the plan as read, the pack, the options). */
function digest(jurisdiction: Jurisdiction, options: RuleOptions, plan: CarePlan): string {
  return createHash('sha1').update(JSON.stringify([jurisdiction, options, plan])).digest('base64url');
}

const VA_CODE: Record<Program, string> = { arts: 'T1012', mh: 'H0024' };

/** Programs the plan covers: its own, else those of the member's sessions and assessments (ARTS when none is known). */
function programsOf(ctx: RuleContext, plan: CarePlan): Program[] {
  const own = planProgram(plan);
  if (own) return [own];
  const found = new Set<Program>();
  for (const e of sessionsOf(ctx)) { const p = sessionProgram(ctx, e); if (p) found.add(p); }
  for (const sr of assessmentsOf(ctx)) { const p = assessmentProgram(sr); if (p) found.add(p); }
  return found.size ? [...found].sort() : ['arts'];
}

/** The plan as it stood on the day: signatures and reviews dated after it are not yet on file. */
function planAsOf(plan: CarePlan, day: string): CarePlan {
  const dated = (e: Extension, part: string) => dayOf(e.extension?.find((x) => x.url === part)?.valueDate ?? e.extension?.find((x) => x.url === part)?.valueDateTime);
  const extension = (plan.extension ?? []).filter((e) => {
    if (e.url === EXT.signature) { const d = dated(e, 'date'); return !d || d <= day; }
    if (e.url === EXT.review) { const d = dated(e, 'date'); return !d || d <= day; }
    return true;
  }).map((e) => {
    if (e.url !== EXT.review) return e;
    // A review documented after the day was not yet documented on it.
    const documented = dated(e, 'documented');
    return documented && documented > day ? { ...e, extension: e.extension?.filter((x) => x.url !== 'documented') } : e;
  });
  // Frozen (the variant, not what it shares with the plan it is made from, which is the caller's):
  // the plan rules then read its signatures and reviews once for every question of this call.
  return Object.freeze({ ...plan, extension });
}

/**
 * A probe over the member's context in which the plan is replaced by a variant: an overlay, so the
 * gathered (possibly shared) context is neither copied nor changed.
 */
class PlanProbe {
  readonly bag: ResourceBag;
  constructor(base: ResourceBag, readonly plan: CarePlan, private readonly jurisdiction: Jurisdiction, private readonly options: RuleOptions,
    private readonly member: Reference, private readonly service: string) {
    this.bag = base.overlay([plan]);
  }

  /** Ask rules about lines (program, day, contact mode); returns the results and the claim asked about. */
  ask(lines: { program: Program; day: string; mode?: 'telephone' }[], rules: RuleDefinition[]): RuleResult[] {
    const sessions: Encounter[] = [];
    const probe: ProbeLine[] = lines.map((l, i) => {
      const session = plannedSession(`line-${i}`, this.member, this.plan, l.program, this.service, l.day);
      if (l.mode) session.extension!.push({ url: EXT.contactMode, valueCode: l.mode });
      sessions.push(session);
      return { code: VA_CODE[l.program], day: l.day, units: 0, encounter: { reference: `Encounter/${session.id}` } };
    });
    const claim = probeClaim({ patient: this.member, lines: probe });
    // The planned sessions of this question only: the probe's own bag stays as it was.
    const bag = this.bag.overlay(sessions);
    return rules.flatMap((r) => r.check(contextFor(this.jurisdiction, claim, bag, this.options)).map((finding) => ({ rule: r, finding })));
  }

  /** Does the rule fire for a service on the day? */
  fires(ruleId: string, program: Program, day: string): boolean {
    return this.ask([{ program, day }], [rule(ruleId)]).length > 0;
  }
}

/**
 * The date a plan is judged as of: the date asked about, or the plan's end when it ended before —
 * its `period.end`, or the day before a new CarePlan that `replaces` it applies (the old one ends there).
 */
function judgedAsOf(base: ResourceBag, plan: CarePlan, date: string): { asOf: string; replacement?: { by: CarePlan; from: string } } {
  const replacement = replacementOf(base, plan);
  const ends = [dayOf(plan.period?.end), replacement ? addDays(replacement.from, -1) : undefined].filter((d): d is string => !!d).sort();
  const end = ends[0];
  return { asOf: end && end < date ? end : date, replacement };
}

export function computeCompliance(base: ResourceBag, storedPlan: CarePlan, jurisdiction: Jurisdiction, date: string, options: RuleOptions): Compliance {
  const member: Reference = { reference: refKey(storedPlan.subject) ?? '' };
  const { asOf, replacement } = judgedAsOf(base, storedPlan, date);
  const plan = planAsOf(storedPlan, asOf);
  const service = codeIn(plan.activity?.find((a) => codeIn(a.detail?.code, CS.service))?.detail?.code, CS.service) ?? 'pss';
  const probe = new PlanProbe(base, plan, jurisdiction, options, member, service);
  const ctxA = contextFor(jurisdiction, probeClaim({ patient: member, lines: [] }), probe.bag, options);
  const programs = programsOf(ctxA, plan);
  const program = programs[0];
  const start = planStart(plan) ?? asOf;
  const va = jurisdiction === 'US-VA';

  // ---- run A: a service on the date, month by month, and a telephone contact on the date ----------
  const months: string[] = [];
  for (let m = monthOf(start); m <= monthOf(asOf); m = addMonths(m, 1)) months.push(m);
  const monthLines = months.filter((m) => m < monthOf(asOf)).map((m) => ({ program, day: `${addMonths(m, 1)}-01` }));
  const mainLines = programs.map((p) => ({ program: p, day: asOf }));
  const phoneLine = { program, day: asOf, mode: 'telephone' as const };
  // Each rule is asked only about the lines it is read from (the plan rules are costly per line).
  const contactFindings = va ? probe.ask([...monthLines, ...mainLines], [rule('va-contact-minimum')]) : [];
  const planFindings = va ? probe.ask(mainLines, PLAN_RULES.map(rule)) : [];
  const phoneFindings = va ? probe.ask([phoneLine], [rule('va-telephone-share')]) : [];
  // ---- signatures ---------------------------------------------------------------------------------
  const initiation = serviceInitiation(ctxA, program, asOf);
  const mainSession = plannedSession('line-0', member, plan, program, service, asOf);
  const mainCtx = contextFor(jurisdiction, probeClaim({ patient: member, lines: [{ code: VA_CODE[program], day: asOf, units: 0, encounter: { reference: `Encounter/${mainSession.id}` } }] }), probe.bag.overlay([mainSession]), options);
  const line = vaLines(mainCtx)[0];
  const deadline = initiation ? signatureDeadline(ctxA, plan, program, initiation) : undefined;
  const signed = planSignatures(ctxA, plan, program, line);
  const onPlan = signaturesOf(plan).filter((s) => s.date);
  const signers: SignerStanding[] = signed.map(({ signer, date: d }) => ({
    role: signer.role,
    // The party of the signature that counts, else the person whose signature is required.
    person: (onPlan.find((s) => s.date === d && signer.accepts(s))?.party ?? signer.person)?.reference,
    date: d, present: !!d, onTime: d && deadline ? d <= deadline.deadline : undefined,
  }));
  const completed = signed.every((s) => s.date) ? signed.map((s) => s.date!).sort().pop() : undefined;

  // ---- reviews: each due date is where va-rrwp-review-due starts to fire with the reviews before it ----
  const reviews = planReviews(plan).filter((r) => r.date).sort((a, b) => a.date!.localeCompare(b.date!));
  const rawReviews = exts(plan, EXT.review);
  const withReviews = (keep: Extension[]) => Object.freeze({ ...plan, extension: [...(plan.extension ?? []).filter((e) => e.url !== EXT.review), ...keep] });
  const dueAfter = (earlier: Extension[], from: string, horizon: string): string | undefined => {
    const variant = withReviews(earlier);
    // The search asks the rule a dozen times; its answer depends only on the member's gathered
    // context (the bag) and on what the key names, so it is kept with the bag: a held review's due
    // date is the same whatever date the plan is asked about, as long as the plan reads the same.
    const key = `compliance-review-due|${program}|${service}|${from}|${horizon}|${digest(jurisdiction, options, variant)}`;
    return base.fact(key, () => {
      const p = new PlanProbe(base, variant, jurisdiction, options, member, service);
      const firing = firstFiringDay(from, horizon, (d) => p.fires('va-rrwp-review-due', program, d));
      return firing ? addDays(firing, -1) : undefined;
    });
  };
  const horizon = addDays(asOf, 366 * 2);
  // The reviews that keep the 90-day cycle going as of the date (va-rrwp-review-due's reading): those
  // that count and those still pending, a pending one posed as documented on its day (so the search
  // does not see it lapse later); a late or undocumented review starts no new cycle.
  const cycle = (list: typeof reviews) => {
    const kept = list.filter((x) => reviewHolds(reviewStanding(x, asOf).standing));
    const raw = kept.map((x) => {
      const e = rawReviews[x.index];
      if (reviewStanding(x, asOf).standing !== 'pending') return e;
      return { ...e, extension: [...(e.extension ?? []).filter((p) => p.url !== 'documented'), { url: 'documented', valueDate: x.date! }] };
    });
    return { raw, from: kept.at(-1)?.date ?? start };
  };
  const held: ReviewStanding[] = reviews.map((r, k) => {
    const earlier = cycle(reviews.slice(0, k));
    const due = va ? dueAfter(earlier.raw, earlier.from, addDays(r.date!, 366 * 2)) : undefined;
    const own = rawReviews[r.index];
    // Documentation in time: the review alone, with every signature it could need, asked on the day it was due.
    const documentedOnTime = va && r.documented ? !reviewDocumentedFinds(base, plan, own, r.documented, true, jurisdiction, options, member, service, program) : undefined;
    const signaturesComplete = va ? !reviewDocumentedFinds(base, plan, own, r.date!, false, jurisdiction, options, member, service, program) : false;
    // As of the date (the plan as of it knows no documentation written later): does it count yet?
    const { standing, documentBy } = reviewStanding(r, asOf);
    return {
      index: r.index, date: r.date!, due, heldOnTime: due ? r.date! <= due : undefined,
      documented: r.documented, daysToDocument: r.documented ? daysBetween(r.date!, r.documented) : undefined, documentedOnTime,
      standing, counts: standing === 'counts', documentBy,
      signedBy: [...new Set(r.signatures.filter((s) => s.date).map((s) => s.role ?? ''))].filter(Boolean),
      signaturesComplete,
    };
  });
  const all = cycle(reviews);
  const nextDue = va ? dueAfter(all.raw, all.from, horizon) : undefined;

  // ---- months: contacts as va-contact-minimum counts them; the verdict is the rule's ----------------
  const contacts = finishedSessions(ctxA).filter((c) => c.day <= asOf);
  const perMonth = contactsByMonth(contacts);
  const monthStanding: MonthStanding[] = months.map((m) => {
    const lineIndex = monthLines.findIndex((l) => l.day === `${addMonths(m, 1)}-01`);
    const judged = va && !!initiation && m > monthOf(initiation) && m < monthOf(asOf);
    return {
      month: m, contacts: perMonth.get(m)?.contacts ?? 0, faceToFace: perMonth.get(m)?.faceToFace ?? 0, judged,
      ...(judged ? { minimumMet: !contactFindings.some((f) => f.finding.item === lineIndex) } : {}),
    };
  });

  // ---- run B: the billing so far, line by line ---------------------------------------------------------
  const stored = billedLines(contextFor(jurisdiction, probeClaim({ patient: member, lines: [] }), base, options))
    .filter((l) => !l.current && start <= l.day && l.day <= asOf)
    .sort((a, b) => a.day.localeCompare(b.day) || a.index - b.index);
  const weeklyRule = rule(jurisdiction === 'US-CT' ? 'ct-plan-limits' : 'va-weekly-plan-intensity');
  // The member's context without their stored claims and other plans: kept with the gathered context
  // (it depends only on the member and the plan's id), with the plan as of the date on top.
  let overPlan: ResourceBag | undefined;
  const bagB = () => (overPlan ??= base.fact(`compliance-run-b|${member.reference}|${plan.id}`, () => filterBag(base, (r: FhirResource) =>
    !(r.resourceType === 'Claim' && refKey((r as Claim).patient) === member.reference) && !(r.resourceType === 'CarePlan' && r.id !== plan.id)).seal())
    .overlay([plan]));
  // Weeks are judged independently (the rule counts only the lines of the line's own week), so each
  // week's lines are posed on their own: the rule's cost grows with the square of the lines posed.
  const byWeek = new Map<string, number[]>();
  stored.forEach((l, i) => {
    const w = weekOf(l.day, options.weekStartsOn);
    const inWeek = byWeek.get(w);
    if (inWeek) inWeek.push(i);
    else byWeek.set(w, [i]);
  });
  // A week's verdict depends on the plan and that week's lines only, so it is kept with the gathered
  // context: asked again (another date, the same plan), a finished week is not judged again. Over one
  // bag and plan a week's lines are those of the bag's lines in the week dated up to the date asked
  // about, in date order, so their count names them.
  const planDigest = digest(jurisdiction, options, plan);
  const resultsB: RuleResult[] = jurisdiction === 'US-IN' ? [] : [...byWeek].flatMap(([week, indexes]) => {
    const found = base.fact(`compliance-week|${weeklyRule.id}|${planDigest}|${week}|${indexes.length}`, () => {
      const lines = indexes.map((i) => stored[i]).map((l) => ({ code: l.code ?? '', day: l.day, units: l.units, encounter: l.item.encounter?.[0] }));
      return weeklyRule.check(contextFor(jurisdiction, probeClaim({ patient: member, lines }), bagB(), options));
    });
    return found.map((finding) => ({ rule: weeklyRule, finding: { ...finding, item: finding.item === undefined ? undefined : indexes[finding.item] } }));
  });
  const intensity = plannedIntensity(plan, undefined);
  const covers = (l: { code?: string; encounter?: Encounter }) => {
    const p = lineProgram(l.code, l.encounter);
    return !!p && (!planProgram(plan) || planProgram(plan) === p);
  };
  const weeks: WeekStanding[] = [];
  for (let w = weekOf(start, options.weekStartsOn); w <= asOf; w = addDays(w, 7)) {
    const inWeek = (byWeek.get(w) ?? []).map((i) => ({ l: stored[i], i })).filter(({ l }) => jurisdiction !== 'US-VA' || covers(l));
    const units = inWeek.reduce((s, { l }) => s + l.units, 0);
    weeks.push({
      start: w, units, hours: units / 4, days: new Set(inWeek.map(({ l }) => l.day)).size,
      plannedHours: intensity?.hoursPerWeek, plannedDays: intensity?.daysPerWeek,
      withinPlan: !resultsB.some((r) => inWeek.some(({ i }) => i === r.finding.item)),
    });
  }
  const billed = (r: RuleResult) => {
    const l = stored[r.finding.item ?? -1];
    return l ? `${l.claim.id ? `Claim/${l.claim.id}` : 'A stored claim'} line ${l.index + 1} (${l.day}): ` : '';
  };

  // ---- telephone share of the year, through the date ---------------------------------------------------
  const year = yearOf(asOf);
  const ytd = sessionsOf(ctxA).filter(isServiceSession).filter((s) => { const d = sessionDay(s); return !!d && yearOf(d) === year && d <= asOf; });
  const totalMinutes = ytd.reduce((n, s) => n + activeMinutes(s), 0);
  const telephoneMinutes = ytd.filter((s) => contactMode(s) === 'telephone').reduce((n, s) => n + activeMinutes(s), 0);

  // ---- discharge: the rule's verdict, with the facts it reads ---------------------------------------
  const lastF2f = sessionsOf(ctxA).filter(isServiceSession).filter(isFaceToFace).map((s) => sessionDay(s)!).filter((d) => d <= asOf).sort().at(-1);
  const triggered = planFindings.some((r) => r.rule.id === 'va-discharge-no-contact');

  const findings: PlanFinding[] = [
    ...planFindings,
    ...contactFindings,
    ...phoneFindings,
    ...resultsB.map((r) => ({ ...r, finding: { ...r.finding, diagnostics: `${billed(r)}${r.finding.diagnostics}` } })),
  ].map((r) => ({ ...r, expression: PLAN_EXPRESSION[r.rule.id] ?? 'CarePlan' }))
    .filter((f, i, all) => all.findIndex((g) => g.rule === f.rule && g.finding.diagnostics === f.finding.diagnostics) === i);

  // ---- Connecticut: the 30-day transition from the first waiver session, once there is one ------------
  const window = jurisdiction === 'US-CT' ? transitionWindow(ctxA) : undefined;
  const transition = window && window.first <= asOf ? { firstSession: window.first, end: window.end, inWindow: asOf <= window.end } : undefined;

  return {
    plan: storedPlan, member: member.reference!, date, asOf, programs, initiation,
    ...(replacement ? { replacedBy: { plan: `CarePlan/${replacement.by.id}`, from: replacement.from } } : {}),
    ...(transition ? { transition } : {}),
    signatures: { deadline: deadline?.deadline, deadlineFrom: deadline?.what, completed, onTime: deadline ? signers.every((s) => s.onTime) : undefined, signers },
    reviews: { nextDue, overdue: planFindings.some((r) => r.rule.id === 'va-rrwp-review-due'), held },
    months: monthStanding,
    weeks,
    telephone: {
      year, through: asOf, telephoneMinutes, totalMinutes, share: totalMinutes > 0 ? telephoneMinutes / totalMinutes : undefined,
      limit: TELEPHONE_SHARE, withinLimit: phoneFindings.length === 0,
    },
    discharge: {
      lastFaceToFace: lastF2f, monthsWithoutFaceToFace: lastF2f ? monthsBetween(lastF2f, asOf) : undefined, triggered,
      ...(triggered && lastF2f ? { dischargeOn: monthEnd(lastF2f, 2) } : {}),
    },
    findings,
  };
}

/** Plan-scope rules (rules.md scope "plan"): what CarePlan/$validate reports about an RRWP. */
export const PLAN_SCOPE_RULES = ['va-rrwp-signatures', 'va-rrwp-intensity', 'va-rrwp-goals', 'va-rrwp-review-documented'];

/**
 * The findings of the given plan rules for a service under the plan on the date (run A's main
 * lines only), with expressions into the CarePlan. Virginia only: the other packs have no plan rules
 * of that kind.
 */
export function planRuleFindings(base: ResourceBag, plan: CarePlan, jurisdiction: Jurisdiction, date: string, options: RuleOptions, ids: string[]): PlanFinding[] {
  if (jurisdiction !== 'US-VA') return [];
  const member: Reference = { reference: refKey(plan.subject) ?? '' };
  const { asOf } = judgedAsOf(base, plan, date);
  const variant = planAsOf(plan, asOf);
  const service = codeIn(variant.activity?.find((a) => codeIn(a.detail?.code, CS.service))?.detail?.code, CS.service) ?? 'pss';
  const probe = new PlanProbe(base, variant, jurisdiction, options, member, service);
  const programs = programsOf(contextFor(jurisdiction, probeClaim({ patient: member, lines: [] }), probe.bag, options), variant);
  return probe.ask(programs.map((program) => ({ program, day: asOf })), ids.map(rule))
    .map((r) => ({ ...r, expression: PLAN_EXPRESSION[r.rule.id] ?? 'CarePlan' }))
    .filter((f, i, all) => all.findIndex((g) => g.rule === f.rule && g.finding.diagnostics === f.finding.diagnostics) === i);
}

/**
 * Does va-rrwp-review-documented fire for the review alone? `inTime` asks about the documentation
 * date only (every signature the review could need is supplied); otherwise the review is taken as
 * documented on the day it was held and only its signatures are judged. Asked on the day after the
 * review's documentation (or, for signatures, the review's own day), when the rule judges it.
 */
function reviewDocumentedFinds(base: ResourceBag, plan: CarePlan, review: Extension, documented: string, inTime: boolean,
  jurisdiction: Jurisdiction, options: RuleOptions, member: Reference, service: string, program: Program): boolean {
  const date = review.extension?.find((x) => x.url === 'date');
  const heldOn = dayOf(date?.valueDate ?? date?.valueDateTime)!;
  const sign = (role: string, party: Reference): Extension => ({
    url: 'signature', extension: [{ url: 'role', valueCode: role }, { url: 'party', valueReference: party }, { url: 'date', valueDate: heldOn }],
  });
  const prs = { reference: `Practitioner/${PROBE_PREFIX}` };
  const parts = inTime
    ? [date!, { url: 'documented', valueDate: documented }, sign('prs', prs), sign('member', member), sign('caregiver', { reference: `RelatedPerson/${PROBE_PREFIX}` })]
    : [...(review.extension ?? []).filter((x) => x.url !== 'documented'), { url: 'documented', valueDate: heldOn }];
  const variant = Object.freeze({ ...plan, extension: [...(plan.extension ?? []).filter((e) => e.url !== EXT.review), { url: EXT.review, extension: parts }] });
  const p = new PlanProbe(base, variant, jurisdiction, options, member, service);
  p.bag.add({ resourceType: 'Practitioner', id: PROBE_PREFIX });
  return p.fires('va-rrwp-review-documented', program, inTime ? documented : heldOn);
}
