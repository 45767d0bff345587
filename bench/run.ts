/**
 * `npm run bench`: the benchmark suite. Figures, never assertions.
 *
 *   --size N            resources ingested per store (default 100000; --quick 10000)
 *   --quick             small run (~3 min): 10,000 resources, short phases
 *   --seed N            generator seed (default 1)
 *   --concurrency N     concurrent HTTP requests of the load driver (default 8)
 *   --validate-calls N  Claim/$validate calls for the latency figures (default 5000; --quick 1000)
 *   --validate-seconds N  time limit of those calls (default 100; --quick 20): raise it with a large N
 *   --memory-calls N    Claim/$validate calls for the memory figures, in 5 rounds with a heap reading after
 *                       each (default 100000; --quick 2000; 0 skips the phase)
 *   --memory-seconds N  time limit of those calls (default 600; --quick 60)
 *   --validate-rate N   Claim/$validate per second offered in the open-loop phase (default 500; 0 skips it)
 *   --rate-windows N    20-second windows of that phase, back to back, each also summarised (default 3; --quick 1)
 *   --rules-sample N    resources ingested with claim rules on (the default CLAIM_RULES=report)
 *   --stores a,b        postgres,pglite (default both)
 *   --no-medplum        skip the Medplum peer (then no ratios)
 *   --no-validators     skip the in-process validator benchmark
 *   --render NAME       only rewrite results/NAME.md from results/NAME.json (no measuring)
 *   --out NAME          results file name (default latest: bench/results/latest.json and .md)
 *   --phases a,b        store phases after the bulk ingest: rules,read,search,validate,operations,export,import (default all);
 *                       with `node --cpu-prof dist/bench/run.js …` (after `npm run bench` compiled it) this
 *                       profiles one phase
 *
 * Writes bench/results/latest.json and bench/results/latest.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listenMedplum } from './medplum-peer';
import { listenOurs, openBenchStore, withoutContextCache, type StoreKind } from './ours';
import { collect, machine, mb, peakRssMb, ratio, round, rssMb } from './stats';
import { claimValidate, validateMemory, firstAsk, ingest, operations, probe, requests, targets, type SuiteOptions } from './store-bench';
import { validatorBench } from './validator-bench';
import { projectPath } from '../src/paths';
import { storageFootprint } from '../src/store/storage';
import { explain, hotStatements, planShape, seqScans } from '../src/store/plans';
import { parseSearch } from '../src/fhir/search';
import type { Store } from '../src/store';
import { memberYear } from './generate';

interface Cli {
  quick: boolean;
  size: number;
  seed: number;
  concurrency: number;
  validateCalls: number;
  validateSeconds: number;
  memoryCalls: number;
  memorySeconds: number;
  validateRate: number;
  rateWindows: number;
  rulesSample: number;
  stores: StoreKind[];
  medplum: boolean;
  validators: boolean;
  phases: Set<string>;
  databaseUrl: string;
  out: string;
}

function parseArgs(argv: string[]): Cli {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    return argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  };
  const num = (name: string, dflt: number) => {
    const v = value(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} takes a whole number, not ${v}`);
    return n;
  };
  const quick = flag('quick');
  const stores = (value('stores') ?? 'postgres,pglite').split(',').map((s) => s.trim());
  for (const s of stores) if (s !== 'postgres' && s !== 'pglite') throw new Error(`--stores takes postgres and/or pglite, not ${s}`);
  return {
    quick,
    size: num('size', quick ? 10_000 : 100_000),
    seed: num('seed', 1),
    concurrency: num('concurrency', 8),
    validateCalls: num('validate-calls', quick ? 1000 : 5000),
    validateSeconds: num('validate-seconds', quick ? 20 : 100),
    memoryCalls: num('memory-calls', quick ? 2000 : 100_000),
    memorySeconds: num('memory-seconds', quick ? 60 : 600),
    validateRate: num('validate-rate', 500),
    rateWindows: Math.max(1, num('rate-windows', quick ? 1 : 3)),
    rulesSample: num('rules-sample', quick ? 600 : 2000),
    stores: stores as StoreKind[],
    medplum: !flag('no-medplum'),
    validators: !flag('no-validators'),
    phases: new Set((value('phases') ?? 'rules,read,search,validate,operations,export,import').split(',').map((x) => x.trim())),
    out: value('out') ?? 'latest',
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  };
}

/**
 * bench/export.ts (the bulk-export benchmark) is optional: when present, its exportBench() loads the
 * same generated data into a fresh store of its own and times a system-level $export through the real worker.
 */
async function exportBench(o: { size: number; store: StoreKind; databaseUrl: string }): Promise<unknown> {
  // export.js when this suite runs compiled (npm run bench), export.ts under tsx.
  const file = path.join(__dirname, `export${path.extname(__filename)}`);
  if (!existsSync(file)) return undefined;
  // require, not import(): a dynamic import could load ESM twins of modules this process already holds.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { exportBench?: (x: typeof o) => Promise<unknown> };
  if (typeof mod.exportBench !== 'function') return { skipped: 'bench/export.ts exports no exportBench({ size, store, databaseUrl })' };
  try {
    return await mod.exportBench(o);
  } catch (e) {
    return { error: String(e) };
  }
}

/** bench/import.ts (the bulk-import benchmark), optional like bench/export.ts: NDJSON files of the same generated data, one $import job, validation on. */
async function importBench(o: { size: number; store: StoreKind; databaseUrl: string }): Promise<unknown> {
  const file = path.join(__dirname, `import${path.extname(__filename)}`);
  if (!existsSync(file)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { importBench?: (x: typeof o) => Promise<unknown> };
  if (typeof mod.importBench !== 'function') return { skipped: 'bench/import.ts exports no importBench({ size, store, databaseUrl })' };
  try {
    return await mod.importBench(o);
  } catch (e) {
    return { error: String(e) };
  }
}

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function main(): Promise<void> {
  const render = process.argv.indexOf('--render');
  if (render >= 0) {
    const name = process.argv[render + 1] ?? 'latest';
    if (!/^[\w.-]+$/.test(name)) throw new Error(`--render takes a plain file name, not ${name}`);
    const file = projectPath('bench', 'results', `${name}.json`);
    writeFileSync(file.replace(/\.json$/, '.md'), markdown(JSON.parse(readFileSync(file, 'utf8'))));
    return;
  }
  const cli = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const opts: SuiteOptions = {
    size: cli.size, seed: cli.seed, concurrency: cli.concurrency,
    phaseSeconds: cli.quick ? 6 : 20,
    phaseRequests: cli.quick ? 3000 : 30_000,
    ingestSeconds: cli.quick ? 90 : 480,
    validateSeconds: cli.validateSeconds,
    validateRate: cli.validateRate,
    rateWindows: cli.rateWindows,
  };
  const info = machine();
  log(`${cli.quick ? 'quick' : 'full'} run: ${cli.size} resources per store, concurrency ${cli.concurrency}, load ${info.loadAverageAtStart.join(' ')}`);
  const t = targets(opts);
  const results: Record<string, unknown> = {};
  const peak: Record<string, number> = { start: peakRssMb() };

  for (const kind of cli.stores) {
    log(`ours on ${kind}: ingest ${cli.size}`);
    const store = await openBenchStore(kind, cli.databaseUrl);
    // Bulk load with validation on and claim rules off; then the default configuration for everything else.
    const bulk = await listenOurs(store.store, { CLAIM_RULES: 'off' });
    const app = await listenOurs(store.store);
    try {
      const rssBefore = rssMb();
      const bulkIngest = await ingest(bulk.base, opts);
      // What the bulk-loaded data costs on disk, before any other phase writes.
      const storage = await storageFootprint(store.store.sql);
      const plans = await hotQueryPlans(store.store, opts);
      for (const x of plans) log(`  plan of ${x.query}: ${x.shape}${x.seqScans.length ? ` — SEQUENTIAL SCAN of ${x.seqScans.join(', ')}` : ''}`);
      log(`  ${bulkIngest.resourcesPerSecond} resources/s; ${storage.bytesPerResource} bytes per resource stored; ingest with claim rules: ${cli.rulesSample}`);
      const on = (phase: string) => cli.phases.has(phase);
      const checks = { read: await probe(app.base, t.reads[0]), search: await probe(app.base, t.searches[0]), claimValidate: await probe(app.base, t.claims[0]) };
      const rulesIngest = cli.rulesSample && on('rules') ? await ingest(app.base, opts, cli.size, cli.rulesSample) : undefined;
      log(`  ${rulesIngest?.resourcesPerSecond} resources/s; read by id`);
      const read = on('read') ? await requests(app.base, t.reads, opts) : undefined;
      log(`  ${read?.perSecond} reads/s; CarePlan search`);
      const search = on('search') ? await requests(app.base, t.searches, opts) : undefined;
      log(`  ${search?.perSecond} searches/s; Claim/$validate memory over ${cli.memoryCalls} calls`);
      // The memory phase first: it also warms the server (JIT, caches), so the latency phases after it
      // measure the server as it runs, not its first thousand calls.
      const memory = on('validate') && cli.memoryCalls ? await validateMemory(app.base, t.claims, opts, cli.memoryCalls, cli.memorySeconds) : undefined;
      log(`  heap ${memory?.points.map((p) => p.heapMb).join(' → ')} MB at ${memory?.perSecond}/s; Claim/$validate x${cli.validateCalls}`);
      const validate = on('validate') ? await claimValidate(app.base, t.claims, opts, cli.validateCalls) : undefined;
      log(`  ${validate?.validationsPerSecond} validations/s; without the context cache`);
      // The same store served with no change feed: every call gathers its context afresh.
      const uncachedServer = async <T>(measure: (base: string) => Promise<T>): Promise<T> => {
        const plain = await listenOurs(withoutContextCache(store.store));
        try {
          return await measure(plain.base);
        } finally {
          await plain.close();
        }
      };
      const uncached = on('validate')
        ? await uncachedServer((base) => claimValidate(base, t.claims, { ...opts, validateRate: 0 }, Math.min(cli.validateCalls, 300)))
        : undefined;
      log(`  ${uncached?.validationsPerSecond} validations/s; operations`);
      const ops = on('operations') ? await operations(app.base, t, opts) : undefined;
      log('  CarePlan/$compliance without the context cache');
      const complianceFirstAsk = on('operations') ? await uncachedServer((base) => firstAsk(base, t.operations.compliance, opts, 300)) : undefined;
      results[kind] = {
        store: store.store.description,
        ingest: { ...bulkIngest, config: 'VALIDATE_ON_WRITE=profile, CLAIM_RULES=off' },
        storage, hotQueryPlans: plans,
        ingestWithClaimRules: rulesIngest && { ...rulesIngest, config: 'VALIDATE_ON_WRITE=profile, CLAIM_RULES=report (defaults)' },
        checks, readById: read, carePlanSearch: search && { query: t.searches[0].path, ...search }, claimValidate: validate, claimValidateMemory: memory,
        claimValidateWithoutContextCache: uncached && { ...uncached, config: 'no change feed: every call gathers its context afresh' }, operations: ops,
        complianceWithoutContextCache: complianceFirstAsk && { ...complianceFirstAsk, config: 'no change feed: every call gathers its context and computes every answer afresh' },
        rssMb: { before: rssBefore, after: rssMb() }, peakRssMbSoFar: peakRssMb(),
      };
    } finally {
      await bulk.close();
      await app.close();
      await store.close();
    }
    collect();
    peak[kind] = peakRssMb();
    if (cli.phases.has('export')) {
      log(`  bulk $export of ${cli.size} (bench/export.ts, its own store)`);
      const exported = await exportBench({ size: cli.size, store: kind, databaseUrl: cli.databaseUrl });
      if (exported !== undefined) (results[kind] as Record<string, unknown>).export = exported;
      collect();
    }
    if (cli.phases.has('import')) {
      log(`  bulk $import of ${cli.size} (bench/import.ts, its own store)`);
      const imported = await importBench({ size: cli.size, store: kind, databaseUrl: cli.databaseUrl });
      if (imported !== undefined) (results[kind] as Record<string, unknown>).import = imported;
      collect();
    }
  }

  if (cli.medplum) {
    log(`medplum (no validation): ingest ${cli.size}`);
    const raw = await listenMedplum({ validate: false });
    const rawIngest = await ingest(raw.base, opts);
    await raw.close();
    raw.repo.clear();
    collect();
    log(`  ${rawIngest.resourcesPerSecond} resources/s; medplum (validateResource on write): ingest ${cli.size}`);
    const mp = await listenMedplum({ validate: true });
    try {
      const rssBefore = rssMb();
      const mpIngest = await ingest(mp.base, opts);
      log(`  ${mpIngest.resourcesPerSecond} resources/s; read by id`);
      const checks = { read: await probe(mp.base, t.reads[0]), search: await probe(mp.base, t.searches[0]) };
      const read = await requests(mp.base, t.reads, opts);
      log(`  ${read.perSecond} reads/s; CarePlan search`);
      const search = await requests(mp.base, t.searches, opts);
      log(`  ${search.perSecond} searches/s`);
      results.medplum = {
        store: '@medplum/fhir-router MemoryRepository (in memory), behind node:http',
        ingest: { ...mpIngest, config: 'validateResource (base R4) on every entry before routing' },
        ingestWithoutValidation: rawIngest,
        checks, readById: read, carePlanSearch: search,
        rssMb: { before: rssBefore, after: rssMb() }, peakRssMbSoFar: peakRssMb(),
      };
    } finally {
      await mp.close();
      mp.repo.clear();
    }
    peak.medplum = peakRssMb();
  }

  log('validators');
  const validators = cli.validators ? await validatorBench({ seconds: cli.quick ? 1 : 3, coldSamples: cli.quick ? 1 : 3 }) : undefined;
  peak.end = peakRssMb();

  const ratios: Record<string, unknown> = {};
  const m = results.medplum as { ingest: { resourcesPerSecond: number }; readById: { perSecond: number }; carePlanSearch: { perSecond: number } } | undefined;
  if (m) {
    for (const kind of cli.stores) {
      const o = results[kind] as { ingest: { resourcesPerSecond: number }; readById: { perSecond: number }; carePlanSearch: { perSecond: number } };
      ratios[kind] = {
        ingest: ratio(o.ingest.resourcesPerSecond, m.ingest.resourcesPerSecond),
        readById: o.readById ? ratio(o.readById.perSecond, m.readById.perSecond) : null,
        carePlanSearch: o.carePlanSearch ? ratio(o.carePlanSearch.perSecond, m.carePlanSearch.perSecond) : null,
      };
    }
  }

  const report = {
    generatedAt: new Date().toISOString(),
    mode: cli.quick ? 'quick' : 'full',
    settings: { ...cli, databaseUrl: cli.stores.includes('postgres') ? cli.databaseUrl.replace(/\/\/[^@]*@/, '//***@') : undefined, ...opts, completeMembers: t.members },
    machine: { ...info, loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)) },
    method: [
      'Servers listen on 127.0.0.1; a worker thread drives them over HTTP/1.1 keep-alive (node:http Agent) at a fixed concurrency; every phase stops at its request cap or time limit.',
      'Data: bench/generate.ts (seeded): members with a year of ≈150 sessions, notes and claims, an RRWP with four reviews; ten members per provider and staff; transaction Bundles of 100 PUT entries.',
      'Ours: buildServer (src/server.ts) on a fresh PostgreSQL schema (dropped after) or in-memory PGlite, in this process. Medplum: @medplum/fhir-router FhirRouter + MemoryRepository behind node:http, in this process, same driver.',
      'Peak RSS is of this one process, which hosts every server in turn (and the PGlite database when it runs).',
    ],
    results,
    ratiosOursOverMedplum: ratios,
    validators,
    peakRssMb: peak,
    totalSeconds: round((performance.now() - started) / 1000),
  };
  const dir = projectPath('bench', 'results');
  mkdirSync(dir, { recursive: true });
  if (!/^[\w.-]+$/.test(cli.out)) throw new Error(`--out takes a plain file name, not ${cli.out}`);
  writeFileSync(path.join(dir, `${cli.out}.json`), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(path.join(dir, `${cli.out}.md`), markdown(report));
  log(`done in ${report.totalSeconds} s: bench/results/${cli.out}.json and .md`);
  process.stdout.write(markdown(report));
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function markdown(r: any): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(`### Benchmarks (${r.mode} run, ${r.generatedAt.slice(0, 10)})`, '');
  lines.push(`${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}; Node ${m.node}; PostgreSQL ${m.postgresServer ?? 'n/a'}; PGlite ${m.packages['@electric-sql/pglite']}; Medplum ${m.packages['@medplum/fhir-router']}. ` +
    `Load average at start ${m.loadAverageAtStart.join(' / ')}, at end ${m.loadAverageAtEnd.join(' / ')}. ${r.settings.size.toLocaleString('en-US')} resources per store, concurrency ${r.settings.concurrency}, all over HTTP on loopback.`, '');
  const kinds = ['postgres', 'pglite', 'medplum'].filter((k) => r.results[k]);
  const name = (k: string) => ({ postgres: 'ours, PostgreSQL', pglite: 'ours, PGlite', medplum: 'Medplum 4.5 (memory)' })[k];
  const cell = (x: any, f: (y: any) => string) => (x ? f(x) : '—');
  lines.push(`| | ${kinds.map(name).join(' | ')} |`, `|---|${kinds.map(() => '---:').join('|')}|`);
  const row = (label: string, f: (k: string) => string) => lines.push(`| ${label} | ${kinds.map(f).join(' | ')} |`);
  row('transaction ingest, resources/s (validation on)', (k) => cell(r.results[k].ingest, (x) => `${x.resourcesPerSecond}${x.resources < r.settings.size ? ` (${x.resources} stored)` : ''}`));
  row('… with claim rules (CLAIM_RULES=report), resources/s', (k) => cell(r.results[k].ingestWithClaimRules, (x) => String(x.resourcesPerSecond)));
  row('… Medplum without validation, resources/s', (k) => cell(r.results[k].ingestWithoutValidation, (x) => String(x.resourcesPerSecond)));
  row('read by id, requests/s', (k) => cell(r.results[k].readById, (x) => String(x.perSecond)));
  row('read by id, p50 / p99 ms', (k) => cell(r.results[k].readById, (x) => `${x.p50Ms} / ${x.p99Ms}`));
  row('CarePlan?subject&date=ge, requests/s', (k) => cell(r.results[k].carePlanSearch, (x) => String(x.perSecond)));
  row('CarePlan search, p50 / p99 ms', (k) => cell(r.results[k].carePlanSearch, (x) => `${x.p50Ms} / ${x.p99Ms}`));
  row('Claim/$validate (a year of history), validations/s', (k) => cell(r.results[k].claimValidate, (x) => String(x.validationsPerSecond)));
  row('… over the memory phase (same concurrency), validations/s', (k) => cell(r.results[k].claimValidateMemory, (x) => `${x.perSecond} over ${x.calls.toLocaleString('en-US')}`));
  row('Claim/$validate, p50 / p99 ms', (k) => cell(r.results[k].claimValidate, (x) => `${x.p50Ms} / ${x.p99Ms}`));
  row('Claim/$validate one at a time, p50 / p99 ms', (k) => cell(r.results[k].claimValidate?.single, (x) => `${x.p50Ms} / ${x.p99Ms}`));
  row(`Claim/$validate at ${r.settings.validateRate}/s offered (open loop): served/s, p50 / p99 ms`, (k) => cell(r.results[k].claimValidate?.atRate, (x) => `${x.perSecond}, ${x.p50Ms} / ${x.p99Ms}${x.errors ? ` (${x.errors} errors)` : ''}`));
  if (kinds.some((k) => r.results[k].claimValidate?.atRate?.windows)) {
    row('… p99 of each 20-second window, ms', (k) => cell(r.results[k].claimValidate?.atRate?.windows, (ws) => ws.map((w: any) => w.p99Ms).join(', ')));
  }
  if (kinds.some((k) => r.results[k].claimValidate?.atRate?.serverGc)) {
    row('… server garbage collections meanwhile: full (pause ms), young (ms), longest pause ms', (k) => cell(r.results[k].claimValidate?.atRate?.serverGc, (g) => `${g.full} (${g.fullMs}), ${g.scavenges} (${g.scavengeMs}), ${g.longestPauseMs}`));
  }
  row('… without the context cache, validations/s (p50 / p99 ms)', (k) => cell(r.results[k].claimValidateWithoutContextCache, (x) => `${x.validationsPerSecond} (${x.p50Ms} / ${x.p99Ms})`));
  const opNames: Record<string, string> = { compliance: 'CarePlan/$compliance', utilization: 'Patient/$utilization', caseload: 'PractitionerRole/$caseload', encounterRules: 'Encounter/[id]/$validate' };
  for (const [op, label] of Object.entries(opNames)) {
    row(`${label} one at a time, p50 / p99 ms`, (k) => cell(r.results[k].operations?.[op]?.single, (x) => `${x.p50Ms} / ${x.p99Ms}`));
    row(`${label} at concurrency ${r.settings.concurrency}, requests/s (p99 ms)`, (k) => cell(r.results[k].operations?.[op]?.loaded, (x) => `${x.perSecond} (${x.p99Ms})`));
    if (op === 'compliance') row('… without the context cache (every answer computed afresh), one at a time, p50 / p99 ms', (k) => cell(r.results[k].complianceWithoutContextCache, (x) => `${x.p50Ms} / ${x.p99Ms}`));
  }
  // Runs before the memory phase kept the drift beside the latency figures, over the same calls.
  row('Claim/$validate memory: heap after each round (full GC), MB; RSS drift', (k) => {
    const m = r.results[k].claimValidateMemory;
    if (m) return `${m.points.map((p: any) => p.heapMb).join(' → ')} over ${m.calls.toLocaleString('en-US')} calls; RSS ${m.rssDriftMb > 0 ? '+' : ''}${m.rssDriftMb}`;
    return cell(r.results[k].claimValidate?.memory, (x) => `heap ${x.heapDriftMb}, RSS ${x.rssDriftMb} over ${r.results[k].claimValidate.calls} calls`);
  });
  row('bulk $export, resources/s (bench/export.ts)', (k) => cell(r.results[k].export, (x) => (x.resourcesPerSecond ? `${x.resourcesPerSecond} (${x.resources} in ${x.exportSeconds} s, peak RSS ${x.rssPeakDuringExportMb} MB)` : String(x.error ?? x.skipped))));
  row('bulk $import, resources/s, validation on (bench/import.ts)', (k) => cell(r.results[k].import, (x) => (x.resourcesPerSecond ? `${x.resourcesPerSecond} (${x.resources} in ${x.importSeconds} s, peak RSS ${x.rssPeakDuringImportMb} MB)` : String(x.error ?? x.skipped))));
  row('storage after the bulk ingest: bytes per resource (resources, versions; total MB)', (k) => cell(r.results[k].storage, (x) => `${x.bytesPerResource} (${x.resources}, ${x.versions}; ${mb(x.totalBytes)})`));
  if (kinds.some((k) => r.results[k].storage)) {
    row('… of which per table: data + indexes, bytes per resource', (k) => cell(r.results[k].storage, (x) =>
      x.tables.filter((tb: any) => tb.totalBytes > 0).map((tb: any) => `${tb.table} ${Math.round(tb.dataBytes / x.resources)}+${Math.round(tb.indexBytes / x.resources)}`).join(', ')));
  }
  row('peak RSS of the process after this phase, MB', (k) => String(r.peakRssMb[k] ?? '—'));
  lines.push('');
  for (const k of kinds) {
    const plans = r.results[k].hotQueryPlans as { query: string; shape: string; seqScans: string[] }[] | undefined;
    if (!plans?.length) continue;
    lines.push(`Hot query plans on ${name(k)} after the bulk ingest (statistics as the server left them):`, '');
    lines.push('| query | plan | sequential scans of large tables |', '|---|---|---|');
    for (const x of plans) lines.push(`| ${x.query} | ${x.shape} | ${x.seqScans.join(', ') || 'none'} |`);
    lines.push('');
  }
  const ratioKinds = Object.keys(r.ratiosOursOverMedplum);
  if (ratioKinds.length) {
    lines.push('Throughput ratios ours / Medplum (same run; > 1 means ours is faster). Medplum validates base R4 on write; ours validates base R4 and our profiles:', '');
    lines.push('| | ingest | read by id | CarePlan search |', '|---|---:|---:|---:|');
    for (const k of ratioKinds) {
      const x = r.ratiosOursOverMedplum[k];
      lines.push(`| ${name(k)} | ${x.ingest} | ${x.readById} | ${x.carePlanSearch} |`);
    }
    lines.push('');
  }
  const v = r.validators;
  if (v) {
    lines.push('Validators, in process (validations/s; ours = structure + our profile, as on the write path):', '');
    lines.push('| input | ours | Medplum base R4 | Medplum + our profile | ours / Medplum base | ours / Medplum profile |', '|---|---:|---:|---:|---:|---:|');
    for (const x of v.throughput) lines.push(`| ${x.input} | ${x.oursPerSecond} | ${x.medplumBasePerSecond} | ${x.medplumProfilePerSecond} | ${x.ratioVsMedplumBase} | ${x.ratioVsMedplumProfile} |`);
    lines.push('');
    lines.push(`Cold start (fresh process, load and compile every definition, first validation): ours ${v.coldStart.ours.firstValidationMs} ms, Medplum ${v.coldStart.medplum.firstValidationMs} ms (ours takes ${v.coldStart.ratio}× Medplum's time; median of ${v.coldStart.ours.samples}).` +
      ' Medplum\'s validateResource(r, { profile }) parses the StructureDefinition on every call (its API; its server does the same per write).' +
        (v.medplumFalseErrorsOn.length ? ` Medplum 4.5 reports false errors on our ${v.medplumFalseErrorsOn.join(', ')} profiles (extension slices not matched); those timings include its throw.` : ''), '');
  }
  for (const n of r.notes ?? []) lines.push(`Note: ${n}`, '');
  lines.push(`Total run time ${Math.round(r.totalSeconds)} s. Figures from \`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\`; see bench/results/${r.settings.out ?? 'latest'}.json for every number.`, '');
  return lines.join('\n');
}

/** Each hot statement's plan shape (src/store/plans.ts), with values from the bench's first member. */
async function hotQueryPlans(store: Store, opts: SuiteOptions): Promise<{ query: string; shape: string; seqScans: string[] }[]> {
  const y = memberYear(0, opts.seed);
  const member = `Patient/${y.scenario.member.id}`;
  const parse = (type: string, query: string) => parseSearch(type, [...new URLSearchParams(query).entries()], { strict: true, defaultCount: 50, maxCount: 1000 });
  const day = y.sessions[0].period!.start!.slice(0, 10);
  const statements = await hotStatements(store.sql, store.repo, {
    resource: member,
    searches: [
      ['CarePlan?subject&date=ge (the bench search)', parse('CarePlan', `subject=${member}&date=ge2026-03-01`)],
      ['Claim?identifier (token)', parse('Claim', `identifier=${y.claims[0].identifier![0].system}|${y.claims[0].identifier![0].value}`)],
      ['Encounter?subject (reference)', parse('Encounter', `subject=${member}`)],
      ['Encounter?date (one day)', parse('Encounter', `date=ge${day}&date=le${day}`)],
    ],
    member,
    memberReads: [member, `Coverage/${y.scenario.coverage.id}`, `CarePlan/${y.plan.id}`],
    memberTypes: ['Encounter', 'Claim', 'CarePlan', 'Coverage'],
    prsRole: `PractitionerRole/${y.scenario.prsRole.id}`,
    window: { from: day.slice(0, 8) + '01', to: day.slice(0, 8) + '28' },
    exportType: 'Encounter',
    exportPageSize: 1000,
  });
  const out: { query: string; shape: string; seqScans: string[] }[] = [];
  for (const [query, q] of statements) {
    const plan = await explain(store.sql, q);
    out.push({ query, shape: planShape(plan), seqScans: seqScans(plan) });
  }
  return out;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
