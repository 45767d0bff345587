/**
 * The export job store: one `export_job` row per kick-off, shared by every server instance. Workers
 * claim rows with FOR UPDATE SKIP LOCKED, so two instances never run the same job; every write a
 * worker makes is guarded by its worker id, so a worker that lost its job (cancelled, reclaimed
 * after a stale heartbeat) can no longer change it.
 */
import { randomUUID } from 'node:crypto';
import { tooManyRequests } from '../outcomes';
import type { AuthContext } from '../fhir/types';
import type { SqlClient } from '../store/sql';
import { passesOf, type ExportSpec } from './kickoff';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** One written file: `file` is its name inside the job's directory. */
export interface OutputFile {
  type: string;
  file: string;
  count: number;
}

export interface JobProgress {
  type?: string;
  typesDone: number;
  typesTotal: number;
  written: number;
}

/** What a job does: an export writes NDJSON files, an import ($import) reads them into the store. */
export type JobKind = 'export' | 'import';

export interface ExportJob {
  id: string;
  kind: JobKind;
  status: JobStatus;
  request: string;
  spec: ExportSpec;
  auth: AuthContext | null;
  transactionTime: string;
  createdAt: string;
  worker: string | null;
  attempts: number;
  doneTypes: string[];
  output: OutputFile[];
  errorFiles: OutputFile[];
  progress: JobProgress;
  error: string | null;
  finishedAt: string | null;
  expiresAt: string | null;
}

interface JobRow {
  id: string;
  kind?: JobKind;
  status: JobStatus;
  request: string;
  spec: ExportSpec | string;
  auth: AuthContext | string | null;
  transaction_time: Date | string;
  created_at: Date | string;
  worker: string | null;
  attempts: number;
  done_types: string[];
  output: OutputFile[] | string;
  error_files: OutputFile[] | string;
  progress: JobProgress | string;
  error: string | null;
  finished_at: Date | string | null;
  expires_at: Date | string | null;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : v instanceof Date ? v.toISOString() : new Date(v).toISOString());
const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function toJob(r: JobRow): ExportJob {
  return {
    id: r.id,
    kind: r.kind ?? 'export',
    status: r.status,
    request: r.request,
    spec: json(r.spec),
    auth: r.auth === null ? null : json(r.auth),
    transactionTime: iso(r.transaction_time)!,
    createdAt: iso(r.created_at)!,
    worker: r.worker,
    attempts: Number(r.attempts),
    doneTypes: r.done_types ?? [],
    output: json(r.output),
    errorFiles: json(r.error_files),
    progress: json(r.progress),
    error: r.error,
    finishedAt: iso(r.finished_at),
    expiresAt: iso(r.expires_at),
  };
}

/** Serialises kick-offs across instances while they count the active jobs. */
const KICKOFF_LOCK = 738156;

export class JobStore {
  constructor(private readonly sql: SqlClient) {}

  /**
   * Queue a job unless `maxActive` jobs are already queued or running (then 429). The transaction
   * time is taken from the clock that stamps lastUpdated on writes (the app's, not the database's):
   * the export includes nothing changed after it.
   */
  async create(input: {
    request: string; spec: ExportSpec; auth?: AuthContext; maxActive: number; retryAfterSeconds: number;
    /** Default export; an import passes its own spec and first progress record. */
    kind?: JobKind; progress?: object;
  }): Promise<ExportJob> {
    return this.sql.transaction(async (tx) => {
      if (tx.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [KICKOFF_LOCK]);
      const [{ n }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM export_job WHERE status IN ('queued', 'running')`);
      if (Number(n) >= input.maxActive) {
        throw tooManyRequests(`${n} bulk jobs (exports and imports) are already in progress (the limit is ${input.maxActive}); try again later`, input.retryAfterSeconds);
      }
      const kind = input.kind ?? 'export';
      const rows = await tx.query<JobRow>(
        `INSERT INTO export_job (id, status, request, spec, auth, transaction_time, progress, kind)
         VALUES ($1, 'queued', $2, $3::jsonb, $4::jsonb, $6::timestamptz, $5::jsonb, $7) RETURNING *`,
        [randomUUID(), input.request, JSON.stringify(input.spec), input.auth ? JSON.stringify(input.auth) : null,
          JSON.stringify(input.progress ?? ({ typesDone: 0, typesTotal: passesOf(input.spec).length, written: 0 } satisfies JobProgress)),
          new Date().toISOString(), kind],
      );
      return toJob(rows[0]);
    });
  }

  async get(id: string): Promise<ExportJob | undefined> {
    const rows = await this.sql.query<JobRow>('SELECT * FROM export_job WHERE id = $1', [id]);
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  /**
   * Claim the oldest queued job, or a running one whose worker stopped beating for `staleSeconds`
   * (its instance died). Skips rows another worker is claiming at the same moment.
   */
  async claim(worker: string, staleSeconds: number): Promise<ExportJob | undefined> {
    const rows = await this.sql.query<JobRow>(
      `UPDATE export_job SET status = 'running', worker = $1, heartbeat_at = now(), attempts = attempts + 1
       WHERE id = (
         SELECT id FROM export_job
         WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < now() - make_interval(secs => $2) AND worker IS DISTINCT FROM $1)
         ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [worker, staleSeconds],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  /** Record progress; false when the job is no longer this worker's (cancelled or reclaimed). */
  async heartbeat(id: string, worker: string, progress: JobProgress): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE export_job SET heartbeat_at = now(), progress = $3::jsonb WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING id`,
      [id, worker, JSON.stringify(progress)],
    );
    return rows.length > 0;
  }

  /**
   * An import batch is committed: record where the job stands, in the batch's own transaction (`tx`),
   * so that the stored resources and the resume point commit together. False (and the caller rolls
   * back) when the job is no longer this worker's.
   */
  async commitProgress(tx: SqlClient, id: string, worker: string, progress: object): Promise<boolean> {
    const rows = await tx.query(
      `UPDATE export_job SET progress = $3::jsonb, heartbeat_at = now() WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING id`,
      [id, worker, JSON.stringify(progress)],
    );
    return rows.length > 0;
  }

  /** Whether the job is still this worker's (a liveness check that writes nothing but the heartbeat). */
  async stillMine(id: string, worker: string): Promise<boolean> {
    const rows = await this.sql.query(`UPDATE export_job SET heartbeat_at = now() WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING id`, [id, worker]);
    return rows.length > 0;
  }

  /** A type is finished: its files join the output, and a resumed job will not redo it. */
  async finishType(id: string, worker: string, type: string, files: OutputFile[], progress: JobProgress): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE export_job SET output = output || $4::jsonb, done_types = array_append(done_types, $3), progress = $5::jsonb, heartbeat_at = now()
       WHERE id = $1 AND worker = $2 AND status = 'running' AND NOT ($3 = ANY(done_types)) RETURNING id`,
      [id, worker, type, JSON.stringify(files), JSON.stringify(progress)],
    );
    return rows.length > 0;
  }

  async complete(id: string, worker: string, errorFiles: OutputFile[], ttlMinutes: number): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE export_job SET status = 'completed', error_files = $3::jsonb, finished_at = now(),
         expires_at = now() + make_interval(mins => $4), worker = NULL
       WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING id`,
      [id, worker, JSON.stringify(errorFiles), ttlMinutes],
    );
    return rows.length > 0;
  }

  async fail(id: string, worker: string | null, error: string): Promise<void> {
    await this.sql.query(
      `UPDATE export_job SET status = 'failed', error = $3, finished_at = now(), worker = NULL
       WHERE id = $1 AND status IN ('queued', 'running') AND ($2::text IS NULL OR worker = $2)`,
      [id, worker, error],
    );
  }

  /** A clean shutdown gives the job back (not counted as an attempt); the next claim resumes it. */
  async release(id: string, worker: string): Promise<void> {
    await this.sql.query(
      `UPDATE export_job SET status = 'queued', worker = NULL, heartbeat_at = NULL, attempts = greatest(attempts - 1, 0)
       WHERE id = $1 AND worker = $2 AND status = 'running'`,
      [id, worker],
    );
  }

  /** DELETE on the status URL; false when there is nothing (left) to cancel. */
  async cancel(id: string): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE export_job SET status = 'cancelled', worker = NULL, finished_at = now()
       WHERE id = $1 AND status IN ('queued', 'running', 'completed', 'failed') AND (expires_at IS NULL OR expires_at > now()) RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** Jobs whose files may go: completed past their expiry, and cancelled or failed ones. */
  async expired(ttlMinutes: number): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `SELECT id FROM export_job
       WHERE (status = 'completed' AND expires_at <= now())
          OR status = 'cancelled'
          OR (status = 'failed' AND finished_at <= now() - make_interval(mins => $1))`,
      [ttlMinutes],
    );
    return rows.map((r) => r.id);
  }

  /** Remove rows once their files are gone; cancelled ones first become invisible (404) at once. */
  async remove(ids: string[]): Promise<void> {
    if (ids.length) await this.sql.query('DELETE FROM export_job WHERE id = ANY($1::text[])', [ids]);
  }

  /** Which of these ids are jobs that may still own files (used to sweep orphaned directories). */
  async live(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.sql.query<{ id: string }>(
      `SELECT id FROM export_job WHERE id = ANY($1::text[]) AND status IN ('queued', 'running', 'completed')`,
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }
}
