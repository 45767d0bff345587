/**
 * Process-wide settings of the JavaScript engine, applied once by the process that serves (main.ts,
 * and the benchmark, which serves as main.ts does). Both are about full (mark-compact) garbage
 * collections: each costs this server 20-45 ms of marking on the event loop within some 70 ms, and
 * the requests that arrive meanwhile wait. Measured at 500 Claim/$validate calls a second
 * (PostgreSQL, 100,000 resources ingested by the same process, figures per 20-second window):
 *
 * Allocation-site pretenuring is turned off. V8 watches which allocation sites make objects that
 * survive young collections and from then on allocates theirs straight in the old generation, where
 * only a full collection frees them. An ingest makes the request path's own sites (the router, the
 * response writer, the PostgreSQL client's buffers) look long-lived, since a 1,000-entry transaction
 * holds what they make for hundreds of milliseconds; V8 tenures them and does not go back. After an
 * ingest, 18.4 KB per validation reached the old generation (sampled); with pretenuring off, 1.7 KB.
 *
 * HEAP_GROWTH_PERCENT fixes the heap growing factor. After each full collection V8 sets the heap size
 * at which the next one starts, as the live heap times a factor it picks between 1.1 and 4 from its
 * measured marking and allocation speeds, aiming at 97% of the time for the program. This server
 * allocates slowly in the old generation and marks fast, so V8 picked about 1.15: a full collection
 * every 2.5 s, eight in one window, whose p99 was 21.5 ms where the windows before had 4.4-4.6. At
 * 200% (a heap of up to three times the live one, about 140 MB live under that load) they came every
 * 26-37 s; with pretenuring off as well, none came in the 74 s of the benchmark's latency phases.
 * V8 still keeps each limit at most halfway from the live heap to the heap's maximum
 * (--max-old-space-size), so in a memory-limited container that maximum, set as usual, bounds what
 * this costs. V8 reads both flags as it goes, so setting them at start-up takes effect from then on.
 */
import v8 from 'node:v8';
import type { Config } from './config';

/** Apply the engine settings of `config` to this process (calling it again is harmless; the last call wins). */
export function applyRuntimeSettings(config: Pick<Config, 'HEAP_GROWTH_PERCENT'>): void {
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
  v8.setFlagsFromString(`--heap-growing-percent=${config.HEAP_GROWTH_PERCENT}`);
}
