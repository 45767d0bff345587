/**
 * Helpers shared by the Virginia "Codes, units and limits" rules: the lines of the claim being
 * checked, what counts before a line against a limit, calendar buckets (day, week, month, year) and
 * session facts that facts.ts does not name.
 */
import type { Encounter, Period } from 'fhir/r4';
import { startOfWeek } from 'date-fns';
import { memoize } from '../../memo';
import type { RuleContext } from '../context';
import type { Finding } from '../engine';
import { authorizedUnits, currentLines, encounterKind, memo, programExtension, programOfCode, storedLinesOtherThan, toDate, type BilledLine } from '../facts';
import { itemPath } from '../common/lines';

export { claimLines, itemPath, sessionLines, type ClaimLine } from '../common/lines';

export const VA_CODES = ['T1012', 'S9445', 'H0024', 'H0025'] as const;
export const isVaCode = (code: string | undefined) => !!code && (VA_CODES as readonly string[]).includes(code);

/**
 * The member's billed lines (facts.memberLines) less stored preauthorizations and predeterminations,
 * which ask about services rather than bill them.
 */
export const billedLines = (ctx: RuleContext): BilledLine[] =>
  memo(ctx, 'billedLines', () => [...storedLinesOtherThan(ctx, true), ...currentLines(ctx)]);

/**
 * Lines that count before `line` against a limit: every stored line, then the lines of the claim
 * being checked in item order (a claim's own lines take the limit up one after another).
 */
export const countsBefore = (other: BilledLine, line: BilledLine) => !other.current || other.index < line.index;
export const sumUnits = (lines: BilledLine[]) => lines.reduce((s, l) => s + l.units, 0);

export const yearOf = (day: string) => day.slice(0, 4);
/** Whether two dates (YYYY-MM-DD…) fall in the same calendar year, without cutting either. */
export const sameYear = (a: string, b: string) =>
  a.length >= 4 && b.length >= 4 && a.charCodeAt(0) === b.charCodeAt(0) && a.charCodeAt(1) === b.charCodeAt(1) && a.charCodeAt(2) === b.charCodeAt(2) && a.charCodeAt(3) === b.charCodeAt(3);
export { monthOf } from '../facts';
/** The first day (YYYY-MM-DD) of the calendar week holding the day. */
export function weekOf(day: string, weekStartsOn: RuleContext['options']['weekStartsOn']): string {
  return weekStarts[weekStartsOn](day);
}
/** Week starts by first day of the week, then by day: every limit rule asks again for each line of the member's year. */
const weekStarts = Array.from({ length: 7 }, (_, weekStartsOn) =>
  memoize(50_000, (day) => {
    const d = startOfWeek(toDate(day), { weekStartsOn: weekStartsOn as RuleContext['options']['weekStartsOn'] });
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }),
);
/** Last calendar day of the month `n` months after the month of `day` (n = 0: the day's own month). */
export function monthEnd(day: string, n = 0): string {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7)) - 1 + n;
  const d = new Date(Date.UTC(y, m + 1, 0));
  return d.toISOString().slice(0, 10);
}
/** Whole calendar months strictly between the months of a and b (a before b). */
export function monthsBetween(a: string, b: string): number {
  const ma = Number(a.slice(0, 4)) * 12 + Number(a.slice(5, 7));
  const mb = Number(b.slice(0, 4)) * 12 + Number(b.slice(5, 7));
  return Math.max(0, mb - ma - 1);
}

/** Program of a line: its code, else its session's program. */
export const lineProgram = (code: string | undefined, e: Encounter | undefined) =>
  programOfCode(code, 'US-VA') ?? (e ? programExtension(e) : undefined);

/** A finished session of kind `session` (not an attempt, supervision or collaboration). */
export const isServiceSession = (e: Encounter) => e.status === 'finished' && encounterKind(e) === 'session';

/** Periods overlap when each starts before the other ends (touching ends do not overlap). */
export function periodsOverlap(a: Period | undefined, b: Period | undefined): boolean {
  const as = Date.parse(a?.start ?? ''), ae = Date.parse(a?.end ?? '');
  const bs = Date.parse(b?.start ?? ''), be = Date.parse(b?.end ?? '');
  if ([as, ae, bs, be].some((n) => !Number.isFinite(n))) return false;
  return as < be && bs < ae;
}

export interface UnitLimit {
  /** Which lines count against the limit (the judged line included). */
  counts(line: BilledLine): boolean;
  /** Whether another line falls in the judged line's period (same day, same year…). */
  samePeriod(other: BilledLine, line: BilledLine): boolean;
  /** The standard limit before any authorization. */
  limit: number;
  /** Text for the diagnostics: e.g. `on 2026-04-14` / `of ARTS in 2026`, and the limit's name. */
  where(line: BilledLine): string;
  limitName: string;
}

/**
 * Judge each line of the claim being checked against a unit limit raised by `authorized-units`
 * covering the line's date: the line is allowed only what remains after the lines counted before it.
 */
export function unitLimitFindings(ctx: RuleContext, lines: BilledLine[], spec: UnitLimit): Finding[] {
  const findings: Finding[] = [];
  for (const line of lines) {
    if (!line.current || !spec.counts(line)) continue;
    let before = 0;
    for (const o of lines) if (o !== line && spec.counts(o) && spec.samePeriod(o, line) && countsBefore(o, line)) before += o.units;
    const authorized = authorizedUnits(ctx.claim, line.day);
    const limit = spec.limit + authorized;
    const allowed = Math.max(0, limit - before);
    if (line.units <= allowed) continue;
    const raised = authorized ? ` (${spec.limit} + ${authorized} authorized)` : '';
    findings.push({
      diagnostics: `${before + line.units} units ${spec.where(line)} exceed the ${limit}-unit ${spec.limitName}${raised}: ` +
        `${before} already billed, so only ${allowed} of this line's ${line.units} units are allowed`,
      expression: itemPath(line.index, 'quantity'),
      item: line.index,
      allowedUnits: allowed,
    });
  }
  return findings;
}
