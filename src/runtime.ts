/**
 * The JavaScript engine's settings for the process that serves: given on the `node` command line
 * (`npm start`, the Dockerfile's CMD, `npm run bench`), never set at run time: Node documents
 * v8.setFlagsFromString after start-up as unreliable, and on Node 24 the tests of these two settings,
 * set that way, failed. Both are about full (mark-compact) garbage collections: each costs this
 * server 20-45 ms of marking on the event loop within some 70 ms, and the requests that arrive
 * meanwhile wait. Measured at 500 Claim/$validate calls a second
 * (PostgreSQL, 100,000 resources ingested by the same process, figures per 20-second window):
 *
 * Allocation-site pretenuring is turned off. V8 watches which allocation sites make objects that
 * survive young collections and from then on allocates theirs straight in the old generation, where
 * only a full collection frees them. An ingest makes the request path's own sites (the router, the
 * response writer, the PostgreSQL client's buffers) look long-lived, since a 1,000-entry transaction
 * holds what they make for hundreds of milliseconds; V8 tenures them and does not go back. After an
 * ingest, 18.4 KB per validation reached the old generation (sampled); with pretenuring off, 1.7 KB.
 *
 * --heap-growing-percent fixes the heap growing factor. After each full collection V8 sets the heap
 * size at which the next one starts, as the live heap times a factor it picks between 1.1 and 4 from its
 * measured marking and allocation speeds, aiming at 97% of the time for the program. This server
 * allocates slowly in the old generation and marks fast, so V8 picked about 1.15: a full collection
 * every 2.5 s, eight in one window, whose p99 was 21.5 ms where the windows before had 4.4-4.6. At
 * 200% (a heap of up to three times the live one, about 140 MB live under that load) they came every
 * 26-37 s; with pretenuring off as well, none came in the 74 s of the benchmark's latency phases.
 * V8 still keeps each limit at most halfway from the live heap to the heap's maximum
 * (--max-old-space-size), so in a memory-limited container that maximum, set as usual, bounds what
 * this costs. To change either, run `node` with other values (flags given later win).
 */

/** The engine flags the server runs with; tests check each command line that starts a server carries them. */
export const ENGINE_FLAGS: readonly string[] = Object.freeze(['--no-allocation-site-pretenuring', '--heap-growing-percent=200']);

/** The ENGINE_FLAGS missing from this process's command line (main.ts warns about them at start). */
export function missingEngineFlags(execArgv: readonly string[] = process.execArgv): string[] {
  const name = (f: string) => f.split('=')[0].replace(/^--no-/, '--');
  return ENGINE_FLAGS.filter((f) => !execArgv.some((a) => name(a) === name(f)));
}
