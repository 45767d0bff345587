/**
 * Units used and remaining per program of the member's pack on a date: that day, that week, the
 * calendar year to date and the rolling 12 months. Used units are the member's stored billed lines
 * counted with the rules' own fact helpers; every limit and every "remaining" is the answer of the
 * limit rule itself to a synthetic line of PROBE_UNITS units on the date (its `allowedUnits`), with
 * the member's authorizations on file attached — so no limit is restated here.
 */
import type { CarePlan, FhirResource } from 'fhir/r4';
import type { ResourceBag, RuleOptions } from '../context';
import { ResourceBag as Bag, refKey } from '../context';
import { registeredRules, type Jurisdiction, type RuleDefinition } from '../engine';
import { addDays, memberLines, programOfCode, type BilledLine } from '../facts';
import { billedLines, isVaCode, weekOf, yearOf } from '../va/facts-units';
import { rollingYearStart } from '../va/facts-staff';
import { transitionWindow } from '../ct/episodes';
import { PROBE_UNITS, allowance, ask, authorizationsOn, contextFor, filterBag, probeClaim, type AuthorizationOnFile } from './probe';

export interface WindowUse {
  from: string;
  to: string;
  /** Units billed for the program in the window (stored claims, through the date). */
  units: number;
  /** Units of every program, where the limit is combined (the Virginia daily limit). */
  combinedUnits?: number;
  /** The standard limit in units, before authorizations (absent: no limit on this window). */
  limit?: number;
  /** Authorized units on file that raise the limit on the date. */
  authorized?: number;
  /** Units still billable on the date under the limit (as the rule judges the next line). */
  remaining?: number;
  /** The rule that sets the limit. */
  rule?: string;
}

export interface ProgramUtilization {
  /** `arts` / `mh` (Virginia), else the procedure code (Indiana H0038, Connecticut's codes). */
  program: string;
  codes: string[];
  day: WindowUse;
  week: WindowUse;
  year: WindowUse;
  rolling: WindowUse;
}

export interface Utilization {
  jurisdiction: Jurisdiction;
  date: string;
  programs: ProgramUtilization[];
  authorizations: AuthorizationOnFile[];
  /**
   * Connecticut: the 30-day transition from the member's first waiver peer support session, during
   * which ACT/CSP and residential episodes do not exclude peer support (absent before any session).
   */
  transition?: { firstSession: string; end: string; inWindow: boolean };
}

const rule = (id: string): RuleDefinition => {
  const r = registeredRules().find((x) => x.id === id);
  if (!r) throw new Error(`Rule ${id} is not registered`);
  return r;
};

interface ProgramSpec {
  program: string;
  codes: string[];
  /** The code the probe line bills. */
  probeCode: string;
  counts(l: BilledLine): boolean;
  /** Which rule limits which window. */
  limits: Partial<Record<'day' | 'week' | 'year' | 'rolling', string>>;
  /** Daily limit across programs (Virginia). */
  combinedDay?: (l: BilledLine) => boolean;
}

function programSpecs(jurisdiction: Jurisdiction, options: RuleOptions): ProgramSpec[] {
  if (jurisdiction === 'US-VA') {
    return (['arts', 'mh'] as const).map((p) => ({
      program: p,
      codes: p === 'arts' ? ['T1012', 'S9445'] : ['H0024', 'H0025'],
      probeCode: p === 'arts' ? 'T1012' : 'H0024',
      counts: (l: BilledLine) => programOfCode(l.code, 'US-VA') === p,
      combinedDay: (l: BilledLine) => isVaCode(l.code),
      limits: { day: 'va-daily-units', week: 'va-weekly-plan-intensity', year: p === 'arts' ? 'va-annual-units-arts' : 'va-annual-units-mh' },
    }));
  }
  if (jurisdiction === 'US-IN') {
    return [{ program: 'H0038', codes: ['H0038'], probeCode: 'H0038', counts: (l) => l.code === 'H0038', limits: { rolling: 'in-rolling-units' } }];
  }
  // Connecticut: the waiver Recovery Plan sets per-day and per-week volume; the tightest of them is reported on the day.
  return [{ program: options.ctCodes.join('/'), codes: options.ctCodes, probeCode: options.ctCodes[0] ?? 'H0038', counts: (l) => options.ctCodes.includes(l.code ?? ''), limits: { day: 'ct-plan-limits' } }];
}

/** Standard limits never depend on the member: ask each rule once, over an empty history. */
const standardCache = new Map<string, number | undefined>();
function standardLimit(r: RuleDefinition, jurisdiction: Jurisdiction, code: string, day: string, options: RuleOptions): number | undefined {
  const key = `${r.id}|${code}`;
  if (!standardCache.has(key)) {
    const claim = probeClaim({ patient: { reference: `Patient/${'probe'}` }, lines: [{ code, day, units: PROBE_UNITS }] });
    standardCache.set(key, allowance(ask(contextFor(jurisdiction, claim, new Bag([claim]), options), [r]), r, 0));
  }
  return standardCache.get(key);
}

export function computeUtilization(bag: ResourceBag, member: string, jurisdiction: Jurisdiction, day: string, options: RuleOptions): Utilization {
  const authorizations = authorizationsOn(bag, member, day);
  const supportingInfo = authorizations.map((a) => a.entry);
  const authorized = authorizations.reduce((s, a) => s + a.units, 0);
  const patient = { reference: member };
  // Stored lines only: the question claim has no lines of its own.
  const empty = contextFor(jurisdiction, probeClaim({ patient, lines: [] }), bag, options);
  const stored = (jurisdiction === 'US-VA' ? billedLines(empty) : memberLines(empty)).filter((l) => !l.current);
  const week = weekOf(day, options.weekStartsOn);
  const windows = {
    day: { from: day, to: day },
    week: { from: week, to: addDays(week, 6) },
    year: { from: `${yearOf(day)}-01-01`, to: day },
    rolling: { from: rollingYearStart(day), to: day },
  };
  // The member's plans alone: the plan-set limits (weekly intensity, Connecticut volume) without history.
  const plansOnly = filterBag(bag, (r: FhirResource) => r.resourceType === 'CarePlan' && refKey((r as CarePlan).subject) === member);

  const programs = programSpecs(jurisdiction, options).map((spec): ProgramUtilization => {
    const claim = probeClaim({ patient, lines: [{ code: spec.probeCode, day, units: PROBE_UNITS }], supportingInfo });
    const results = ask(contextFor(jurisdiction, claim, bag, options), Object.values(spec.limits).map(rule));
    const planClaim = probeClaim({ patient, lines: [{ code: spec.probeCode, day, units: PROBE_UNITS }] });
    plansOnly.add(planClaim);
    const use = (w: keyof typeof windows): WindowUse => {
      const { from, to } = windows[w];
      const inWindow = (l: BilledLine) => from <= l.day && l.day <= to;
      const out: WindowUse = { from, to, units: stored.filter((l) => spec.counts(l) && inWindow(l)).reduce((s, l) => s + l.units, 0) };
      if (w === 'day' && spec.combinedDay) out.combinedUnits = stored.filter((l) => spec.combinedDay!(l) && inWindow(l)).reduce((s, l) => s + l.units, 0);
      const id = spec.limits[w];
      if (!id) return out;
      const r = rule(id);
      // A plan-set limit is read from the plan alone; a standard one from an empty history.
      const planSet = r.scope === 'history' && (id === 'va-weekly-plan-intensity' || id === 'ct-plan-limits');
      const limit = planSet
        ? allowance(ask(contextFor(jurisdiction, planClaim, plansOnly, options), [r]), r, 0)
        : standardLimit(r, jurisdiction, spec.probeCode, day, options);
      const remaining = allowance(results, r, 0);
      if (limit === undefined && remaining === undefined) return out;
      return { ...out, rule: id, limit, ...(planSet ? {} : { authorized }), remaining };
    };
    return { program: spec.program, codes: spec.codes, day: use('day'), week: use('week'), year: use('year'), rolling: use('rolling') };
  });
  const window = jurisdiction === 'US-CT' ? transitionWindow(empty) : undefined;
  const transition = window && window.first <= day ? { firstSession: window.first, end: window.end, inWindow: day <= window.end } : undefined;
  return { jurisdiction, date: day, programs, authorizations, ...(transition ? { transition } : {}) };
}
