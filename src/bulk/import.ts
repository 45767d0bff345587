/**
 * Bulk Data Import (`POST [base]/$import`): NDJSON files named by URL, loaded asynchronously by the
 * same workers and job table as $export (claimed with FOR UPDATE SKIP LOCKED, so several instances
 * share them).
 *
 * A job reads its inputs line by line (memory stays flat whatever the file size), validates every
 * resource as a write of it would be, and stores the valid ones in batches: each batch's writes
 * (with their index rows) and the job's resume point commit in one database transaction. A bad line
 * goes to the job's error NDJSON with its line number and never stops the job. Resources are
 * written as updates at their ids (one without an id gets an id derived from the job, input and
 * line), so a resumed batch, or the same files imported again, update rather than duplicate.
 */
import type { OperationOutcomeIssue, Parameters, ParametersParameter } from 'fhir/r4';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, realpath, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { sqlOf } from '../auth/policy';
import { ScopedRepository } from '../auth/scoped-repository';
import type { Config } from '../config';
import { requireId, requireResourceBody, validateForWrite } from '../fhir/interactions/common';
import { isResourceType } from '../fhir/resource-types';
import type { AuthContext, FhirDeps, FhirRequest } from '../fhir/types';
import { badRequest, forbidden, isOutcomeError, issue, operationOutcome } from '../outcomes';
import type { Repository, Resource, WriteOp } from '../store/repository';
import type { SqlClient } from '../store/sql';
import type { ExportJob, JobStore } from './jobs';
import { NDJSON_FORMATS } from './kickoff';

export interface ImportInput {
  type: string;
  url: string;
}

/** What an import job loads; stored with the job (its `spec`). */
export interface ImportSpec {
  inputFormat: string;
  inputSource?: string;
  inputs: ImportInput[];
}

/** Where an import job stands; committed with each batch, so a resumed job starts right after it. */
export interface ImportProgress {
  /** The input being read (index into spec.inputs). */
  input: number;
  /** Lines of that input already handled (stored or reported). */
  line: number;
  /** Resources stored, per input. */
  stored: number[];
  /** Lines reported as errors (not stored), per input. */
  errors: number[];
  /** Claims stored with claim-rule findings reported beside the errors (CLAIM_RULES=report), per input. */
  findings: number[];
  /** Size of the error file at the last commit: a resumed job cuts it back to this. */
  errorBytes: number;
}

export const IMPORT_ERROR_FILE = 'import-errors.ndjson';

/** Progress before the first batch. */
export const initialImportProgress = (spec: ImportSpec): ImportProgress => ({
  input: 0, line: 0, stored: spec.inputs.map(() => 0), errors: spec.inputs.map(() => 0), findings: spec.inputs.map(() => 0), errorBytes: 0,
});

/** OperationOutcomes in a job's error file: refused lines and claims stored with rule findings. */
export const reportedLines = (p: ImportProgress) => [...p.errors, ...p.findings].reduce((a, b) => a + b, 0);

const partValue = (p: ParametersParameter): string | undefined => {
  for (const [k, v] of Object.entries(p)) if (k.startsWith('value') && typeof v === 'string') return v;
  return undefined;
};

/** A file: URL resolved (symlinks too) and checked to lie under IMPORT_DIR; an http(s) URL checked against IMPORT_ALLOWED_ORIGINS. */
export async function checkInputUrl(url: string, config: Pick<Config, 'IMPORT_DIR' | 'IMPORT_ALLOWED_ORIGINS'>, where: string): Promise<{ file?: string; http?: URL }> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badRequest(`Input url '${url}' is not an absolute URL (file: or http(s):)`, where);
  }
  if (u.protocol === 'file:') {
    if (!config.IMPORT_DIR) throw badRequest(`Input url '${url}': file inputs are not enabled on this server (IMPORT_DIR is not set)`, where, 'not-supported');
    let file: string;
    let root: string;
    try {
      root = await realpath(path.resolve(config.IMPORT_DIR));
      file = await realpath(fileURLToPath(u));
    } catch {
      throw badRequest(`Input url '${url}' names no readable file`, where, 'not-found');
    }
    if (file !== root && !file.startsWith(root + path.sep)) throw forbidden(`Input url '${url}' is outside the import folder (IMPORT_DIR)`);
    if (!(await stat(file)).isFile()) throw badRequest(`Input url '${url}' is not a file`, where, 'not-found');
    return { file };
  }
  if (u.protocol === 'http:' || u.protocol === 'https:') {
    if (!config.IMPORT_ALLOWED_ORIGINS.includes(u.origin)) {
      throw forbidden(`Input url '${url}': the origin ${u.origin} is not one this server imports from (IMPORT_ALLOWED_ORIGINS)`);
    }
    return { http: u };
  }
  throw badRequest(`Input url '${url}': only file: and http(s): URLs are supported`, where, 'not-supported');
}

/** Parse and check a kick-off: a Parameters body with inputFormat and input (type, url) entries. */
export async function parseImportKickOff(req: FhirRequest, deps: FhirDeps): Promise<ImportSpec> {
  if (!req.prefer.respondAsync) throw badRequest('$import is asynchronous: send the header Prefer: respond-async', 'Prefer', 'required');
  deps.access?.assertAllowed(req.auth, 'create');
  const body = req.body as Parameters | undefined;
  if (!body || typeof body !== 'object' || body.resourceType !== 'Parameters') {
    throw badRequest('$import takes a Parameters resource as its body (inputFormat, input with type and url)', undefined, 'structure');
  }
  let inputFormat: string | undefined;
  let inputSource: string | undefined;
  const inputs: ImportInput[] = [];
  const params = body.parameter ?? [];
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const where = `Parameters.parameter[${i}]`;
    if (p.name === 'inputFormat') {
      if (inputFormat !== undefined) throw badRequest(`Parameter 'inputFormat' may appear once`, where);
      inputFormat = partValue(p);
    } else if (p.name === 'inputSource') {
      inputSource = partValue(p);
    } else if (p.name === 'storageDetail') {
      // Only the plain URL transports are supported; a storage detail asking for anything else is refused.
      const type = (p.part ?? []).find((x) => x.name === 'type');
      const t = type ? partValue(type) : partValue(p);
      if (t !== undefined && !['https', 'http', 'file'].includes(t)) throw badRequest(`storageDetail '${t}' is not supported; inputs are read by their file: or http(s): URLs`, where, 'not-supported');
    } else if (p.name === 'input') {
      const part = (name: string) => {
        const found = (p.part ?? []).filter((x) => x.name === name);
        if (found.length !== 1) throw badRequest(`Each input needs exactly one '${name}' part`, `${where}.part`, 'required');
        const v = partValue(found[0]);
        if (!v) throw badRequest(`The '${name}' part of an input has no value`, `${where}.part`, 'required');
        return v;
      };
      const type = part('type');
      const url = part('url');
      if (!isResourceType(type)) throw badRequest(`Input type '${type}' is not a resource type`, `${where}.part`);
      if (deps.readOnlyTypes.has(type)) throw badRequest(`${type} resources are served read-only from the server's conformance package and cannot be imported`, `${where}.part`, 'not-supported');
      deps.access?.assertAllowed(req.auth, 'create', type);
      deps.access?.assertAllowed(req.auth, 'update', type);
      await checkInputUrl(url, deps.config, `${where}.part`);
      inputs.push({ type, url });
    } else {
      throw badRequest(`Unknown parameter '${p.name}' for $import`, where);
    }
  }
  if (inputFormat === undefined) throw badRequest(`$import needs the parameter 'inputFormat' (application/fhir+ndjson)`, 'inputFormat', 'required');
  if (!NDJSON_FORMATS.includes(inputFormat)) throw badRequest(`inputFormat '${inputFormat}' is not supported; use application/fhir+ndjson`, 'inputFormat', 'not-supported');
  if (!inputs.length) throw badRequest(`$import needs at least one 'input' (type and url)`, 'input', 'required');
  return { inputFormat, ...(inputSource ? { inputSource } : {}), inputs };
}

/** The lines of an input, streamed (a file, or an http(s) body fetched without following redirects). */
async function* linesOf(input: ImportInput, config: Config): AsyncGenerator<string> {
  const where = await checkInputUrl(input.url, config, 'input');
  let stream: Readable;
  if (where.file) {
    stream = createReadStream(where.file);
  } else {
    const res = await fetch(where.http!, { redirect: 'error', headers: { Accept: 'application/fhir+ndjson' } });
    if (!res.ok || !res.body) throw new Error(`GET ${input.url} answered ${res.status}`);
    stream = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
    stream.destroy();
  }
}

/** The job is no longer this worker's (cancelled or reclaimed). */
export class ImportLost extends Error {}
/** The worker is stopping: give the job back. */
export class ImportStopping extends Error {}

export interface ImportContext {
  jobs: JobStore;
  sql: SqlClient;
  deps: FhirDeps;
  worker: string;
  /** The job's directory (its error file lives there). */
  dir: string;
  batchSize: number;
  stopping(): boolean;
}

interface Pending {
  line: number;
  resource: Resource;
}

/** An id for a resource that came without one: the same job, input and line always give the same id. */
const derivedId = (job: string, input: number, line: number) => createHash('sha256').update(`${job}\u0000${input}\u0000${line}`).digest('hex').slice(0, 40);

/**
 * Run (or resume) an import job. Throws ImportStopping when the worker stops (the job goes back
 * to the queue) and ImportLost when the job is no longer this worker's; other errors fail the job.
 */
export async function runImport(job: ExportJob, ctx: ImportContext): Promise<ImportProgress> {
  const spec = job.spec as unknown as ImportSpec;
  const progress = { ...initialImportProgress(spec), ...(job.progress as unknown as Partial<ImportProgress>) } as ImportProgress;
  const errorFile = path.join(ctx.dir, IMPORT_ERROR_FILE);
  // Resume: error lines written after the last commit belong to a batch that will be redone.
  const fh = await open(errorFile, 'a');
  await fh.close();
  await truncate(errorFile, progress.errorBytes);
  const errors = await open(errorFile, 'a');
  const base = ctx.deps.repo;
  const repo: Repository = job.auth && ctx.deps.access ? new ScopedRepository(base, job.auth as AuthContext, ctx.deps.access) : base;
  const deps: FhirDeps = { ...ctx.deps, repo };
  try {
    for (; progress.input < spec.inputs.length; progress.input++, progress.line = 0) {
      const input = spec.inputs[progress.input];
      let n = 0;
      let batch: Pending[] = [];
      let pendingErrors: string[] = [];
      /** The error line for a refused input line (counted now; written with the next flush). */
      const outcome = (line: number, issues: OperationOutcomeIssue[]) => {
        progress.errors[progress.input]++;
        return JSON.stringify(operationOutcome([
          { ...issue('error', 'processing', `${input.url} line ${line}: not imported`), location: [`line ${line}`] },
          ...issues,
        ]));
      };
      const report = (line: number, issues: OperationOutcomeIssue[]) => {
        pendingErrors.push(outcome(line, issues));
      };
      /** The note for a claim stored with rule findings (CLAIM_RULES=report), as a write would report them. */
      const findings = (line: number, stored: string, issues: OperationOutcomeIssue[]) => {
        return JSON.stringify(operationOutcome([
          { ...issue('information', 'informational', `${input.url} line ${line}: stored as ${stored}; the claim rules found the issues that follow`), location: [`line ${line}`] },
          ...issues,
        ]));
      };
      const flush = async (upTo: number) => {
        if (ctx.stopping()) throw new ImportStopping();
        // Error lines first (cut back on resume if the commit below does not happen), then the
        // batch and the resume point, which commit together.
        const text = pendingErrors.length ? `${pendingErrors.join('\n')}\n` : '';
        pendingErrors = [];
        const at = progress.input;
        const commit = async (sql: SqlClient, stored: number, extraErrors: string, noted: number) => {
          const next: ImportProgress = {
            ...progress, line: upTo, errorBytes: progress.errorBytes + Buffer.byteLength(text) + Buffer.byteLength(extraErrors),
            stored: progress.stored.map((v, i) => (i === at ? v + stored : v)), errors: [...progress.errors], findings: progress.findings.map((v, i) => (i === at ? v + noted : v)),
          };
          if (!(await ctx.jobs.commitProgress(sql, job.id, ctx.worker, next))) throw new ImportLost();
          return next;
        };
        if (text) await errors.write(text);
        const next = await storeBatch(deps, repo, batch, outcome, findings, commit, async (extra) => {
          if (extra) await errors.write(extra);
          await errors.sync();
        });
        Object.assign(progress, next);
        batch = [];
      };
      for await (const raw of linesOf(input, ctx.deps.config)) {
        n++;
        const text = n === 1 ? raw.replace(/^\uFEFF/, '') : raw; // a byte order mark is not part of the first resource
        if (n <= progress.line) continue; // committed before a restart
        if (text.trim() === '') continue;
        try {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch (e) {
            throw badRequest(`Not valid JSON: ${(e as Error).message}`, undefined, 'structure');
          }
          const resource = requireResourceBody(body, input.type);
          if (resource.id === undefined) resource.id = derivedId(job.id, progress.input, n);
          else requireId(String(resource.id), `${input.type}.id`);
          validateForWrite(deps, resource); // throws 400 (structure) or 422 (profile); warnings are not errors
          batch.push({ line: n, resource });
        } catch (e) {
          if (!isOutcomeError(e)) throw e;
          report(n, e.issues);
        }
        if (batch.length >= ctx.batchSize) await flush(n);
        else if (pendingErrors.length >= ctx.batchSize) await flush(n);
      }
      await flush(n);
    }
    return progress;
  } finally {
    await errors.close();
  }
}

/**
 * Store one batch and commit the resume point (`commit`) in one transaction. When that fails
 * because of one resource (a write the client may not make, a claim refused under
 * CLAIM_RULES=enforce), the batch is redone one resource per transaction: each refused line is
 * reported (written by `flushErrors` before the resume point moves), the others are stored. A crash
 * in the middle redoes those writes, which update the same ids again.
 */
async function storeBatch(
  deps: FhirDeps, repo: Repository, batch: Pending[],
  report: (line: number, issues: OperationOutcomeIssue[]) => string,
  note: (line: number, stored: string, issues: OperationOutcomeIssue[]) => string,
  commit: (sql: SqlClient, stored: number, extraErrors: string, noted: number) => Promise<ImportProgress>,
  flushErrors: (text: string) => Promise<void>,
): Promise<ImportProgress> {
  /** Write items in tx; returns the notes of claims stored with rule findings (CLAIM_RULES=report) and how many. */
  const write = async (items: Pending[], tx: Repository): Promise<{ notes: string; count: number }> => {
    const results = await tx.write(items.map((b): WriteOp => ({ kind: 'update', resource: b.resource })));
    let notes = '';
    let count = 0;
    if (!deps.claimCheck) return { notes, count };
    for (let i = 0; i < results.length; i++) {
      if (results[i].type !== 'Claim') continue;
      // CLAIM_RULES=enforce throws a 422 for a claim that breaks them; report returns the findings.
      const found = (await deps.claimCheck(results[i].resource!, tx)).filter((x) => x.severity === 'error' || x.severity === 'warning' || x.severity === 'fatal');
      if (found.length) {
        notes += `${note(items[i].line, `Claim/${results[i].id}`, found)}\n`;
        count++;
      }
    }
    return { notes, count };
  };
  await flushErrors('');
  try {
    return await repo.transaction(async (tx) => {
      const { notes, count } = batch.length ? await write(batch, tx) : { notes: '', count: 0 };
      // The notes go to the file before the resume point moves (a rollback leaves them past it, to be cut).
      await flushErrors(notes);
      return commit(sqlOf(tx), batch.length, notes, count);
    });
  } catch (e) {
    if (!batch.length || !isOutcomeError(e) || e.status >= 500) throw e;
  }
  let stored = 0;
  let noted = 0;
  let extra = '';
  for (const b of batch) {
    try {
      const { notes, count } = await repo.transaction((tx) => write([b], tx));
      extra += notes;
      noted += count;
      stored++;
    } catch (err) {
      if (!isOutcomeError(err) || err.status >= 500) throw err;
      extra += `${report(b.line, err.issues)}\n`;
    }
  }
  await flushErrors(extra);
  return repo.transaction((tx) => commit(sqlOf(tx), stored, extra, noted));
}
