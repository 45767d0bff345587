/**
 * Bulk Data export as a service of one app: the job store, the worker, and the answers of the
 * status and file endpoints (framework-free; src/bulk/http.ts puts them on Express).
 *
 * Wiring (createApp): `const bulk = createBulkExport({ sql: store.sql, deps, logger, baseUrl })`
 * registers it for `deps` (the $export operations find it there) and starts the worker when
 * EXPORT_WORKER=on; mount `bulkMiddleware(bulk)` (src/bulk/http.ts) ahead of the FHIR routes;
 * `await bulk.stop()` in close().
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { OperationOutcome } from 'fhir/r4';
import { OutcomeError, forbidden, issue, notFound, operationOutcome, unauthorized } from '../outcomes';
import { parseScopes, scopesAllow } from '../auth/scopes';
import type { AuthContext, FhirDeps } from '../fhir/types';
import type { Logger } from '../http/logger';
import type { SqlClient } from '../store/sql';
import { JobStore, type ExportJob, type JobKind } from './jobs';
import { initialImportProgress, type ImportProgress, type ImportSpec } from './import';
import { WARNINGS_PREFIX, type ExportSpec } from './kickoff';
import { ExportWorker } from './worker';

export interface BulkExportOptions {
  sql: SqlClient;
  deps: FhirDeps;
  logger: Logger;
  /** Public FHIR base URL (status and file URLs hang below it). */
  baseUrl: string;
  /** Start the worker now (default: EXPORT_WORKER). */
  worker?: boolean;
  /** Worker tuning (tests). */
  pollMs?: number;
  pageDelayMs?: number;
  staleSeconds?: number;
}

export interface BulkAnswer {
  status: number;
  headers: Record<string, string>;
  /** JSON body (manifest or OperationOutcome). */
  body?: unknown;
  /** application/json (the manifest) rather than application/fhir+json. */
  plainJson?: boolean;
}

/** The manifest of Bulk Data 2.0.0 (completion response body). */
export interface ExportManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: ({ type: string; url: string; count: number } & Partial<OperationOutcome>)[];
}

/** The OperationOutcome of ignored kick-off parameters: one warning issue per parameter. */
export const warningsOutcome = (warnings: string[]) => operationOutcome(warnings.map((w) => issue('warning', 'not-supported', w)));

export const STATUS_PATH = '$export-status';
export const FILE_PATH = '$export-file';
export const IMPORT_STATUS_PATH = '$import-status';
export const IMPORT_FILE_PATH = '$import-file';
export const NDJSON_CONTENT_TYPE = 'application/fhir+ndjson';
/** Seconds a client is asked to wait between polls, and after a 429. */
const RETRY_AFTER = 2;

/**
 * Keyed by the app's frozen Config: handlers receive per-request copies of deps (the access guard
 * scopes the repository), but the config object is the app's own.
 */
const registry = new WeakMap<object, BulkExport>();

/** The bulk export service wired for this app, if any. */
export const bulkExportFor = (deps: Pick<FhirDeps, 'config'>): BulkExport | undefined => registry.get(deps.config);

export class BulkExport {
  readonly jobs: JobStore;
  readonly worker: ExportWorker;
  readonly dir: string;

  constructor(private readonly o: BulkExportOptions) {
    const { config } = o.deps;
    this.jobs = new JobStore(o.sql);
    this.dir = exportDirOf(config);
    this.worker = new ExportWorker({
      sql: o.sql,
      jobs: this.jobs,
      deps: o.deps,
      logger: o.logger,
      dir: this.dir,
      pageSize: config.EXPORT_PAGE_SIZE,
      maxFileBytes: config.EXPORT_FILE_MAX_BYTES,
      ttlMinutes: config.EXPORT_FILE_TTL_MINUTES,
      concurrency: config.EXPORT_MAX_CONCURRENT,
      pollMs: o.pollMs,
      pageDelayMs: o.pageDelayMs,
      staleSeconds: o.staleSeconds,
    });
  }

  start(): void {
    this.worker.start();
  }

  /** Stop the worker; a job it was running is given back to the queue and resumes on the next start. */
  stop(): Promise<void> {
    return this.worker.stop();
  }

  statusUrl(id: string, kind: JobKind = 'export'): string {
    return `${this.o.baseUrl}/${kind === 'import' ? IMPORT_STATUS_PATH : STATUS_PATH}/${id}`;
  }

  fileUrl(id: string, file: string, kind: JobKind = 'export'): string {
    return `${this.o.baseUrl}/${kind === 'import' ? IMPORT_FILE_PATH : FILE_PATH}/${id}/${file}`;
  }

  /** Queue an import (429 when EXPORT_MAX_CONCURRENT bulk jobs are in progress); returns the job. */
  async importKickOff(request: string, spec: ImportSpec, auth: AuthContext | undefined): Promise<ExportJob> {
    const job = await this.jobs.create({
      request, spec: spec as unknown as ExportSpec, auth, kind: 'import', progress: initialImportProgress(spec),
      maxActive: this.o.deps.config.EXPORT_MAX_CONCURRENT, retryAfterSeconds: RETRY_AFTER * 5,
    });
    this.worker.wake();
    return job;
  }

  /** Queue an export (429 when EXPORT_MAX_CONCURRENT are in progress); returns the job. */
  async kickOff(request: string, spec: ExportSpec, auth: AuthContext | undefined): Promise<ExportJob> {
    const job = await this.jobs.create({
      request, spec, auth, maxActive: this.o.deps.config.EXPORT_MAX_CONCURRENT, retryAfterSeconds: RETRY_AFTER * 5,
    });
    this.worker.wake();
    return job;
  }

  /** A job the caller may see: unknown, cancelled and expired ones are 404; another client's are 403. */
  private async visibleJob(id: string, auth: AuthContext | undefined, kind: JobKind): Promise<ExportJob> {
    const job = /^[0-9a-f-]{36}$/.test(id) ? await this.jobs.get(id) : undefined;
    if (!job || job.kind !== kind || job.status === 'cancelled' || (job.expiresAt && Date.parse(job.expiresAt) <= Date.now())) {
      throw notFound(`No ${kind} ${id}: it never existed, was cancelled, or its files expired`);
    }
    if (job.auth) {
      if (!auth) throw unauthorized('This export was requested with an access token; send one');
      if (auth.clientId !== job.auth.clientId) throw forbidden('This export belongs to another client');
    }
    return job;
  }

  /** GET on the status URL: 202 while in progress, 200 with the manifest when done, 500 when it failed. */
  async status(id: string, auth: AuthContext | undefined, kind: JobKind = 'export'): Promise<BulkAnswer> {
    const job = await this.visibleJob(id, auth, kind);
    if (kind === 'import') return this.importStatus(job);
    if (job.status === 'queued' || job.status === 'running') {
      const p = job.progress;
      const progress = job.status === 'queued'
        ? 'queued'
        : `${p.typesDone} of ${p.typesTotal} types done${p.type ? `, exporting ${p.type}` : ''}, ${p.written} resources written`;
      return { status: 202, headers: { 'X-Progress': progress, 'Retry-After': String(RETRY_AFTER) } };
    }
    if (job.status === 'failed') {
      throw new OutcomeError(500, [issue('error', 'exception', job.error ?? 'The export failed')]);
    }
    const manifest: ExportManifest = {
      transactionTime: job.transactionTime,
      request: job.request,
      requiresAccessToken: job.auth !== null,
      output: job.output.map((f) => ({ type: f.type, url: this.fileUrl(job.id, f.file), count: f.count })),
      error: job.errorFiles.map((f) => ({
        type: f.type,
        url: this.fileUrl(job.id, f.file),
        count: f.count,
        // The kick-off warnings file also carries its OperationOutcome inline, for clients (the SMART
        // test kit among them) that look for OperationOutcomes in the array itself.
        ...(f.file.startsWith(WARNINGS_PREFIX) && job.spec.warnings.length ? warningsOutcome(job.spec.warnings) : {}),
      })),
    };
    return { status: 200, headers: { Expires: new Date(job.expiresAt!).toUTCString() }, body: manifest, plainJson: true };
  }

  /** An import's status: 202 with X-Progress while it runs; 200 with its manifest (stored counts per input, the error file) when done. */
  private importStatus(job: ExportJob): BulkAnswer {
    const spec = job.spec as unknown as ImportSpec;
    const p = { ...initialImportProgress(spec), ...(job.progress as unknown as Partial<ImportProgress>) };
    const stored = p.stored.reduce((a, b) => a + b, 0);
    const errors = p.errors.reduce((a, b) => a + b, 0);
    if (job.status === 'queued' || job.status === 'running') {
      const at = spec.inputs[Math.min(p.input, spec.inputs.length - 1)];
      const progress = job.status === 'queued' && stored + errors === 0
        ? 'queued'
        : `input ${Math.min(p.input + 1, spec.inputs.length)} of ${spec.inputs.length} (${at.type}), line ${p.line}: ${stored} resources stored, ${errors} lines refused`;
      return { status: 202, headers: { 'X-Progress': progress, 'Retry-After': String(RETRY_AFTER) } };
    }
    if (job.status === 'failed') throw new OutcomeError(500, [issue('error', 'exception', job.error ?? 'The import failed')]);
    const manifest = {
      transactionTime: job.transactionTime,
      request: job.request,
      requiresAccessToken: job.auth !== null,
      output: spec.inputs.map((input, i) => ({ type: input.type, inputUrl: input.url, count: p.stored[i] })),
      error: job.errorFiles.map((f) => ({ type: f.type, url: this.fileUrl(job.id, f.file, 'import'), count: f.count })),
    };
    return { status: 200, headers: { Expires: new Date(job.expiresAt!).toUTCString() }, body: manifest, plainJson: true };
  }

  /** DELETE on the status URL: 202, after which the status is 404 and the files go (an import keeps the batches it committed). */
  async cancel(id: string, auth: AuthContext | undefined, kind: JobKind = 'export'): Promise<BulkAnswer> {
    await this.visibleJob(id, auth, kind);
    if (!(await this.jobs.cancel(id))) throw notFound(`No ${kind} ${id} to cancel`);
    this.worker.wake();
    const what = kind === 'import' ? 'Import' : 'Export';
    return {
      status: 202,
      headers: {},
      body: { resourceType: 'OperationOutcome', issue: [issue('information', 'informational', `${what} ${id} was cancelled${kind === 'import' ? '; the batches it had stored stay' : ''}`)] },
    };
  }

  /** A file of a completed export: its path on disk (404 when it is not one of the job's files). */
  async file(id: string, name: string, auth: AuthContext | undefined, kind: JobKind = 'export'): Promise<{ path: string; size: number }> {
    const job = await this.visibleJob(id, auth, kind);
    const entry = job.status === 'completed' ? [...(kind === 'export' ? job.output : []), ...job.errorFiles].find((f) => f.file === name) : undefined;
    if (!entry) throw notFound(`Export ${id} has no file ${name}`);
    // The token downloading must still cover the file's type (it may be another, narrower one).
    if (auth && entry.type !== 'OperationOutcome' && !scopesAllow(parseScopes(auth.scopes), 'r', entry.type)) {
      throw forbidden(`The access token's scopes (${auth.scopes.join(' ')}) do not allow reading ${entry.type}`);
    }
    const file = path.join(this.dir, id, name);
    try {
      return { path: file, size: (await stat(file)).size };
    } catch {
      throw notFound(`Export ${id} has no file ${name} (any more)`);
    }
  }
}

/** Where a server's export files live: EXPORT_DIR, or DATA_DIR/export. */
export function exportDirOf(config: { EXPORT_DIR?: string; DATA_DIR: string }): string {
  return path.resolve(config.EXPORT_DIR ?? path.join(config.DATA_DIR, 'export'));
}

/** Create the service for an app and register it for its deps; starts the worker unless told not to. */
export function createBulkExport(options: BulkExportOptions): BulkExport {
  const bulk = new BulkExport(options);
  registry.set(options.deps.config, bulk);
  if (options.worker ?? options.deps.config.EXPORT_WORKER === 'on') bulk.start();
  return bulk;
}

export { JobStore } from './jobs';
export type { ExportJob, OutputFile } from './jobs';
export type { ExportSpec } from './kickoff';
