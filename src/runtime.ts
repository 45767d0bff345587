/**
 * Process-wide settings of the JavaScript engine, applied once by the process that serves (main.ts,
 * and the benchmark, which serves as main.ts does).
 *
 * HEAP_GROWTH_PERCENT. After each full (mark-compact) collection V8 sets the heap size at which the
 * next one starts, as the live heap times a factor it picks between 1.1 and 4 from its measured
 * marking and allocation speeds, aiming at 97% of the time for the program. A server like this one
 * allocates slowly in the old generation (about 8 KB per validation survives the young generation)
 * and marks fast, so V8 picks about 1.15: at 500 validations a second, a full collection every 2.5 s.
 * Each costs 20-45 ms of marking on the event loop within some 70 ms, and requests that arrive then
 * wait: eight in one 20-second window put that window's p99 at 21.5 ms where the others had 4.4-4.6
 * (benchmark, PostgreSQL, 100,000 resources). A fixed factor of 3 (200%) makes them about twenty
 * times rarer at the cost of a heap up to three times the live one (about 140 MB live under the
 * benchmark's load). V8 reads the factor at each collection, so setting it at start-up takes effect
 * from the next one.
 */
import v8 from 'node:v8';
import type { Config } from './config';

let applied: number | undefined;

/** Apply the engine settings of `config` to this process (idempotent; the last call wins). */
export function applyRuntimeSettings(config: Pick<Config, 'HEAP_GROWTH_PERCENT'>): void {
  if (applied === config.HEAP_GROWTH_PERCENT) return;
  v8.setFlagsFromString(`--heap-growing-percent=${config.HEAP_GROWTH_PERCENT}`);
  applied = config.HEAP_GROWTH_PERCENT;
}
