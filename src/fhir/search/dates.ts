/**
 * FHIR date, dateTime and instant values as the instant ranges they cover. A value is as precise as
 * it is written: `2026` covers the year, `2026-03` the month, `2026-03-10T10:00:00-05:00` one second.
 * A value without a zone is taken as UTC, so the same text always covers the same range.
 */

/** Inclusive bounds as ISO-8601 instants (microsecond precision on `hi`, like timestamptz). */
export interface DateRange {
  lo: string;
  hi: string;
  /** Milliseconds since the epoch: lo, and hi exclusive (for arithmetic such as `ap`). */
  loMs: number;
  hiMs: number;
}

export const NEG_INFINITY = '-infinity';
export const POS_INFINITY = 'infinity';

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function utc(year: number, month: number, day: number, h = 0, m = 0, s = 0, ms = 0): number {
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, m, s, ms);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utc(year, month + 1, 1) - 86_400_000).getUTCDate();
}

/**
 * Parse a FHIR date/dateTime/instant (or a search value, which may stop at minutes). Returns
 * undefined when the text is not a valid date of any precision.
 */
export function parseDateRange(text: string): DateRange | undefined {
  const m = DATE_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss, frac, zone] = m;
  const year = Number(y);
  if (year === 0) return undefined; // FHIR years run from 0001
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  let loMs: number;
  let hiMs: number;
  if (mo === undefined) {
    loMs = utc(year, 1, 1);
    hiMs = utc(year + 1, 1, 1);
  } else if (d === undefined) {
    loMs = utc(year, month, 1);
    hiMs = utc(year, month + 1, 1);
  } else if (hh === undefined) {
    loMs = utc(year, month, day);
    hiMs = loMs + 86_400_000;
  } else {
    const h = Number(hh);
    const min = Number(mi);
    const s = ss === undefined ? 0 : Number(ss);
    if (h > 24 || min > 59 || s > 60 || (h === 24 && (min > 0 || s > 0))) return undefined;
    let offsetMin = 0;
    if (zone && zone !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const oh = Number(zone.slice(1, 3));
      const om = Number(zone.slice(4, 6));
      if (oh > 14 || om > 59) return undefined;
      offsetMin = sign * (oh * 60 + om);
    }
    const fracMs = frac ? Number(`0.${frac}`) * 1000 : 0;
    loMs = utc(year, month, day, h, min, s) - offsetMin * 60_000 + Math.floor(fracMs);
    // The range is one unit of the last digit written: a minute, a second, or a fraction of one.
    const unit = ss === undefined ? 60_000 : frac ? Math.max(1, 1000 / 10 ** Math.min(frac.length, 3)) : 1000;
    hiMs = loMs + unit;
  }
  if (Number.isNaN(loMs) || Number.isNaN(hiMs)) return undefined;
  return { lo: isoLo(loMs), hi: isoHi(hiMs), loMs, hiMs };
}

/**
 * PostgreSQL's timestamptz runs from 4713 BC, but reads ISO years 0001-9999 only: a zone offset can
 * push a FHIR value just outside them (`0001-01-01T00:00+14:00` is in year 0 in UTC). Bounds beyond
 * them are the infinities, which compare as the open ends they are.
 */
const MIN_MS = Date.UTC(2000, 0, 1) - 730_119 * 86_400_000; // 0001-01-01T00:00:00Z
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1; // 10000-01-01T00:00:00Z

/** An instant as PostgreSQL reads it: ISO-8601 within years 0001-9999, else -infinity / infinity. */
export function pgInstant(ms: number): string {
  if (ms < MIN_MS) return NEG_INFINITY;
  if (ms >= MAX_MS) return POS_INFINITY;
  return new Date(ms).toISOString();
}

function isoLo(ms: number): string {
  return pgInstant(ms);
}

/** The last microsecond before `exclusiveMs`. */
function isoHi(exclusiveMs: number): string {
  const s = pgInstant(exclusiveMs - 1);
  return s.endsWith('Z') ? s.replace(/Z$/, '999Z') : s;
}

/** A range from explicit bounds (either may be open). */
export function spanRange(lo: DateRange | undefined, hi: DateRange | undefined): { lo: string; hi: string } | undefined {
  if (!lo && !hi) return undefined;
  return { lo: lo ? lo.lo : NEG_INFINITY, hi: hi ? hi.hi : POS_INFINITY };
}
