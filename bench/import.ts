/**
 * $import throughput: write N generated PRSS resources (default 200,000) as NDJSON files (one per
 * type) under a scratch IMPORT_DIR, then run one import job through the real worker into a fresh
 * PostgreSQL schema (or PGlite), with validation on (VALIDATE_ON_WRITE=profile) and the claim rules
 * per CLAIM_RULES (default report). Reports resources stored per second and the process's resident
 * memory while it ran. Figures, never assertions.
 *
 *   npx tsx bench/import.ts [--size N] [--store postgres|pglite] [--database-url URL] [--batch N] [--validate profile|structure|off] [--claim-rules report|enforce|off]
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBulkExport } from '../src/bulk';
import { initialImportProgress, type ImportProgress, type ImportSpec } from '../src/bulk/import';
import { loadConfig } from '../src/config';
import type { FhirDeps } from '../src/fhir/types';
import { createLogger } from '../src/http/logger';
import { claimWriteCheck, resourceValidator } from '../src/server';
import { resources } from './generate';
import { openBenchStore, type StoreKind } from './ours';
import { mb, peakRssMb, round, rssMb } from './stats';

export interface ImportBenchResult {
  store: StoreKind;
  resources: number;
  refused: number;
  importSeconds: number;
  resourcesPerSecond: number;
  files: number;
  validate: string;
  claimRules: string;
  batch: number;
  rssBeforeMb: number;
  rssPeakDuringImportMb: number;
  heapPeakDuringImportMb: number;
  processPeakRssMb: number;
}

/** Write the generated resources as one NDJSON file per type; returns the inputs. */
async function writeFiles(dir: string, size: number): Promise<{ type: string; url: string }[]> {
  const streams = new Map<string, ReturnType<typeof createWriteStream>>();
  for (const r of resources({ size, seed: 1 })) {
    let s = streams.get(r.resourceType);
    if (!s) {
      s = createWriteStream(path.join(dir, `${r.resourceType}.ndjson`));
      streams.set(r.resourceType, s);
    }
    if (!s.write(`${JSON.stringify(r)}\n`)) await new Promise<void>((ok) => s.once('drain', () => ok()));
  }
  await Promise.all([...streams.values()].map((s) => new Promise<void>((ok) => s.end(() => ok()))));
  return [...streams.keys()].map((type) => ({ type, url: pathToFileURL(path.join(dir, `${type}.ndjson`)).href }));
}

export async function importBench(o: {
  size: number; store: StoreKind; databaseUrl: string; batch?: number; validate?: 'profile' | 'structure' | 'off'; claimRules?: 'report' | 'enforce' | 'off';
}): Promise<ImportBenchResult> {
  const bench = await openBenchStore(o.store, o.databaseUrl);
  const dir = mkdtempSync(path.join(tmpdir(), 'import-bench-'));
  try {
    const inputs = await writeFiles(dir, o.size);
    const validate = o.validate ?? 'profile';
    const claimRules = o.claimRules ?? 'report';
    const batch = o.batch ?? 500;
    const config = loadConfig({
      EXPORT_DIR: path.join(dir, 'jobs'), IMPORT_DIR: dir, IMPORT_BATCH_SIZE: String(batch), VALIDATE_ON_WRITE: validate, CLAIM_RULES: claimRules, LOG_LEVEL: 'silent', DEMO: 'off',
    });
    const deps = {
      repo: bench.store.repo, config, readOnlyTypes: new Set<string>(), validator: resourceValidator(), claimCheck: claimWriteCheck(config),
    } as unknown as FhirDeps;
    const bulk = createBulkExport({ sql: bench.store.sql, deps, logger: createLogger('silent'), baseUrl: 'http://localhost/fhir', pollMs: 20 });
    global.gc?.();
    const rssBeforeMb = rssMb();
    let rssPeak = rssBeforeMb;
    let heapPeak = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      rssPeak = Math.max(rssPeak, mb(m.rss));
      heapPeak = Math.max(heapPeak, mb(m.heapUsed));
    }, 25);
    const t1 = Date.now();
    const spec: ImportSpec = { inputFormat: 'application/fhir+ndjson', inputs };
    const job = await bulk.importKickOff('http://localhost/fhir/$import', spec, undefined);
    let done = await bulk.jobs.get(job.id);
    while (done && (done.status === 'queued' || done.status === 'running')) {
      await new Promise((r) => setTimeout(r, 20));
      done = await bulk.jobs.get(job.id);
    }
    const importSeconds = (Date.now() - t1) / 1000;
    clearInterval(sampler);
    await bulk.stop();
    if (done?.status !== 'completed') throw new Error(`import ended ${done?.status}: ${done?.error}`);
    const p = { ...initialImportProgress(spec), ...(done.progress as unknown as Partial<ImportProgress>) };
    const stored = p.stored.reduce((a, b) => a + b, 0);
    return {
      store: o.store,
      resources: stored,
      refused: p.errors.reduce((a, b) => a + b, 0),
      importSeconds: round(importSeconds, 2),
      resourcesPerSecond: Math.round(stored / importSeconds),
      files: inputs.length,
      validate,
      claimRules,
      batch,
      rssBeforeMb,
      rssPeakDuringImportMb: rssPeak,
      heapPeakDuringImportMb: heapPeak,
      processPeakRssMb: peakRssMb(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await bench.close();
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  importBench({
    size: Number(value('size') ?? 200_000),
    store: (value('store') ?? 'postgres') as StoreKind,
    databaseUrl: value('database-url') ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    batch: value('batch') ? Number(value('batch')) : undefined,
    validate: value('validate') as 'profile' | 'structure' | 'off' | undefined,
    claimRules: value('claim-rules') as 'report' | 'enforce' | 'off' | undefined,
  })
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    });
}
