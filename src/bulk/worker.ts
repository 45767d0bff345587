/**
 * The export worker: runs inside the server process, claims queued jobs from the shared table and
 * streams each requested type from the database in keyset pages (by rid) into NDJSON files, so
 * memory stays flat whatever the size of the export. A job interrupted by a shutdown is given back
 * and resumed by the next claim: finished types are kept, the current type restarts from scratch.
 */
import { PollingWorker } from '../polling-worker';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { issue, operationOutcome } from '../outcomes';
import type { FhirDeps } from '../fhir/types';
import type { Logger } from '../http/logger';
import { criteriaSql } from '../store/postgres/search-sql';
import { SqlParams, type SqlClient } from '../store/sql';
import { compartmentCondition } from './compartment';
import type { ExportJob, JobProgress, JobStore, OutputFile } from './jobs';
import { WARNINGS_PREFIX, elementsFor, passesOf, typeFilterSearch } from './kickoff';
import { elementsSubsetJson } from '../fhir/interactions/subset';
import { NdjsonWriter } from './ndjson-writer';
import { IMPORT_ERROR_FILE, ImportLost, ImportStopping, reportedLines, runImport } from './import';
import { exportPageStatement } from '../store/hot-queries';

export interface WorkerOptions {
  sql: SqlClient;
  jobs: JobStore;
  deps: FhirDeps;
  logger: Logger;
  dir: string;
  pageSize: number;
  maxFileBytes: number;
  ttlMinutes: number;
  /** Jobs this worker runs at once. */
  concurrency: number;
  /** How often to look for work and expired files. */
  pollMs?: number;
  /** A running job whose heartbeat is older than this belongs to a dead instance and is reclaimed. */
  staleSeconds?: number;
  /** Claims after which a job that keeps getting interrupted is failed instead of retried. */
  maxAttempts?: number;
  /** Pause between pages, yielding the database to interactive traffic. */
  pageDelayMs?: number;
}

/** The worker is stopping: give the job back. */
class Stopping extends Error {}
/** The job is no longer ours (cancelled, or reclaimed after a stale heartbeat): drop it. */
class Lost extends Error {}

const isAssociatedPass = (job: ExportJob, type: string) => type === 'Provenance' && !job.spec.types.includes('Provenance') && !!job.spec.associated?.length;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ExportWorker extends PollingWorker {
  private readonly active = new Map<string, Promise<void>>();
  private lastSweep = 0;

  constructor(private readonly o: WorkerOptions) {
    super();
  }

  protected pollMs(): number {
    return this.o.pollMs ?? 1000;
  }

  /** Stop claiming, interrupt running jobs at their next page and give them back; resolves when all is quiet. */
  override async stop(): Promise<void> {
    await super.stop();
    await Promise.allSettled([...this.active.values()]);
  }

  protected async tick(): Promise<void> {
    try {
      if (Date.now() - this.lastSweep > 5000) {
        this.lastSweep = Date.now();
        await this.sweep();
      }
      while (!this.stopping && this.active.size < this.o.concurrency) {
        const job = await this.o.jobs.claim(this.id, this.o.staleSeconds ?? 60);
        if (!job) break;
        const run = this.run(job).finally(() => {
          this.active.delete(job.id);
          this.wake();
        });
        this.active.set(job.id, run);
      }
    } catch (e) {
      this.o.logger.error('export worker tick failed', { error: (e as Error).message });
    }
  }

  /** Delete the files of expired, cancelled and failed jobs, then their rows; and directories no job owns. */
  async sweep(): Promise<void> {
    const gone = await this.o.jobs.expired(this.o.ttlMinutes);
    for (const id of gone) await rm(this.jobDir(id), { recursive: true, force: true });
    await this.o.jobs.remove(gone);
    let dirs: string[] = [];
    try {
      dirs = (await readdir(this.o.dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return; // nothing exported yet
    }
    const live = await this.o.jobs.live(dirs);
    for (const d of dirs) if (!live.has(d)) await rm(this.jobDir(d), { recursive: true, force: true });
  }

  jobDir(id: string): string {
    return path.join(this.o.dir, id);
  }

  private async run(job: ExportJob): Promise<void> {
    const { jobs, logger } = this.o;
    const started = Date.now();
    if (job.attempts > (this.o.maxAttempts ?? 3)) {
      await jobs.fail(job.id, this.id, `The ${job.kind} was interrupted ${job.attempts - 1} times and was abandoned`);
      logger.warn(`${job.kind} job abandoned`, { job: job.id, attempts: job.attempts });
      return;
    }
    if (job.kind === 'import') return this.runImportJob(job);
    const dir = this.jobDir(job.id);
    let writer: NdjsonWriter | undefined;
    try {
      await mkdir(dir, { recursive: true });
      // Resume: keep the files of finished types, drop anything else (a type cut off mid-way).
      const keep = new Set(job.output.map((f) => f.file));
      for (const f of await readdir(dir)) if (!keep.has(f)) await rm(path.join(dir, f), { force: true });

      const progress: JobProgress = {
        typesDone: job.doneTypes.length,
        typesTotal: passesOf(job.spec).length,
        written: job.output.reduce((n, f) => n + f.count, 0),
      };
      for (const type of passesOf(job.spec)) {
        if (job.doneTypes.includes(type)) continue;
        progress.type = type;
        writer = new NdjsonWriter(dir, type, this.o.maxFileBytes);
        await this.exportType(job, type, writer, progress);
        const files = await writer.finish();
        writer = undefined;
        progress.typesDone++;
        if (!(await jobs.finishType(job.id, this.id, type, files, progress))) throw new Lost();
      }
      const errorFiles = await this.writeWarnings(job, dir);
      if (!(await jobs.complete(job.id, this.id, errorFiles, this.o.ttlMinutes))) throw new Lost();
      logger.info('export job completed', { job: job.id, resources: progress.written, types: progress.typesDone, ms: Date.now() - started });
    } catch (e) {
      await writer?.discard().catch(() => undefined);
      if (e instanceof Stopping) {
        await jobs.release(job.id, this.id);
        logger.info('export job released for resumption', { job: job.id });
      } else if (e instanceof Lost) {
        // Cancelled: its files go now. Reclaimed by another worker: that worker owns the directory.
        const now = await jobs.get(job.id);
        if (!now || now.status === 'cancelled') await rm(dir, { recursive: true, force: true });
      } else {
        logger.error('export job failed', { job: job.id, error: (e as Error).message, stack: (e as Error).stack?.split('\n').slice(0, 6).join('\n') });
        await jobs.fail(job.id, this.id, 'The export failed on the server; the server log has the details');
        await rm(dir, { recursive: true, force: true });
      }
    }
  }

  /** An import job (src/bulk/import.ts): resumes from its committed progress; its error file lives in the job's directory. */
  private async runImportJob(job: ExportJob): Promise<void> {
    const { jobs, logger } = this.o;
    const started = Date.now();
    const dir = this.jobDir(job.id);
    try {
      await mkdir(dir, { recursive: true });
      const progress = await runImport(job, {
        jobs, sql: this.o.sql, deps: this.o.deps, worker: this.id, dir,
        batchSize: this.o.deps.config.IMPORT_BATCH_SIZE, stopping: () => this.stopping,
      });
      const errors = reportedLines(progress);
      const errorFiles: OutputFile[] = errors ? [{ type: 'OperationOutcome', file: IMPORT_ERROR_FILE, count: errors }] : [];
      if (!errors) await rm(path.join(dir, IMPORT_ERROR_FILE), { force: true });
      if (!(await jobs.complete(job.id, this.id, errorFiles, this.o.ttlMinutes))) throw new ImportLost();
      logger.info('import job completed', { job: job.id, stored: progress.stored.reduce((a, b) => a + b, 0), refused: progress.errors.reduce((a, b) => a + b, 0), ms: Date.now() - started });
    } catch (e) {
      if (e instanceof ImportStopping) {
        await jobs.release(job.id, this.id);
        logger.info('import job released for resumption', { job: job.id });
      } else if (e instanceof ImportLost) {
        const now = await jobs.get(job.id);
        if (!now || now.status === 'cancelled') await rm(dir, { recursive: true, force: true });
      } else {
        logger.error('import job failed', { job: job.id, error: (e as Error).message, stack: (e as Error).stack?.split('\n').slice(0, 6).join('\n') });
        await jobs.fail(job.id, this.id, `The import failed: ${(e as Error).message}`);
      }
    }
  }

  /** The SQL conditions selecting one type's rows for this job over alias `a` (everything but the keyset). */
  whereOf(job: ExportJob, type: string, p: SqlParams, a = 'r'): string[] {
    const { spec } = job;
    if (isAssociatedPass(job, type)) return this.provenanceWhere(job, p, a);
    const where = [`${a}.type = ${p.add(type)}`, `NOT ${a}.deleted`, `${a}.last_updated <= ${p.add(job.transactionTime)}::timestamptz`];
    if (spec.since) where.push(`${a}.last_updated > ${p.add(spec.since)}::timestamptz`);
    if (spec.level !== 'system') where.push(compartmentCondition(type, spec.patients, p, a));
    const filters = spec.typeFilters[type];
    if (filters?.length) {
      const alternatives = filters.map((q) => {
        const conds = criteriaSql(typeFilterSearch(type, q, this.o.deps), p, a);
        return conds.length ? `(${conds.join(' AND ')})` : 'true';
      });
      where.push(`(${alternatives.join(' OR ')})`);
    }
    where.push(...(this.o.deps.access?.searchFilter(job.auth ?? undefined, type, p, a) ?? []));
    return where;
  }

  /**
   * includeAssociatedData: Provenance whose `target` is a resource this job exports (any of its
   * types, under the same conditions). With only LatestProvenanceResources, a Provenance is kept
   * for a target only when no later one (by lastUpdated) names the same target.
   */
  private provenanceWhere(job: ExportJob, p: SqlParams, a: string): string[] {
    const tt = p.add(job.transactionTime);
    const exported = job.spec.types.map((t) => `(${this.whereOf(job, t, p, 't').join(' AND ')})`).join(' OR ');
    const latestOnly = !job.spec.associated!.includes('RelevantProvenanceResources');
    const later = latestOnly
      ? ` AND NOT EXISTS (SELECT 1 FROM sp_reference s2 JOIN resource p2 ON p2.rid = s2.rid
           WHERE s2.type = 'Provenance' AND s2.param = 'target' AND s2.target_type = s.target_type AND s2.target_id = s.target_id
             AND NOT p2.deleted AND p2.last_updated <= ${tt}::timestamptz AND (p2.last_updated, p2.rid) > (${a}.last_updated, ${a}.rid))`
      : '';
    return [
      `${a}.type = 'Provenance'`, `NOT ${a}.deleted`, `${a}.last_updated <= ${tt}::timestamptz`,
      `EXISTS (SELECT 1 FROM sp_reference s JOIN resource t ON t.type = s.target_type AND t.id = s.target_id
         WHERE s.rid = ${a}.rid AND s.type = 'Provenance' AND s.param = 'target' AND (${exported || 'false'})${later})`,
      ...(this.o.deps.access?.searchFilter(job.auth ?? undefined, 'Provenance', p, a) ?? []),
    ];
  }

  /**
   * One type, in keyset pages. The inner query walks the (type, rid) index for exactly one page of
   * candidates and the outer one applies the filters, so every page costs the same however the
   * planner estimates the filters (left to itself it may sort the whole type for each page).
   */
  private async exportType(job: ExportJob, type: string, writer: NdjsonWriter, progress: JobProgress): Promise<void> {
    const p = new SqlParams();
    const where = this.whereOf(job, type, p).join(' AND ');
    const elements = elementsFor(job.spec, type);
    const page = exportPageStatement(type, where, p, this.o.pageSize);
    let last = 0;
    for (;;) {
      if (this.stopping) throw new Stopping();
      const q = page(last);
      const rows = await this.o.sql.query<{ rid: number | string; content: string | null }>(q.text, q.params);
      let lines = rows.flatMap((r) => (r.content === null ? [] : [r.content]));
      if (elements.length) lines = lines.map((l) => elementsSubsetJson(l, elements));
      if (lines.length) {
        await writer.write(lines);
        progress.written += lines.length;
      }
      if (rows.length) last = Number(rows[rows.length - 1].rid);
      if (!(await this.o.jobs.heartbeat(job.id, this.id, progress))) throw new Lost();
      if (rows.length < this.o.pageSize) return;
      if (this.o.pageDelayMs) await sleep(this.o.pageDelayMs);
    }
  }

  /** Ignored parameters (Prefer: handling=lenient) become OperationOutcomes in the error files the manifest's `error` lists. */
  private async writeWarnings(job: ExportJob, dir: string): Promise<OutputFile[]> {
    if (!job.spec.warnings.length) return [];
    const writer = new NdjsonWriter(dir, 'OperationOutcome', this.o.maxFileBytes, WARNINGS_PREFIX);
    await writer.write(job.spec.warnings.map((w) => JSON.stringify(operationOutcome([issue('warning', 'not-supported', w)]))));
    return writer.finish();
  }
}
