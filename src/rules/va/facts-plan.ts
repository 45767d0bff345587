/**
 * Virginia facts shared by the eligibility, assessment, plan and documentation rules: the claim's
 * lines with their session, program and service; the assessment governing a line; service
 * initiation (domain-model.md, "Derived facts"); the plan in force and its required signers and
 * completion date; diagnoses by ICD-10-CM range; and business days (weekends, US federal holidays
 * as observed, plus `ctx.options.extraHolidays`).
 *
 * Expression convention of these rules: a finding always points at the claim line it denies or
 * flags, at the element whose value the rule judged —
 *   `Claim.item[i].servicedDate`     the line is out of bounds because of its date (age, windows,
 *                                    plan required, review overdue, monthly contacts);
 *   `Claim.item[i].encounter[0]`     the session or its documentation is at fault (caregiver,
 *                                    congregate setting, progress note, timeliness);
 *   `Claim.item[i].productOrService` the billed service lacks its clinical basis (diagnosis,
 *                                    assessment, assessor, functional criteria);
 *   `Claim.item[i]`                  a plan-scope rule: the plan governing the line is at fault,
 *                                    and the diagnostics name the plan (`CarePlan/<id>`).
 */
import type { CarePlan, ClaimItem, Condition, Encounter, Reference, ServiceRequest } from 'fhir/r4';
import { CS, EXT, SYSTEM } from '../../prss/terminology';
import { derive, refKey, type ResourceBag, type RuleContext } from '../context';
import {
  addDays, assessmentsOf, codeIn, codings, dayOf, encounterKind, extRef, exts, holdsCredential, isFaceToFace, lineCode, lineDay, memo, monthOf,
  lineEncounter, notReplacedOn, planProgram, plansOf, practitionerOf, programExtension, programOfCode, samePerson, serviceOf, sessionDay,
  readOnce, reviewsOf, signaturesOf, type Review, type Signature,
} from '../facts';

export type Program = 'arts' | 'mh';
export type Service = 'pss' | 'fsp';

// ---- claim lines --------------------------------------------------------------------------------

/** A line of the claim being checked that bills a Virginia PRSS code. */
export interface VaLine {
  index: number;
  item: ClaimItem;
  day: string;
  code: string;
  program: Program;
  /** The billed session, when the line's `encounter` resolves. */
  session?: Encounter;
  /** PSS or FSP, from the session's `serviceType`. */
  service?: Service;
}

/** Lines of ctx.claim with a date of service and a Virginia program code; others are left to va-procedure-code. */
export function vaLines(ctx: RuleContext): VaLine[] {
  return memo(ctx, 'vaLines', () => computeVaLines(ctx));
}

function computeVaLines(ctx: RuleContext): VaLine[] {
  const out: VaLine[] = [];
  (ctx.claim.item ?? []).forEach((item, index) => {
    const day = lineDay(item);
    const code = lineCode(item);
    const program = programOfCode(code, 'US-VA');
    if (!day || !code || !program) return;
    const session = lineEncounter(ctx.data, item);
    out.push({ index, item, day, code, program, session, service: session ? serviceOf(session) : undefined });
  });
  return out;
}

export const at = {
  date: (l: VaLine) => `Claim.item[${l.index}].${l.item.servicedDate ? 'servicedDate' : 'servicedPeriod'}`,
  session: (l: VaLine) => `Claim.item[${l.index}].encounter[0]`,
  service: (l: VaLine) => `Claim.item[${l.index}].productOrService`,
  line: (l: VaLine) => `Claim.item[${l.index}]`,
};

export const idOf = (r: { resourceType: string; id?: string }) => `${r.resourceType}/${r.id ?? '(no id)'}`;
export const SERVICE_NAME: Record<Service, string> = { pss: 'Peer Support Services', fsp: 'Family Support Partners' };
export const PROGRAM_NAME: Record<Program, string> = { arts: 'ARTS', mh: 'mental health' };

// ---- sessions -----------------------------------------------------------------------------------

/** Program of a session: its `program` extension, else the category of the assessment it is based on. */
export function sessionProgram(ctx: RuleContext, e: Encounter): Program | undefined {
  const own = programExtension(e);
  if (own) return own;
  for (const b of e.basedOn ?? []) {
    const sr = ctx.data.resolve<ServiceRequest>(b, 'ServiceRequest');
    const p = sr && assessmentProgram(sr);
    if (p) return p;
  }
  return undefined;
}

/** The member's finished service sessions (kind `session`), oldest first; all programs when none is given. */
export function finishedSessions(ctx: RuleContext, program?: Program): { day: string; session: Encounter }[] {
  const member = refKey(ctx.claim.patient);
  const finished = ctx.data.filtered<Encounter>('Encounter', `finishedSessions|${member}`,
    (e) => refKey(e.subject) === member && e.status === 'finished' && encounterKind(e) === 'session');
  // sessionProgram falls back to the assessment a session is based on: the bag's ServiceRequests are an input too.
  return derive([finished, ctx.data.all('ServiceRequest')], `byProgram|${program}`, () => finished
    .filter((e) => !program || sessionProgram(ctx, e) === program)
    .map((session) => ({ day: sessionDay(session) ?? '', session }))
    .filter((s) => s.day)
    .sort((a, b) => a.day.localeCompare(b.day)));
}

/** Contacts (finished sessions) and face-to-face contacts per calendar month (YYYY-MM). */
export function contactsByMonth(contacts: readonly { day: string; session: Encounter }[]): Map<string, { contacts: number; faceToFace: number }> {
  const months = new Map<string, { contacts: number; faceToFace: number }>();
  for (const c of contacts) {
    const m = monthOf(c.day);
    let n = months.get(m);
    if (!n) months.set(m, (n = { contacts: 0, faceToFace: 0 }));
    n.contacts++;
    if (isFaceToFace(c.session)) n.faceToFace++;
  }
  return months;
}

// ---- assessments ----------------------------------------------------------------------------------

/** Statuses under which an assessment still recommends the service. */
const ASSESSMENT_STATUSES = new Set(['active', 'completed']);

export const assessmentProgram = (sr: ServiceRequest) => codeIn(sr.category, CS.program) as Program | undefined;
export const assessmentService = (sr: ServiceRequest) => codeIn(sr.code, CS.service) as Service | undefined;
export const assessmentDay = (sr: ServiceRequest) => dayOf(sr.authoredOn);

/** An assessment recommending the program (and the service, when known) in force on the day. */
export function recommends(sr: ServiceRequest, program: Program, service: Service | undefined, day: string): boolean {
  const authored = assessmentDay(sr);
  return ASSESSMENT_STATUSES.has(sr.status) && assessmentProgram(sr) === program
    && (!service || assessmentService(sr) === service) && !!authored && authored <= day;
}

/**
 * The assessment a line relies on: the one its session is based on when that one recommends the
 * service on the date, else the member's latest assessment that does.
 */
export function assessmentFor(ctx: RuleContext, line: VaLine): ServiceRequest | undefined {
  const mine = assessmentsOf(ctx);
  const based = (line.session?.basedOn ?? [])
    .map((r) => ctx.data.resolve<ServiceRequest>(r, 'ServiceRequest'))
    .find((sr) => sr && mine.includes(sr) && recommends(sr, line.program, line.service, line.day));
  if (based) return based;
  return latest(mine.filter((sr) => recommends(sr, line.program, line.service, line.day)), assessmentDay);
}

/** The Virginia lines that rely on an assessment, with it and its day (a line without one is va-assessment-required's finding). */
export function assessedLines(ctx: RuleContext): { line: VaLine; sr: ServiceRequest; day: string }[] {
  return vaLines(ctx).flatMap((line) => {
    const sr = assessmentFor(ctx, line);
    return sr ? [{ line, sr, day: assessmentDay(sr)! }] : [];
  });
}

export const LMHP_FAMILY = ['lmhp', 'lmhp-r', 'lmhp-rp', 'lmhp-s'];
/** CATP covers items i–xiii of its definition, which include every LMHP-family license. */
export const CATP_FAMILY = ['catp', ...LMHP_FAMILY];
export const assessorCredentials = (program: Program) => (program === 'arts' ? CATP_FAMILY : LMHP_FAMILY);

/**
 * The qualified practitioner who made the recommendation: the assessor, or for an ARTS assessment
 * by a CSAC who holds no CATP credential, the CATP supervising them.
 */
export function recommendingPractitioner(ctx: RuleContext, sr: ServiceRequest): Reference | undefined {
  const day = assessmentDay(sr) ?? '';
  const assessor = practitionerOf(ctx.data, sr.requester);
  const program = assessmentProgram(sr) ?? 'arts';
  const qualified = assessorCredentials(program).some((c) => holdsCredential(assessor, c, day));
  const supervising = extRef(sr, EXT.supervisingPractitioner);
  if (!qualified && supervising && holdsCredential(assessor, 'csac', day)) return supervising;
  return sr.requester;
}

// ---- service initiation -----------------------------------------------------------------------------

/** Discharge dates of the member's plans for the program: `period.end` of a completed or revoked RRWP. */
export function dischargeDates(ctx: RuleContext, program: Program): string[] {
  return plansOf(ctx)
    .filter((p) => (p.status === 'completed' || p.status === 'revoked') && (!planProgram(p) || planProgram(p) === program))
    .map((p) => dayOf(p.period?.end))
    .filter((d): d is string => !!d)
    .sort();
}

/** Days with a service under the program: finished sessions, plus lines of this claim whose session is not on file. */
export function serviceDays(ctx: RuleContext, program: Program): readonly string[] {
  return memo(ctx, `serviceDays|${program}`, () => {
    // The sessions' days, in order (finishedSessions is sorted by day), once per bag.
    const sessions = finishedSessions(ctx, program);
    const days = derive([sessions], 'days', () => sessions.map((s) => s.day));
    const extra = vaLines(ctx).filter((l) => l.program === program && !l.session).map((l) => l.day);
    return extra.length ? [...days, ...extra].sort() : days;
  });
}

/**
 * Service initiation of the episode the day belongs to: the member's first finished session under
 * the program; after a discharge, the first one on or after the next assessment (authored after the
 * discharge date, as va-after-discharge reads it). A reassessment
 * while services continue does not reset it. Undefined when no service of the episode is on file.
 */
export function serviceInitiation(ctx: RuleContext, program: Program, day: string): string | undefined {
  const discharge = dischargeBefore(ctx, program, day);
  let floor: string | undefined;
  if (discharge) {
    const next = assessmentsOf(ctx)
      .filter((sr) => ASSESSMENT_STATUSES.has(sr.status) && assessmentProgram(sr) === program)
      .map(assessmentDay)
      .filter((d): d is string => !!d && d > discharge && d <= day)
      .sort()[0];
    if (!next) return undefined;
    floor = next;
  }
  return serviceDays(ctx, program).find((d) => d <= day && (!floor || d >= floor));
}

/** The last discharge from the program's services before the day (a new episode starts after it). */
export const dischargeBefore = (ctx: RuleContext, program: Program, day: string) =>
  dischargeDates(ctx, program).filter((d) => d < day).pop();

// ---- plans -------------------------------------------------------------------------------------

/** Plan statuses that can be in force (a completed or revoked plan is, up to its `period.end`). */
const PLAN_STATUSES = new Set(['active', 'on-hold', 'completed', 'revoked']);
export const planStart = (p: CarePlan) => dayOf(p.period?.start) ?? dayOf(p.created);

/**
 * The RRWP covers the program and the day: a live status and a period that includes the day. With
 * the bag, also not yet replaced: a new CarePlan that `replaces` it applies from its own start.
 */
export function planInForceOn(p: CarePlan, program: Program, day: string, bag?: ResourceBag): boolean {
  const start = planStart(p);
  const end = dayOf(p.period?.end);
  return PLAN_STATUSES.has(p.status) && (!planProgram(p) || planProgram(p) === program)
    && !!start && start <= day && (!end || day <= end) && (!bag || notReplacedOn(bag, p, day));
}

/** The member's RRWP in force on the day for the program (the latest started, if several). */
export function planInForce(ctx: RuleContext, program: Program, day: string): CarePlan | undefined {
  return latest(plansOf(ctx).filter((p) => planInForceOn(p, program, day, ctx.data)), planStart);
}

/** The plan named by the session's `rrwp` extension, if it resolves. */
export const sessionPlan = (ctx: RuleContext, e: Encounter | undefined) =>
  e ? ctx.data.resolve<CarePlan>(extRef(e, EXT.rrwp), 'CarePlan') : undefined;

/**
 * The plan governing a line: the session's `rrwp`, else the member's plan in force for the program on
 * the day. A session's plan that a new CarePlan `replaces` governs up to the day before the new
 * plan's start; from then on the plan in force does (the replacement).
 */
export const governingPlan = (ctx: RuleContext, line: VaLine): CarePlan | undefined => {
  const named = sessionPlan(ctx, line.session);
  if (named && notReplacedOn(ctx.data, named, line.day)) return named;
  return planInForce(ctx, line.program, line.day) ?? named;
};

/** The assessment a plan rests on: its `supportingInfo`, else the latest for its program dated by its start. */
export function planAssessment(ctx: RuleContext, plan: CarePlan, program: Program): ServiceRequest | undefined {
  const named = (plan.supportingInfo ?? []).map((r) => ctx.data.resolve<ServiceRequest>(r, 'ServiceRequest')).find(Boolean);
  if (named) return named;
  const by = planStart(plan) ?? dayOf(plan.created) ?? '9999-12-31';
  return latest(assessmentsOf(ctx).filter((sr) => recommends(sr, planProgram(plan) ?? program, undefined, by)), assessmentDay);
}

const hasCaregiver = (e: Encounter) => (e.participant ?? []).some((p) => refKey(p.individual)?.startsWith('RelatedPerson/'));

/** A caregiver takes part when the plan or a session under it is FSP, or a session under it has a caregiver participant. */
export function caregiverInvolved(ctx: RuleContext, plan: CarePlan, line?: VaLine): boolean {
  if ((plan.activity ?? []).some((a) => codeIn(a.detail?.code, CS.service) === 'fsp')) return true;
  if (line?.service === 'fsp' || (line?.session && hasCaregiver(line.session))) return true;
  // The member's FSP or caregiver sessions (few), kept per bag; then which of them name this plan.
  const member = refKey(ctx.claim.patient);
  return ctx.data.filtered<Encounter>('Encounter', `caregiverSessions|${member}`, (e) => refKey(e.subject) === member && (serviceOf(e) === 'fsp' || hasCaregiver(e)))
    .some((e) => sessionPlan(ctx, e) === plan);
}

export type SignerRole = 'qualified-practitioner' | 'prs' | 'direct-supervisor' | 'member' | 'caregiver';
export interface RequiredSigner {
  role: SignerRole;
  /** Whom the signature must name, when a particular person is required. */
  person?: Reference;
  accepts(s: Signature): boolean;
}

const signer = (role: SignerRole, accepts: (s: Signature) => boolean, person?: Reference): RequiredSigner =>
  ({ role, person, accepts: (s) => s.role === role && !!s.party && accepts(s) });

/**
 * Who must sign the plan: the qualified practitioner who made the recommendation (the person is
 * checked when the plan's assessment is on file), the PRS, the direct supervisor, the member, and
 * the caregiver for FSP or when one is involved.
 */
export function requiredSigners(ctx: RuleContext, plan: CarePlan, program: Program, line?: VaLine): RequiredSigner[] {
  const sr = planAssessment(ctx, plan, program);
  const recommender = sr ? recommendingPractitioner(ctx, sr) : undefined;
  const isPractitioner = (s: Signature) => !!practitionerOf(ctx.data, s.party);
  const out = [
    signer('qualified-practitioner', (s) => (recommender ? samePerson(ctx.data, s.party, recommender) : isPractitioner(s)), recommender),
    signer('prs', isPractitioner),
    signer('direct-supervisor', isPractitioner),
    signer('member', (s) => refKey(s.party) === refKey(plan.subject), plan.subject),
  ];
  if (caregiverInvolved(ctx, plan, line)) out.push(signer('caregiver', (s) => refKey(s.party)?.startsWith('RelatedPerson/') ?? false));
  return out;
}

/** Each required signer with their earliest dated signature on the plan (undefined: not signed). */
export function planSignatures(ctx: RuleContext, plan: CarePlan, program: Program, line?: VaLine) {
  const sigs = signaturesOf(plan);
  return requiredSigners(ctx, plan, program, line).map((signer) => {
    // The earliest dated signature the signer accepts.
    let date: string | undefined;
    for (const s of sigs) if (s.date && (date === undefined || s.date < date) && signer.accepts(s)) date = s.date;
    return { signer, date };
  });
}

/**
 * The date a plan's signatures are due: 30 calendar days after service initiation for the episode's
 * first plan; a plan that takes over from an earlier one in force during the episode (an update
 * written as a new CarePlan) has 30 days from its own start.
 */
export function signatureDeadline(ctx: RuleContext, plan: CarePlan, program: Program, initiation: string): { deadline: string; from: string; what: string } {
  const start = planStart(plan) ?? initiation;
  const earlier = plansOf(ctx).some((p) => p !== plan && PLAN_STATUSES.has(p.status) && (!planProgram(p) || planProgram(p) === program)
    && (planStart(p) ?? start) < start && (!dayOf(p.period?.end) || dayOf(p.period?.end)! >= initiation));
  return earlier && start > initiation
    ? { deadline: addDays(start, 30), from: start, what: `the start of this plan, which took over from an earlier one, on ${start}` }
    : { deadline: addDays(initiation, 30), from: initiation, what: `service initiation on ${initiation}` };
}

/** Completion: the date of the plan's last required signature; undefined while one is missing. */
export function planCompletion(ctx: RuleContext, plan: CarePlan, program: Program, line?: VaLine): string | undefined {
  // The last of the required signatures, once every one is there.
  let last: string | undefined;
  for (const { date } of planSignatures(ctx, plan, program, line)) {
    if (!date) return undefined;
    if (last === undefined || date > last) last = date;
  }
  return last;
}

/**
 * The plan's reviews. A review names its signatures with the relative url `signature` (the wire
 * convention for parts of a complex extension); the absolute url is accepted too.
 */
export function planReviews(plan: CarePlan): Review[] {
  return readOnce(planReviewReads, plan, () => {
    const raw = exts(plan, EXT.review);
    return reviewsOf(plan).map((r) => {
      const relative = (raw[r.index].extension ?? []).filter((e) => e.url === 'signature').map((e) => ({ ...e, url: EXT.signature }));
      return { ...r, signatures: [...r.signatures, ...signaturesOf({ extension: relative })] };
    });
  });
}
const planReviewReads = new WeakMap<object, Review[]>();

/** Calendar days after a review is held within which it must be documented ("no later than 15 calendar days from the date of the review"). */
export const REVIEW_DOCUMENTATION_DAYS = 15;

/**
 * How a review held on or before `day` stands on that day (va-rrwp-review-due's reading, rules.md):
 * `counts` once documented within 15 calendar days of being held ("For DMAS to determine that these
 * reviews are complete"); `pending` while those 15 days run and it is not documented yet (not
 * missed); `late` when documented after them and `undocumented` when they ran out without it: neither
 * counts. `documentBy` is the last day it may be documented.
 */
export type ReviewCount = 'counts' | 'pending' | 'late' | 'undocumented';
export function reviewStanding(review: Pick<Review, 'date' | 'documented'>, day: string): { standing: ReviewCount; documentBy: string } {
  const documentBy = addDays(review.date!, REVIEW_DOCUMENTATION_DAYS);
  const doc = review.documented;
  if (doc && doc <= documentBy) return { standing: doc <= day ? 'counts' : 'pending', documentBy };
  if (day <= documentBy) return { standing: 'pending', documentBy };
  return { standing: doc ? 'late' : 'undocumented', documentBy };
}
/** A review that keeps the 90-day cycle going on the day: it counts, or it is still pending. */
export const reviewHolds = (standing: ReviewCount) => standing === 'counts' || standing === 'pending';

// ---- diagnoses -----------------------------------------------------------------------------------

/** ICD-10-CM category of a code as letter + two-digit number (`F11.20` → F, 11). */
function icdCategory(code: string): { letter: string; n: number } | undefined {
  const m = /^([A-Z])(\d{2})/.exec(code.toUpperCase().replace('.', ''));
  return m ? { letter: m[1], n: Number(m[2]) } : undefined;
}
const inRange = (code: string, letter: string, from: number, to: number) => {
  const c = icdCategory(code);
  return !!c && c.letter === letter && c.n >= from && c.n <= to;
};
export const isSudCode = (code: string) => inRange(code, 'F', 10, 19);
export const isMhCode = (code: string) => inRange(code, 'F', 20, 69) || inRange(code, 'F', 90, 99);
/** Intellectual/developmental disability, organic mental disorder incl. dementia and Alzheimer's, traumatic brain injury. */
export const isExclusionCode = (code: string) =>
  inRange(code, 'F', 70, 89) || inRange(code, 'F', 1, 9) || inRange(code, 'G', 30, 30) || inRange(code, 'S', 6, 6);

const NOT_DOCUMENTED = new Set(['refuted', 'entered-in-error']);
const NOT_CURRENT = new Set(['inactive', 'resolved']);

/**
 * ICD-10-CM codes of the member's diagnoses documented on the day: not refuted or entered in error,
 * not resolved or inactive, recorded on or before the day.
 */
export function documentedDiagnoses(ctx: RuleContext, day: string): { code: string; condition: Condition }[] {
  return ctx.data
    .all<Condition>('Condition')
    .filter((c) => refKey(c.subject) === refKey(ctx.claim.patient))
    .filter((c) => !codings(c.verificationStatus).some((x) => NOT_DOCUMENTED.has(x.code ?? '')))
    .filter((c) => !codings(c.clinicalStatus).some((x) => NOT_CURRENT.has(x.code ?? '')))
    .filter((c) => {
      const recorded = dayOf(c.recordedDate) ?? dayOf(c.onsetDateTime);
      return !recorded || recorded <= day;
    })
    .flatMap((condition) =>
      codings(condition.code).filter((x) => x.system === SYSTEM.icd10cm && x.code).map((x) => ({ code: x.code!, condition })));
}

// ---- business days -------------------------------------------------------------------------------

const iso = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d)).toISOString().slice(0, 10);
const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();
/** The n-th given weekday (0 = Sunday) of a month (0-based); n = -1 for the last. */
function nthWeekday(year: number, month: number, dow: number, n: number): string {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
    return iso(year, month, 1 + ((dow - first + 7) % 7) + (n - 1) * 7);
  }
  const lastDate = new Date(Date.UTC(year, month + 1, 0));
  return iso(year, month, lastDate.getUTCDate() - ((lastDate.getUTCDay() - dow + 7) % 7));
}
/** A fixed-date holiday as observed: Saturday moves to Friday, Sunday to Monday. */
function observed(year: number, month: number, date: number): string {
  const day = iso(year, month, date);
  const dow = weekday(day);
  return dow === 6 ? addDays(day, -1) : dow === 0 ? addDays(day, 1) : day;
}

const holidayCache = new Map<number, Set<string>>();
/** US federal holidays (5 U.S.C. 6103) observed in a calendar year, incl. a New Year's Day observed on December 31. */
export function federalHolidays(year: number): Set<string> {
  let set = holidayCache.get(year);
  if (set) return set;
  const days = [year, year + 1].flatMap((y) => [
    observed(y, 0, 1),
    nthWeekday(y, 0, 1, 3), // Birthday of Martin Luther King, Jr.
    nthWeekday(y, 1, 1, 3), // Washington's Birthday
    nthWeekday(y, 4, 1, -1), // Memorial Day
    ...(y >= 2021 ? [observed(y, 5, 19)] : []), // Juneteenth, a federal holiday since 2021
    observed(y, 6, 4),
    nthWeekday(y, 8, 1, 1), // Labor Day
    nthWeekday(y, 9, 1, 2), // Columbus Day
    observed(y, 10, 11),
    nthWeekday(y, 10, 4, 4), // Thanksgiving Day
    observed(y, 11, 25),
  ]);
  set = new Set(days.filter((d) => d.startsWith(`${year}-`)));
  holidayCache.set(year, set);
  return set;
}

export function isBusinessDay(day: string, extraHolidays: readonly string[] = []): boolean {
  const dow = weekday(day);
  return dow !== 0 && dow !== 6 && !federalHolidays(Number(day.slice(0, 4))).has(day) && !extraHolidays.includes(day);
}

/** The first business day after the day. */
export function nextBusinessDay(day: string, extraHolidays: readonly string[] = []): string {
  let d = addDays(day, 1);
  while (!isBusinessDay(d, extraHolidays)) d = addDays(d, 1);
  return d;
}

/** Business days after `from` up to and including `to` (0 when `to` is not after `from`). */
export function businessDaysBetween(from: string, to: string, extraHolidays: readonly string[] = []): number {
  let n = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (isBusinessDay(d, extraHolidays)) n++;
  return n;
}

// ---- small helpers -----------------------------------------------------------------------------

/** The element with the greatest key (dates as YYYY-MM-DD); ties keep the later one in the list. */
export function latest<T>(xs: T[], key: (x: T) => string | undefined): T | undefined {
  let best: T | undefined;
  let bestKey = '';
  for (const x of xs) {
    const k = key(x) ?? '';
    if (best === undefined || k >= bestKey) {
      best = x;
      bestKey = k;
    }
  }
  return best;
}

/** `YYYY-MM` of a day, and month arithmetic on it. */
export { monthOf } from '../facts';
export function addMonths(month: string, n: number): string {
  const t = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + n;
  const m = (t % 12) + 1;
  return `${Math.floor(t / 12)}-${m < 10 ? '0' : ''}${m}`;
}
export const lastDayOfMonth = (month: string) => addDays(`${addMonths(month, 1)}-01`, -1);
