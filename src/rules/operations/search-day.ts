/** Date search over a rule's verdict: where a rule starts to fire, found by asking it (never by restating its limit). */
import { addDays, daysBetween } from '../facts';

/**
 * The first day in [from, to] on which `fires` holds, for a predicate that, once true, stays true
 * for every later day in the range (an overdue review stays overdue until one is held). Undefined
 * when it does not hold on `to`. O(log n) questions.
 */
export function firstFiringDay(from: string, to: string, fires: (day: string) => boolean): string | undefined {
  if (to < from || !fires(to)) return undefined;
  let lo = 0;
  let hi = daysBetween(from, to);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (fires(addDays(from, mid))) hi = mid;
    else lo = mid + 1;
  }
  return addDays(from, lo);
}
