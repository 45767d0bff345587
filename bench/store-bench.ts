/**
 * The store suite, run against any base URL (ours on PostgreSQL or PGlite, or the Medplum peer):
 * transaction ingest, read by id, the CarePlan search, and for ours Claim/$validate with memory
 * drift. All requests go over HTTP on loopback through the worker load driver.
 */
import { completeMembers, memberYear } from './generate';
import { runLoad, type LoadResult, type RequestSpec } from './load';
import { prng } from './generate';
import { collect, mb, rssMb, round, withGcSummary, type LatencySummary } from './stats';

export interface SuiteOptions {
  size: number;
  seed: number;
  concurrency: number;
  /** Time limit of each request phase (read, search), seconds. */
  phaseSeconds: number;
  /** Request cap of each request phase. */
  phaseRequests: number;
  /** Time limit of the ingest phase, seconds (the run records how far it got). */
  ingestSeconds: number;
  /** Time limit of the Claim/$validate phase, seconds. */
  validateSeconds: number;
  /** Claim/$validate requests per second offered in the open-loop phase (0: skip it). */
  validateRate: number;
  /** Consecutive 20-second windows of that phase, each summarised on its own as well (default 1). */
  rateWindows?: number;
}

export interface Targets {
  reads: RequestSpec[];
  searches: RequestSpec[];
  claims: RequestSpec[];
  /** The plan, member and PRS operations, asked about the members whose claims are validated, on those claims' dates. */
  operations: Record<'compliance' | 'utilization' | 'caseload' | 'encounterRules', RequestSpec[]>;
  members: number;
}

/** Deterministic request lists over the members the ingested data covers completely. */
export function targets(opts: Pick<SuiteOptions, 'size' | 'seed'>, count = 2000): Targets {
  const members = Math.max(1, completeMembers(opts.size, 10, opts.seed));
  const years = Array.from({ length: members }, (_, i) => memberYear(i, opts.seed));
  const rnd = prng(opts.seed + 17);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const reads: RequestSpec[] = [];
  for (let i = 0; i < count; i++) {
    const y = pick(years);
    const r = pick(y.resources);
    reads.push({ method: 'GET', path: `${r.resourceType}/${r.id}` });
  }
  const searches = years.map((y): RequestSpec => ({ method: 'GET', path: `CarePlan?subject=Patient/${y.scenario.member.id}&date=ge2026-03-01` }));
  // A claim near the end of each member's year: a full year of sessions, claims, notes and four reviews behind it.
  const claims = years.slice(0, 20).map((y): RequestSpec => ({ method: 'POST', path: 'Claim/$validate', body: JSON.stringify(y.claims[y.claims.length - 5]) }));
  const asked = years.slice(0, 20).map((y) => ({ y, day: y.claims[y.claims.length - 5].item![0].servicedDate! }));
  const operations = {
    compliance: asked.map(({ y, day }): RequestSpec => ({ method: 'GET', path: `CarePlan/${y.plan.id}/$compliance?date=${day}` })),
    utilization: asked.map(({ y, day }): RequestSpec => ({ method: 'GET', path: `Patient/${y.scenario.member.id}/$utilization?date=${day}` })),
    caseload: asked.map(({ y, day }): RequestSpec => ({ method: 'GET', path: `PractitionerRole/${y.scenario.prsRole.id}/$caseload?date=${day}` })),
    encounterRules: asked.map(({ y }): RequestSpec => ({ method: 'POST', path: `Encounter/${y.sessions[y.sessions.length - 5].id}/$validate` })),
  };
  return { reads, searches, claims, operations, members };
}

/** A latency summary as the results file names it. */
const latencyMs = (l: LatencySummary) => ({ p50Ms: l.p50, p90Ms: l.p90, p99Ms: l.p99, maxMs: l.max });

const brief = (r: LoadResult) => ({
  requests: r.requests, perSecond: round(r.perSecond), ...latencyMs(r.latency),
  errors: r.errors, ...(r.firstError ? { firstError: r.firstError } : {}), timedOut: r.timedOut,
  // Open loop: how late the driver itself sent requests (its stalls count in the latencies above).
  ...(r.sendLateness ? { driverSendLateP99Ms: r.sendLateness.p99, driverSendLateMaxMs: r.sendLateness.max } : {}),
});

export async function ingest(base: string, opts: SuiteOptions, from = 0, size = opts.size) {
  const r = await runLoad({ kind: 'ingest', base, from, size, seed: opts.seed, concurrency: opts.concurrency, maxSeconds: opts.ingestSeconds });
  return { resources: r.resources, bundles: r.requests, seconds: round(r.seconds, 2), resourcesPerSecond: round(r.perSecond), bundleP50Ms: r.latency.p50, bundleP99Ms: r.latency.p99, errors: r.errors, ...(r.firstError ? { firstError: r.firstError } : {}), timedOut: r.timedOut };
}

export async function requests(base: string, specs: RequestSpec[], opts: SuiteOptions, maxRequests = opts.phaseRequests) {
  const r = await runLoad({ kind: 'requests', base, requests: specs, concurrency: opts.concurrency, maxRequests, maxSeconds: opts.phaseSeconds, warmup: Math.min(50, specs.length) });
  return brief(r);
}

/** One request before the load, so the figures are known to measure a working operation: status and result size. */
export async function probe(base: string, spec: RequestSpec): Promise<{ status: number; resourceType?: string; entries?: number; total?: number; issues?: string[] }> {
  if (new URL(base).hostname !== '127.0.0.1') throw new Error('probes go to 127.0.0.1 only');
  const res = await fetch(`${base}/${spec.path}`, { method: spec.method, body: spec.body, headers: { accept: 'application/fhir+json', ...(spec.body ? { 'content-type': 'application/fhir+json' } : {}) } });
  const body = (await res.json()) as { resourceType?: string; entry?: unknown[]; total?: number; issue?: { severity: string; details?: { coding?: { code?: string }[] } }[] };
  if (body.resourceType === 'Bundle') return { status: res.status, resourceType: 'Bundle', entries: body.entry?.length ?? 0, total: body.total };
  if (body.resourceType === 'OperationOutcome') return { status: res.status, resourceType: 'OperationOutcome', issues: (body.issue ?? []).map((i) => `${i.severity}${i.details?.coding?.[0]?.code ? ` ${i.details.coding[0].code}` : ''}`) };
  return { status: res.status, resourceType: body.resourceType };
}

/**
 * Each operation over a full year of data: latency one request at a time (what a billing specialist
 * waits), then throughput at the suite's concurrency.
 */
export async function operations(base: string, t: Targets, opts: SuiteOptions) {
  const out: Record<string, unknown> = {};
  for (const [name, specs] of Object.entries(t.operations)) {
    const single = await runLoad({ kind: 'requests', base, requests: specs, concurrency: 1, maxRequests: Math.min(opts.phaseRequests, 2000), maxSeconds: opts.phaseSeconds / 2, warmup: specs.length });
    const loaded = await runLoad({ kind: 'requests', base, requests: specs, concurrency: opts.concurrency, maxRequests: opts.phaseRequests, maxSeconds: opts.phaseSeconds / 2 });
    out[name] = { path: specs[0].path, single: brief(single), loaded: brief(loaded) };
  }
  return out;
}

/**
 * Requests one at a time on a server whose store has no change feed, so every call gathers its
 * context afresh and keeps nothing: what a question costs the first time it is asked.
 */
export async function firstAsk(base: string, specs: RequestSpec[], opts: SuiteOptions, calls: number) {
  return brief(await runLoad({ kind: 'requests', base, requests: specs, concurrency: 1, maxRequests: calls, maxSeconds: opts.phaseSeconds / 2, warmup: Math.min(5, specs.length) }));
}

/** One call of each request first: compile-once work (rule packs, profiles) and first gathers are not counted. */
const oneEach = (base: string, specs: RequestSpec[]) =>
  runLoad({ kind: 'requests', base, requests: specs, concurrency: 1, maxRequests: specs.length, maxSeconds: 120 });

/** Claim/$validate at the suite's concurrency (latency and throughput), one at a time, and at a fixed rate. */
export async function claimValidate(base: string, specs: RequestSpec[], opts: SuiteOptions, calls: number) {
  await oneEach(base, specs);
  const r = await runLoad({ kind: 'requests', base, requests: specs, concurrency: opts.concurrency, maxRequests: calls, maxSeconds: opts.validateSeconds });
  // One request at a time: the latency of a single call, without queueing behind seven others.
  const single = await runLoad({ kind: 'requests', base, requests: specs, concurrency: 1, maxRequests: Math.min(calls, 2000), maxSeconds: opts.validateSeconds / 4 });
  // A fixed arrival rate (open loop), as payers' traffic arrives: latency at that throughput, counted
  // from when each request was due. Up to 64 in flight, so an overloaded server shows as latency.
  // Several windows of 20 s back to back: the figure of each shows how often a stall sets the p99.
  const seconds = Math.min(20, opts.validateSeconds / 4);
  const windowRequests = Math.round(opts.validateRate * seconds);
  const windows = opts.rateWindows ?? 1;
  // With the server's garbage collections over the same time (the server runs on this thread).
  const open = opts.validateRate
    ? await withGcSummary(() => runLoad({ kind: 'requests', base, requests: specs, concurrency: 64, rate: opts.validateRate, maxRequests: windowRequests * windows, maxSeconds: seconds * windows + 10, windowRequests }))
    : undefined;
  const atRate = open?.result;
  return {
    ...brief(r), validationsPerSecond: round(r.perSecond), calls: r.requests, single: brief(single),
    atRate: atRate && {
      offeredPerSecond: opts.validateRate, ...brief(atRate),
      ...(atRate.windows && atRate.windows.length > 1 ? { windowSeconds: seconds, windows: atRate.windows.map((w) => ({ requests: w.n, ...latencyMs(w) })) } : {}),
      serverGc: open?.gc,
    },
  };
}

/**
 * Memory over many Claim/$validate calls at the suite's concurrency, in `rounds` equal rounds: after
 * each, a full GC and a reading of the heap and RSS of this (the server's) process. Flat means the
 * heap after the last round is where it was after the first, not only at the ends.
 */
export async function validateMemory(base: string, specs: RequestSpec[], opts: SuiteOptions, calls: number, maxSeconds: number, rounds = 5) {
  await oneEach(base, specs);
  const reading = (done: number) => {
    collect();
    return { calls: done, heapMb: mb(process.memoryUsage().heapUsed), rssMb: rssMb() };
  };
  const points = [reading(0)];
  let done = 0;
  let errors = 0;
  let seconds = 0;
  for (let i = 0; i < rounds; i++) {
    const r = await runLoad({ kind: 'requests', base, requests: specs, concurrency: opts.concurrency, maxRequests: Math.ceil(calls / rounds), maxSeconds: maxSeconds / rounds });
    done += r.requests;
    errors += r.errors;
    seconds += r.seconds;
    points.push(reading(done));
  }
  const first = points[1];
  const last = points[points.length - 1];
  return {
    calls: done, errors, perSecond: round(done / seconds), points,
    heapDriftMb: round(last.heapMb - points[0].heapMb), rssDriftMb: round(last.rssMb - points[0].rssMb),
    // After the first round the caches are full: what grows after that is what a long run accumulates.
    heapDriftAfterFirstRoundMb: round(last.heapMb - first.heapMb),
  };
}
