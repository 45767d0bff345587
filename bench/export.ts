/**
 * $export throughput: load N generated PRSS resources (default 200,000) into a fresh PostgreSQL
 * schema (or PGlite), run a system-level export through the real worker, and report resources
 * written per second and the process's resident memory while it ran. Figures, never assertions.
 *
 *   npx tsx bench/export.ts [--size N] [--store postgres|pglite] [--database-url URL] [--page-size N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBulkExport } from '../src/bulk';
import { RESOURCE_TYPES } from '../src/fhir/resource-types';
import type { FhirDeps } from '../src/fhir/types';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/http/logger';
import type { Resource } from '../src/store/repository';
import { resources } from './generate';
import { openBenchStore, type StoreKind } from './ours';
import { mb, peakRssMb, round, rssMb } from './stats';

export interface ExportBenchResult {
  store: StoreKind;
  resources: number;
  loadSeconds: number;
  exportSeconds: number;
  resourcesPerSecond: number;
  files: number;
  rssBeforeMb: number;
  rssPeakDuringExportMb: number;
  heapPeakDuringExportMb: number;
  processPeakRssMb: number;
}

export async function exportBench(o: { size: number; store: StoreKind; databaseUrl: string; pageSize?: number }): Promise<ExportBenchResult> {
  const bench = await openBenchStore(o.store, o.databaseUrl);
  const dir = mkdtempSync(path.join(tmpdir(), 'export-bench-'));
  try {
    const t0 = Date.now();
    let batch: Resource[] = [];
    const flush = async () => {
      if (batch.length) await bench.store.repo.write(batch.map((resource) => ({ kind: 'update' as const, resource })));
      batch = [];
    };
    for (const r of resources({ size: o.size, seed: 1 })) {
      batch.push(r as Resource);
      if (batch.length === 500) await flush();
    }
    await flush();
    const loadSeconds = (Date.now() - t0) / 1000;

    const config = loadConfig({ EXPORT_DIR: dir, EXPORT_PAGE_SIZE: String(o.pageSize ?? 1000), LOG_LEVEL: 'silent', DEMO: 'off' });
    const deps = { repo: bench.store.repo, config, readOnlyTypes: new Set<string>() } as unknown as FhirDeps;
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
    const job = await bulk.kickOff('http://localhost/fhir/$export', { level: 'system', types: [...RESOURCE_TYPES], typeFilters: {}, warnings: [] }, undefined);
    let done = await bulk.jobs.get(job.id);
    while (done && (done.status === 'queued' || done.status === 'running')) {
      await new Promise((r) => setTimeout(r, 20));
      done = await bulk.jobs.get(job.id);
    }
    const exportSeconds = (Date.now() - t1) / 1000;
    clearInterval(sampler);
    await bulk.stop();
    if (done?.status !== 'completed') throw new Error(`export ended ${done?.status}: ${done?.error}`);
    const written = done.output.reduce((n, f) => n + f.count, 0);
    return {
      store: o.store,
      resources: written,
      loadSeconds: round(loadSeconds),
      exportSeconds: round(exportSeconds, 2),
      resourcesPerSecond: Math.round(written / exportSeconds),
      files: done.output.length,
      rssBeforeMb,
      rssPeakDuringExportMb: rssPeak,
      heapPeakDuringExportMb: heapPeak,
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
  exportBench({
    size: Number(value('size') ?? 200_000),
    store: (value('store') ?? 'postgres') as StoreKind,
    databaseUrl: value('database-url') ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    pageSize: value('page-size') ? Number(value('page-size')) : undefined,
  })
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    });
}
