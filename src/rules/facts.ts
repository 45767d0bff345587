/**
 * Derived facts defined once (docs/spec/domain-model.md, "Derived facts"), shared by every pack.
 * Dates: a FHIR date or dateTime is judged on the calendar date it was written with (its first ten
 * characters), never converted to the server's zone; durations use the instants.
 */
import type {
  CarePlan, Claim, ClaimItem, CodeableConcept, Coding, DocumentReference, Element, Encounter, Extension,
  Patient, Period, Practitioner, PractitionerRole, Reference, ServiceRequest,
} from 'fhir/r4';
import { differenceInCalendarDays, differenceInYears, parseISO } from 'date-fns';
import { CS, EXT, SYSTEM, isHcpcs } from '../prss/terminology';
import { ResourceBag, refKey, refersTo, type RuleContext } from './context';
import type { Jurisdiction } from './engine';
import { deepFreeze } from '../deep-freeze';
import { memoize } from '../memo';

// ---- extensions ---------------------------------------------------------------------------------

type WithExt = { extension?: Extension[] } | undefined;
// Indexed loops: rules ask these of every session, note and claim line of a member's year, on every
// call, and an iterator (for…of) allocates its results whenever the caller is not optimized.
export const exts = (el: WithExt, url: string): Extension[] => {
  const out: Extension[] = [];
  const xs = el?.extension;
  if (xs) for (let i = 0; i < xs.length; i++) if (xs[i].url === url) out.push(xs[i]);
  return out;
};
export const ext = (el: WithExt, url: string): Extension | undefined => {
  const xs = el?.extension;
  if (xs) for (let i = 0; i < xs.length; i++) if (xs[i].url === url) return xs[i];
  return undefined;
};
export const extCode = (el: WithExt, url: string) => ext(el, url)?.valueCode;
export const extBool = (el: WithExt, url: string) => ext(el, url)?.valueBoolean;
export const extString = (el: WithExt, url: string) => ext(el, url)?.valueString;
export const extInt = (el: WithExt, url: string) => ext(el, url)?.valueInteger;
export const extRef = (el: WithExt, url: string) => ext(el, url)?.valueReference;
export const extDate = (el: WithExt, url: string) => {
  const e = ext(el, url);
  return e?.valueDate ?? e?.valueDateTime;
};

// ---- codes --------------------------------------------------------------------------------------

type Concepts = CodeableConcept | CodeableConcept[] | undefined;
export const codings = (cc: Concepts): Coding[] =>
  !cc ? [] : !Array.isArray(cc) ? [...(cc.coding ?? [])] : cc.flatMap((c) => c.coding ?? []);
/** The first coding of the concept(s) that `match` accepts. */
function findCoding(cc: Concepts, match: (c: Coding) => boolean): Coding | undefined {
  if (!cc) return undefined;
  if (!Array.isArray(cc)) return firstCoding(cc.coding, match);
  for (let i = 0; i < cc.length; i++) {
    const hit = firstCoding(cc[i].coding, match);
    if (hit) return hit;
  }
  return undefined;
}
function firstCoding(cs: Coding[] | undefined, match: (c: Coding) => boolean): Coding | undefined {
  if (cs) for (let i = 0; i < cs.length; i++) if (match(cs[i])) return cs[i];
  return undefined;
}
export const hasCode = (cc: Concepts, system: string, code: string) =>
  findCoding(cc, (c) => c.system === system && c.code === code) !== undefined;
export const codeIn = (cc: Concepts, system: string) => findCoding(cc, (c) => c.system === system)?.code;

// ---- dates --------------------------------------------------------------------------------------

/** Calendar date (YYYY-MM-DD) of a FHIR date/dateTime/instant, as written. */
export const dayOf = (d: string | undefined): string | undefined => (d && d.length >= 10 ? d.slice(0, 10) : undefined);
/** Local midnight of a calendar date, as date-fns' parseISO reads YYYY-MM-DD (without its cost). */
export const toDate = (day: string): Date => {
  const utc = calendarDate(day);
  if (!utc) return parseISO(day);
  const date = new Date(0);
  date.setFullYear(utc.getUTCFullYear(), utc.getUTCMonth(), utc.getUTCDate());
  date.setHours(0, 0, 0, 0);
  return date;
};
/** UTC midnight of a well-formed YYYY-MM-DD that names a real date (setUTCFullYear keeps years 0–99); undefined otherwise. */
function calendarDate(day: string): Date | undefined {
  if (day.length !== 10 || day[4] !== '-' || day[7] !== '-') return undefined;
  const y = Number(day.slice(0, 4)), m = Number(day.slice(5, 7)), d = Number(day.slice(8, 10));
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? date : undefined;
}
/** Days from a to b (b − a) between calendar dates. */
export const daysBetween = (a: string, b: string) => {
  const da = utcDayNumber(a);
  const db = utcDayNumber(b);
  return Number.isFinite(da) && Number.isFinite(db) ? db - da : differenceInCalendarDays(toDate(b), toDate(a));
};
/**
 * Days since 1970-01-01 of a well-formed YYYY-MM-DD (NaN otherwise), kept by date: the rules compare
 * the same few hundred dates of a member's year over and over.
 */
const utcDayNumber = memoize(50_000, (day) => (calendarDate(day)?.getTime() ?? NaN) / 86_400_000);
export const addDays = (day: string, n: number): string => {
  const t = utcDayNumber(day);
  if (Number.isFinite(t)) {
    const d = new Date((t + n) * 86_400_000);
    const y = d.getUTCFullYear();
    if (y >= 1000 && y <= 9999) return `${y}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
  }
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
/** Inclusive period test on calendar dates; open ends are unbounded. */
export const periodCovers = (p: Period | undefined, day: string): boolean => {
  if (!p) return false;
  const s = dayOf(p.start);
  const e = dayOf(p.end);
  return (!s || s <= day) && (!e || day <= e);
};
/** Whole years of age on a date. */
export const ageOn = (birthDate: string, day: string): number => differenceInYears(toDate(day), toDate(birthDate.length === 4 ? `${birthDate}-01-01` : birthDate.length === 7 ? `${birthDate}-01` : birthDate));

// ---- sessions -----------------------------------------------------------------------------------

export type EncounterKind = 'session' | 'contact-attempt' | 'supervision' | 'collaboration';
export const encounterKind = (e: Encounter): EncounterKind | undefined => codeIn(e.type, CS.encounterKind) as EncounterKind | undefined;
export const delivery = (e: Encounter): 'individual' | 'group' | undefined => codeIn(e.type, CS.delivery) as 'individual' | 'group' | undefined;
export const serviceOf = (e: Encounter): 'pss' | 'fsp' | undefined => codeIn(e.serviceType, CS.service) as 'pss' | 'fsp' | undefined;
export type ContactMode = 'in-person' | 'telehealth-video' | 'telephone';
export const contactMode = (e: Encounter): ContactMode | undefined => extCode(e, EXT.contactMode) as ContactMode | undefined;
/** Face to face: in person or two-way audio and video. */
export const isFaceToFace = (e: Encounter) => {
  const m = contactMode(e);
  return m === 'in-person' || m === 'telehealth-video';
};
export const sessionDay = (e: Encounter) => dayOf(e.period?.start);
/** The program a session's own `program` extension names (arts or mh), if any. */
export const programExtension = (e: Encounter): 'arts' | 'mh' | undefined => {
  const code = extCode(e, EXT.program);
  return code === 'arts' || code === 'mh' ? code : undefined;
};
/** Calendar month (YYYY-MM) of a day. */
export const monthOf = (day: string) => day.slice(0, 7);

const minutesBetween = (p: Period | undefined): number => {
  if (!p?.start || !p.end) return 0;
  const ms = Date.parse(p.end) - Date.parse(p.start);
  return Number.isFinite(ms) && ms > 0 ? ms / 60000 : 0;
};
/** Minutes of active service: the period less its interruptions. */
export const activeMinutes = (e: Encounter): number => {
  const total = minutesBetween(e.period);
  const breaks = exts(e, EXT.interruption).reduce((s, x) => s + minutesBetween(x.valuePeriod), 0);
  return Math.max(0, total - breaks);
};
/** Billable 15-minute units of a session. */
export const billableUnits = (e: Encounter): number => Math.floor(activeMinutes(e) / 15 + 1e-9);

/** The session's rendering PRS: the participant typed PPRF (primary performer), else the first practitioner participant. */
export const primaryPerformer = (e: Encounter): Reference | undefined => {
  const parts = e.participant ?? [];
  const pprf = parts.find((p) => p.type?.some((t) => t.coding?.some((c) => c.code === 'PPRF')));
  return (pprf ?? parts.find((p) => /^(Practitioner|PractitionerRole)\//.test(refKey(p.individual) ?? '')))?.individual;
};

// ---- claim lines --------------------------------------------------------------------------------

export const lineCode = (item: ClaimItem): string | undefined =>
  item.productOrService?.coding?.find((c) => isHcpcs(c.system) || c.system === SYSTEM.cpt)?.code ?? item.productOrService?.coding?.[0]?.code;
export const lineModifiers = (item: ClaimItem): string[] => codings(item.modifier).map((c) => c.code ?? '').filter(Boolean);
export const lineDay = (item: ClaimItem): string | undefined => dayOf(item.servicedDate ?? item.servicedPeriod?.start);
export const lineUnits = (item: ClaimItem): number => item.quantity?.value ?? 0;
export const placeOfService = (item: ClaimItem) => codeIn(item.locationCodeableConcept, SYSTEM.placeOfService) ?? item.locationCodeableConcept?.coding?.[0]?.code;

/** Program of a procedure code (Virginia: T1012/S9445 ARTS, H0024/H0025 MH). */
export function programOfCode(code: string | undefined, jurisdiction: Jurisdiction): 'arts' | 'mh' | undefined {
  if (!code) return undefined;
  if (jurisdiction === 'US-VA') {
    if (code === 'T1012' || code === 'S9445') return 'arts';
    if (code === 'H0024' || code === 'H0025') return 'mh';
  }
  return undefined;
}
export const isGroupCode = (code: string | undefined) => code === 'S9445' || code === 'H0025';

/** A billed line, from the claim being checked or from a stored claim of the member. */
export interface BilledLine {
  claim: Claim;
  item: ClaimItem;
  index: number;
  /** True for lines of the claim being checked. */
  current: boolean;
  day: string;
  code: string | undefined;
  units: number;
  encounter?: Encounter;
}

/**
 * Every billed line of the member: stored claims (active, not the claim being checked under another
 * version or the same identifier) plus the lines of the claim being checked.
 */
export function memberLines(ctx: RuleContext): BilledLine[] {
  return memo(ctx, 'memberLines', () => computeMemberLines(ctx));
}

/**
 * Facts every rule asks for again (the member's lines, sessions, plans) are computed once per
 * context and claim: 73 rules over a year of history would otherwise rebuild them 73 times.
 */
export function memo<T>(ctx: RuleContext, key: string, compute: () => T): T {
  const values = ctx.data.memoFor(ctx.claim);
  const held = values.get(key);
  if (held !== undefined || values.has(key)) return held as T;
  const v = compute();
  values.set(key, v);
  return v;
}

function computeMemberLines(ctx: RuleContext): BilledLine[] {
  return [...storedLinesOtherThan(ctx, false), ...currentLines(ctx)];
}

/** The dated lines of the claim being checked, as billed lines (`current`), once per claim. */
export const currentLines = (ctx: RuleContext): readonly BilledLine[] =>
  memo(ctx, 'currentLines', () => Object.freeze(claimLinesOf(ctx.data, ctx.claim, true)));

/**
 * The member's stored lines less those of the claim being checked, stored under its id or another
 * version with its identifier (it counts once, as the claim being checked), and less those of the
 * claims that do not count before it (`ctx.notCounted`: later entries of its transaction Bundle); `billedOnly` also leaves
 * out preauthorizations and predeterminations. Kept per bag under the stored claims left out, so the
 * requests that validate one member's claims share the list instead of filtering the year each time.
 */
export function storedLinesOtherThan(ctx: RuleContext, billedOnly: boolean): readonly BilledLine[] {
  const bag = ctx.data;
  const patient = refKey(ctx.claim.patient);
  const stored = storedLines(bag, patient);
  const same = new Set<Claim>(stored.byId.get(ctx.claim.id ?? '') ?? []);
  for (const x of ctx.claim.identifier ?? []) if (x.value) for (const c of stored.byIdentifier.get(`${x.system}|${x.value}`) ?? []) same.add(c);
  // Later entries of the claim's transaction Bundle are stored already but do not count before it.
  for (const id of ctx.notCounted ?? []) for (const c of stored.byId.get(id) ?? []) same.add(c);
  // Stored claims are frozen records with an id and a distinct Type/id in the bag: their ids name them.
  const left = [...same].map((c) => c.id).sort().join(',');
  return bag.fact(`storedLinesOtherThan|${patient}|${billedOnly}|${left}`, () =>
    stored.lines.filter((l) => !same.has(l.claim) && (!billedOnly || !l.claim.use || l.claim.use === 'claim')));
}

/**
 * Lines of the member's stored claims (active, not cancelled or entered in error), once per bag,
 * with the claims by id and by identifier (the same claim: same id, or an identifier with the same system and value).
 */
function storedLines(bag: ResourceBag, patient: string | undefined) {
  return bag.fact(`storedLines|${patient}`, () => {
    const claims = bag.all<Claim>('Claim').filter((c) => c.status !== 'entered-in-error' && c.status !== 'cancelled' && refKey(c.patient) === patient);
    const byId = new Map<string, Claim[]>();
    const byIdentifier = new Map<string, Claim[]>();
    const file = (map: Map<string, Claim[]>, key: string, c: Claim) => {
      const list = map.get(key);
      if (list) list.push(c);
      else map.set(key, [c]);
    };
    for (const c of claims) {
      if (c.id) file(byId, c.id, c);
      for (const x of c.identifier ?? []) if (x.value) file(byIdentifier, `${x.system}|${x.value}`, c);
    }
    return { lines: Object.freeze(claims.flatMap((c) => claimLinesOf(bag, c, false))), byId, byIdentifier };
  });
}

function claimLinesOf(bag: ResourceBag, claim: Claim, current: boolean): BilledLine[] {
  const out: BilledLine[] = [];
  (claim.item ?? []).forEach((item, index) => {
    const day = lineDay(item);
    if (day) out.push({ claim, item, index, current, day, code: lineCode(item), units: lineUnits(item), encounter: lineEncounter(bag, item) });
  });
  return out;
}

export const lineEncounter = (bag: ResourceBag, item: ClaimItem): Encounter | undefined =>
  (item.encounter ?? []).map((r) => bag.resolve<Encounter>(r, 'Encounter')).find(Boolean);

/** Units approved above the standard limits that cover the day (`authorized-units` supporting info). */
export function authorizedUnits(claim: Claim, day: string): number {
  return (claim.supportingInfo ?? [])
    .filter((s) => hasCode(s.category, CS.supportingInfo, 'authorized-units'))
    .filter((s) => !s.timingPeriod || periodCovers(s.timingPeriod, day))
    .filter((s) => !s.timingDate || dayOf(s.timingDate) === day)
    .reduce((sum, s) => sum + (s.valueQuantity?.value ?? 0), 0);
}

// ---- people -------------------------------------------------------------------------------------

export const member = (ctx: RuleContext) => ctx.data.resolve<Patient>(ctx.claim.patient, 'Patient');

/** The practitioner behind a Practitioner or PractitionerRole reference. */
export function practitionerOf(bag: ResourceBag, ref: Reference | undefined): Practitioner | undefined {
  const key = refKey(ref);
  if (!key) return undefined;
  if (key.startsWith('Practitioner/')) return bag.resolve<Practitioner>(ref, 'Practitioner');
  const role = bag.resolve<PractitionerRole>(ref, 'PractitionerRole');
  return role ? bag.resolve<Practitioner>(role.practitioner, 'Practitioner') : undefined;
}

/** Same person, whichever of Practitioner or PractitionerRole each reference names. */
export const samePerson = (bag: ResourceBag, a: Reference | undefined, b: Reference | undefined) => {
  const pa = practitionerOf(bag, a);
  return !!pa && pa === practitionerOf(bag, b);
};

/** The person's roles at a provider (organization) covering the day. */
export function rolesOn(bag: ResourceBag, practitioner: Practitioner, day: string, organization?: Reference): PractitionerRole[] {
  return bag
    .all<PractitionerRole>('PractitionerRole')
    .filter((r) => refersTo(r.practitioner, practitioner))
    .filter((r) => r.active !== false && (!r.period || periodCovers(r.period, day)))
    .filter((r) => !organization || refKey(r.organization) === refKey(organization));
}

/** Whether the practitioner holds a credential (prss-credential code) valid on the day. */
export function holdsCredential(p: Practitioner | undefined, code: string, day: string): boolean {
  return (p?.qualification ?? []).some((q) => hasCode(q.code, CS.credential, code) && (!q.period || periodCovers(q.period, day)));
}

/** The rendering PRS of a claim line: the care-team member the line points at, else the claim's first care-team member. */
export function renderingRef(claim: Claim, item: ClaimItem): Reference | undefined {
  const seq = item.careTeamSequence?.[0];
  const member = seq !== undefined ? claim.careTeam?.find((c) => c.sequence === seq) : claim.careTeam?.[0];
  return member?.provider;
}

// ---- assessments, plans, notes -------------------------------------------------------------------

export const assessmentsOf = (ctx: RuleContext) => {
  const member = refKey(ctx.claim.patient);
  return ctx.data.filtered<ServiceRequest>('ServiceRequest', `subject|${member}`, (s) => refKey(s.subject) === member);
};
export const plansOf = (ctx: RuleContext) => {
  const member = refKey(ctx.claim.patient);
  return ctx.data.filtered<CarePlan>('CarePlan', `rrwp|${member}`, (p) => refKey(p.subject) === member && hasCode(p.category, CS.careplanCategory, 'rrwp'));
};
export const planProgram = (p: CarePlan) => extCode(p, EXT.program) as 'arts' | 'mh' | undefined;

/**
 * Where a plan was amended by a new CarePlan that `replaces` it: the replacing plan and the day it
 * applies from (its `period.start`, else its `created`); the old plan ends there (it applies up to
 * the day before). The earliest such plan when several name it; drafts and plans entered in error
 * replace nothing. An update of a plan in place is a correction: it applies to all its dates, and is
 * simply the plan as stored.
 */
export function replacementOf(bag: ResourceBag, plan: CarePlan): { by: CarePlan; from: string } | undefined {
  if (!plan.id) return undefined;
  const key = `CarePlan/${plan.id}`;
  return bag.fact(`replacementOf|${key}`, () => {
    let best: { by: CarePlan; from: string } | undefined;
    for (const p of bag.referencing<CarePlan>(key, 'CarePlan')) {
      if (p.id === plan.id || p.status === 'draft' || p.status === 'entered-in-error') continue;
      if (!(p.replaces ?? []).some((r) => refKey(r) === key)) continue;
      const from = dayOf(p.period?.start) ?? dayOf(p.created);
      if (from && (!best || from < best.from)) best = { by: p, from };
    }
    return best;
  });
}
/** False on and after the day a replacing plan applies from: the plan no longer applies then. */
export const notReplacedOn = (bag: ResourceBag, plan: CarePlan, day: string): boolean => {
  const r = replacementOf(bag, plan);
  return !r || day < r.from;
};
export const sessionsOf = (ctx: RuleContext) => {
  const member = refKey(ctx.claim.patient);
  return ctx.data.filtered<Encounter>('Encounter', `subject|${member}`, (e) => refKey(e.subject) === member);
};
export const notesFor = (bag: ResourceBag, e: Encounter) =>
  bag.referencing<DocumentReference>(`Encounter/${e.id}`, 'DocumentReference').filter((d) => d.status !== 'entered-in-error' && (d.context?.encounter ?? []).some((r) => refersTo(r, e)));

/** The keys a person may be referenced by: the Practitioner and each of its PractitionerRoles. */
export const personKeys = (bag: ResourceBag, p: Practitioner): string[] => [
  `Practitioner/${p.id}`,
  ...bag.referencing<PractitionerRole>(`Practitioner/${p.id}`, 'PractitionerRole').map((r) => `PractitionerRole/${r.id}`),
];

/** Signatures on a plan or a review: role, party, date. */
export interface Signature { role?: string; party?: Reference; date?: string }
/**
 * A value read from a frozen element, read once per element: the plan rules ask for the same plan's
 * signatures and reviews many times per claim. Stored resources are frozen through and through; the
 * operations freeze the plan variants they make for one call. The value is frozen in turn; an element
 * that is not frozen may still change, so it is read afresh every time.
 */
export function readOnce<T extends object>(cache: WeakMap<object, T>, el: object, read: () => T): T {
  if (!Object.isFrozen(el)) return read();
  let v = cache.get(el);
  if (v === undefined) cache.set(el, (v = deepFreeze(read())));
  return v;
}
const signatureReads = new WeakMap<object, Signature[]>();
const reviewReads = new WeakMap<object, Review[]>();

/** On a plan the signature extension is named by its canonical URL; inside a review, by the relative url `signature`. */
export const signaturesOf = (el: WithExt): Signature[] =>
  !el ? [] : readOnce(signatureReads, el, () => [...exts(el, EXT.signature), ...exts(el, 'signature')].map((s) => ({
    role: extCode(s, 'role'),
    party: extRef(s, 'party'),
    date: dayOf(ext(s, 'date')?.valueDate ?? ext(s, 'date')?.valueDateTime),
  })));
export interface Review { date?: string; documented?: string; signatures: Signature[]; goalsUpdated?: boolean; index: number }
export const reviewsOf = (plan: CarePlan): Review[] =>
  readOnce(reviewReads, plan, () => exts(plan, EXT.review).map((r, index) => ({
    date: dayOf(ext(r, 'date')?.valueDate ?? ext(r, 'date')?.valueDateTime),
    documented: dayOf(ext(r, 'documented')?.valueDate ?? ext(r, 'documented')?.valueDateTime),
    signatures: signaturesOf(r),
    goalsUpdated: extBool(r, 'goalsUpdated'),
    index,
  })));

export const isElement = (x: unknown): x is Element => typeof x === 'object' && x !== null;
