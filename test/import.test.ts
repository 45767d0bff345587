/**
 * Bulk Data Import ($import) end to end on both stores: kick-off checks, NDJSON files read from
 * IMPORT_DIR and from an allowed http origin, per-line errors with line numbers, re-import without
 * duplicates, cancellation, resume after an interruption from the last committed batch, and the
 * warehouse round trip ($export from one server, $import of its files into another).
 */
import express from 'express';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import request from 'supertest';
import { bulkExportFor, createBulkExport, type BulkExport, type BulkExportOptions } from '../src/bulk';
import { bulkMiddleware } from '../src/bulk/http';
import { IMPORT_ERROR_FILE, ImportStopping, runImport, type ImportProgress } from '../src/bulk/import';
import { loadDemoData } from '../src/demo';
import { PROFILE } from '../src/prss/terminology';
import { buildScenario } from '../src/prss/scenario';
import type { Claim } from 'fhir/r4';
import { makeClientKey, signAssertion, tokenForm, writeClientsFile, type ClientKey } from '../src/auth/testing';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

interface BulkApp {
  t: TestApp;
  bulk: BulkExport;
  dir: string;
  http: () => ReturnType<typeof request>;
  reopen(tuning?: Partial<BulkExportOptions>): BulkExport;
  close(): Promise<void>;
}

/** An app whose bulk worker the test controls (as in export.test.ts). */
async function startBulkApp(env: Record<string, string> = {}, tuning: Partial<BulkExportOptions> = {}): Promise<BulkApp> {
  const dir = mkdtempSync(path.join(tmpdir(), 'import-test-'));
  const t = await startTestApp({ EXPORT_DIR: path.join(dir, 'jobs'), EXPORT_WORKER: 'off', ...env });
  const wired = bulkExportFor(t.app.deps) !== undefined;
  const make = (extra: Partial<BulkExportOptions>) =>
    createBulkExport({ sql: t.sql, deps: t.app.deps, logger: t.app.logger, baseUrl: t.app.baseUrl, worker: true, pollMs: 50, ...tuning, ...extra });
  const app: BulkApp = {
    t,
    dir,
    bulk: make({}),
    http: () => request(handler),
    reopen(extra = {}) {
      app.bulk = make(extra);
      return app.bulk;
    },
    async close() {
      await app.bulk.stop();
      await t.app.close();
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const outer = express();
  outer.use((req, res, next) => bulkMiddleware(app.bulk)(req, res, next));
  outer.use(t.app.http);
  const handler = wired ? t.app.http : outer;
  return app;
}

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

const params = (inputs: { type: string; url: string }[], format = 'application/fhir+ndjson') => ({
  resourceType: 'Parameters',
  parameter: [
    { name: 'inputFormat', valueCode: format },
    ...inputs.map((i) => ({ name: 'input', part: [{ name: 'type', valueCode: i.type }, { name: 'url', valueUri: i.url }] })),
  ],
});

const kickOff = (a: BulkApp, body: unknown) =>
  a.http().post('/fhir/$import').set('Content-Type', FHIR_JSON).set('Accept', FHIR_JSON).set('Prefer', 'respond-async').send(JSON.stringify(body));

interface ImportManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; inputUrl: string; count: number }[];
  error: { type: string; url: string; count: number }[];
}

async function waitForImport(a: BulkApp, statusUrl: string): Promise<ImportManifest> {
  for (let i = 0; i < 2400; i++) {
    const res = await a.http().get(pathOf(statusUrl));
    if (res.status === 200) {
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      return res.body as ImportManifest;
    }
    expect([res.status, res.body?.issue?.[0]?.diagnostics]).toEqual([202, undefined]);
    expect(res.headers['x-progress']).toBeTruthy();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('import did not finish');
}

async function text(a: BulkApp, url: string): Promise<string> {
  const res = await a.http().get(pathOf(url)).buffer(true).parse((r, cb) => {
    let s = '';
    r.on('data', (c: Buffer) => (s += c.toString()));
    r.on('end', () => cb(null, s));
  });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/fhir+ndjson');
  return res.body as string;
}

const ndjson = (rows: unknown[]) => `${rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')}\n`;

async function count(a: BulkApp, type: string): Promise<number> {
  const res = await a.http().get(`/fhir/${type}?_summary=count`);
  expect(res.status).toBe(200);
  return res.body.total as number;
}

describe('$import kick-off', () => {
  let a: BulkApp;
  beforeAll(async () => {
    a = await startBulkApp({ IMPORT_BATCH_SIZE: '3' });
  });
  afterAll(async () => a.close());

  it('refuses bad kick-offs with 4xx OperationOutcomes before queuing anything', async () => {
    const importDir = mkdtempSync(path.join(tmpdir(), 'import-dir-'));
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'not-import-dir-'));
    const secret = path.join(elsewhere, 'secret.ndjson');
    writeFileSync(secret, ndjson([{ resourceType: 'Patient', id: 'secret' }]));
    const b = await startBulkApp({ IMPORT_DIR: importDir, IMPORT_ALLOWED_ORIGINS: 'https://files.example.org' }, { worker: false });
    try {
      const inside = path.join(importDir, 'ok.ndjson');
      writeFileSync(inside, ndjson([{ resourceType: 'Patient', id: 'x' }]));
      const ok = pathToFileURL(inside).href;
      const noPrefer = await b.http().post('/fhir/$import').set('Content-Type', FHIR_JSON).send(JSON.stringify(params([{ type: 'Patient', url: ok }])));
      expect(noPrefer.status).toBe(400);
      const cases: [string, unknown, number, RegExp][] = [
        ['not Parameters', { resourceType: 'Patient' }, 400, /Parameters/],
        ['no inputFormat', { resourceType: 'Parameters', parameter: [{ name: 'input', part: [{ name: 'type', valueCode: 'Patient' }, { name: 'url', valueUri: ok }] }] }, 400, /inputFormat/],
        ['another format', params([{ type: 'Patient', url: ok }], 'text/csv'), 400, /inputFormat/],
        ['no input', params([]), 400, /at least one/],
        ['an input without url', { resourceType: 'Parameters', parameter: [{ name: 'inputFormat', valueCode: 'ndjson' }, { name: 'input', part: [{ name: 'type', valueCode: 'Patient' }] }] }, 400, /'url'/],
        ['an unknown type', params([{ type: 'Nonsense', url: ok }]), 400, /not a resource type/],
        ['a missing file', params([{ type: 'Patient', url: pathToFileURL(path.join(importDir, 'none.ndjson')).href }]), 400, /no readable file/],
        ['a file outside IMPORT_DIR', params([{ type: 'Patient', url: pathToFileURL(secret).href }]), 403, /outside the import folder/],
        ['a path climbing out of IMPORT_DIR', params([{ type: 'Patient', url: `${pathToFileURL(importDir).href}/../${path.basename(elsewhere)}/secret.ndjson` }]), 403, /outside the import folder/],
        ['an origin not allowed', params([{ type: 'Patient', url: 'https://evil.example.org/data.ndjson' }]), 403, /IMPORT_ALLOWED_ORIGINS/],
        ['another scheme', params([{ type: 'Patient', url: 'ftp://files.example.org/a.ndjson' }]), 400, /only file: and http\(s\)/],
        ['an unknown parameter', { resourceType: 'Parameters', parameter: [{ name: 'inputFormat', valueCode: 'ndjson' }, { name: 'mode', valueCode: 'x' }] }, 400, /Unknown parameter/],
      ];
      for (const [name, body, status, why] of cases) {
        const res = await kickOff(b, body);
        expect([name, res.status]).toEqual([name, status]);
        expect(res.body.resourceType).toBe('OperationOutcome');
        expect([name, res.body.issue[0].diagnostics]).toEqual([name, expect.stringMatching(why)]);
      }
      // A symlink under IMPORT_DIR pointing outside it is outside it.
      const link = path.join(importDir, 'link.ndjson');
      symlinkSync(secret, link);
      expect((await kickOff(b, params([{ type: 'Patient', url: pathToFileURL(link).href }]))).status).toBe(403);
      const [{ n }] = await b.t.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM export_job WHERE kind = 'import'`);
      expect(Number(n)).toBe(0);
    } finally {
      await b.close();
      rmSync(importDir, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('without IMPORT_DIR, file inputs are refused', async () => {
    const file = path.join(a.dir, 'p.ndjson');
    writeFileSync(file, ndjson([{ resourceType: 'Patient', id: 'x' }]));
    const res = await kickOff(a, params([{ type: 'Patient', url: pathToFileURL(file).href }]));
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/IMPORT_DIR is not set/);
  });

  it('is declared in the CapabilityStatement with its OperationDefinition, which the server serves', async () => {
    const cs = (await a.http().get('/fhir/metadata')).body;
    expect(cs.rest[0].operation).toContainEqual({ name: 'import', definition: 'http://prss.example.org/fhir/OperationDefinition/import' });
    const od = await a.http().get('/fhir/OperationDefinition/import');
    expect(od.status).toBe(200);
    expect(od.body).toMatchObject({ code: 'import', system: true, url: 'http://prss.example.org/fhir/OperationDefinition/import' });
  });
});

describe('$import jobs', () => {
  let a: BulkApp;
  let files: string;
  beforeAll(async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'import-files-'));
    files = base;
    a = await startBulkApp({ IMPORT_DIR: base, IMPORT_BATCH_SIZE: '3' });
  });
  afterAll(async () => {
    await a.close();
    rmSync(files, { recursive: true, force: true });
  });

  const file = (name: string, rows: unknown[]) => {
    const f = path.join(files, name);
    writeFileSync(f, ndjson(rows));
    return pathToFileURL(f).href;
  };

  it('stores every valid line, reports each bad one with its line number, and never stops for them', async () => {
    const patients = file('patients.ndjson', [
      { resourceType: 'Patient', id: 'imp-1', name: [{ family: 'One' }] },
      '{"resourceType": "Patient", "id": "imp-broken"',
      { resourceType: 'Patient', id: 'imp-2', name: [{ family: 'Two' }] },
      { resourceType: 'Observation', id: 'imp-wrong-type', status: 'final', code: { text: 'x' } },
      { resourceType: 'Patient', id: 'imp-3', gender: 'sometimes' },
      { resourceType: 'Patient', id: 'bad id!' },
      '',
      { resourceType: 'Patient', name: [{ family: 'NoId' }] },
      { resourceType: 'Patient', id: 'imp-4', birthDate: '1990-02-30x' },
      { resourceType: 'Patient', id: 'imp-5', name: [{ family: 'Five' }] },
    ]);
    const claims = file('claims.ndjson', [
      // Claims our profile but breaks it: a 422 on a write, so refused here.
      { resourceType: 'Claim', id: 'imp-claim', meta: { profile: [PROFILE.claim] }, status: 'active' },
    ]);
    const res = await kickOff(a, params([{ type: 'Patient', url: patients }, { type: 'Claim', url: claims }]));
    expect(res.status).toBe(202);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const status = res.headers['content-location'];
    expect(status).toMatch(/\/fhir\/\$import-status\/[0-9a-f-]{36}$/);
    const manifest = await waitForImport(a, status);
    expect(manifest.request).toBe(`${a.t.base}/$import`);
    expect(manifest.output).toEqual([
      { type: 'Patient', inputUrl: patients, count: 4 },
      { type: 'Claim', inputUrl: claims, count: 0 },
    ]);
    expect(manifest.error).toEqual([{ type: 'OperationOutcome', url: expect.stringMatching(/\/\$import-file\//), count: 6 }]);
    const errors = (await text(a, manifest.error[0].url)).trim().split('\n').map((l) => JSON.parse(l));
    expect(errors.map((o) => o.resourceType)).toEqual(Array(6).fill('OperationOutcome'));
    expect(errors.map((o) => o.issue[0].location[0])).toEqual(['line 2', 'line 4', 'line 5', 'line 6', 'line 9', 'line 1']);
    expect(errors[0].issue[0].diagnostics).toBe(`${patients} line 2: not imported`);
    expect(errors[0].issue[1].diagnostics).toMatch(/Not valid JSON/);
    expect(errors[1].issue[1].diagnostics).toMatch(/is a Observation but the URL names Patient|Observation/);
    expect(errors[5].issue[0].diagnostics).toBe(`${claims} line 1: not imported`);
    // Stored at their ids, with their search index rows.
    for (const id of ['imp-1', 'imp-2', 'imp-5']) expect((await a.http().get(`/fhir/Patient/${id}`)).status).toBe(200);
    expect((await a.http().get('/fhir/Patient/imp-3')).status).toBe(404);
    expect((await a.http().get('/fhir/Claim/imp-claim')).status).toBe(404);
    const found = await a.http().get('/fhir/Patient?family=Five');
    expect(found.body.total).toBe(1);
    const noId = await a.http().get('/fhir/Patient?family=NoId');
    expect(noId.body.total).toBe(1);

    // The same files again: the same ids are updated, nothing is duplicated (an id-less line gets the same derived id only within a job).
    const before = await count(a, 'Patient');
    const again = await kickOff(a, params([{ type: 'Patient', url: patients }]));
    const second = await waitForImport(a, again.headers['content-location']);
    expect(second.output[0].count).toBe(4);
    expect(await count(a, 'Patient')).toBe(before + 1); // only the id-less member is new
    const one = await a.http().get('/fhir/Patient/imp-1');
    expect(one.body.meta.versionId).toBe('2');
    expect((await a.http().get('/fhir/Patient?family=One')).body.total).toBe(1);
  });

  it('status while queued is 202 with X-Progress; DELETE cancels it (then 404) and nothing is stored', async () => {
    await a.bulk.stop();
    try {
      const url = file('cancel.ndjson', [{ resourceType: 'Patient', id: 'cancel-1' }]);
      const res = await kickOff(a, params([{ type: 'Patient', url }]));
      const status = pathOf(res.headers['content-location']);
      const polled = await a.http().get(status);
      expect(polled.status).toBe(202);
      expect(polled.headers['x-progress']).toBe('queued');
      expect(polled.headers['retry-after']).toMatch(/^\d+$/);
      const del = await a.http().delete(status);
      expect(del.status).toBe(202);
      const gone = await a.http().get(status).set('Accept', 'application/json');
      expect(gone.status).toBe(404);
      expect(gone.headers['content-type']).toMatch(/^application\/json/);
      // An export status URL does not answer for an import, nor the other way round.
      expect((await a.http().get(status.replace('$import-status', '$export-status'))).status).toBe(404);
    } finally {
      a.reopen();
    }
    // The restarted worker finds nothing to do.
    await new Promise((r) => setTimeout(r, 200));
    expect((await a.http().get('/fhir/Patient/cancel-1')).status).toBe(404);
  });

  it('an interrupted job resumes after its last committed batch: nothing lost, nothing written twice, error lines not repeated', async () => {
    await a.bulk.stop();
    const rows: unknown[] = [];
    for (let i = 1; i <= 20; i++) rows.push(i % 7 === 0 ? '{not json' : { resourceType: 'Patient', id: `resume-${i}`, name: [{ family: `Resume${i}` }] });
    const url = file('resume.ndjson', rows);
    const res = await kickOff(a, params([{ type: 'Patient', url }]));
    const id = res.headers['content-location'].split('/').pop()!;
    // A worker claims it and is stopped after two batches (as a shutdown does).
    const job = (await a.bulk.jobs.claim('first-worker', 60))!;
    expect(job.id).toBe(id);
    let flushes = 0;
    const dir = path.join(a.dir, 'jobs', id);
    mkdirSync(dir, { recursive: true });
    await expect(runImport(job, {
      jobs: a.bulk.jobs, sql: a.t.sql, deps: a.t.app.deps, worker: 'first-worker', dir, batchSize: 3,
      stopping: () => ++flushes > 2,
    })).rejects.toBeInstanceOf(ImportStopping);
    await a.bulk.jobs.release(id, 'first-worker');
    const paused = (await a.bulk.jobs.get(id))!;
    const at = paused.progress as unknown as ImportProgress;
    expect(paused.status).toBe('queued');
    // Two batches of three committed (lines 1-6); the third was cut off before it was stored.
    expect(at.stored).toEqual([6]);
    expect(at.errors).toEqual([0]);
    expect(at.line).toBe(6);
    // Lines read after the commit point may have left error lines behind: the resume cuts them off.
    writeFileSync(path.join(dir, IMPORT_ERROR_FILE), `${readFileSync(path.join(dir, IMPORT_ERROR_FILE), 'utf8')}{"resourceType":"OperationOutcome","issue":[]}\n`);

    a.reopen();
    const manifest = await waitForImport(a, res.headers['content-location']);
    expect(manifest.output[0].count).toBe(18);
    expect(manifest.error[0].count).toBe(2);
    const errors = (await text(a, manifest.error[0].url)).trim().split('\n').map((l) => JSON.parse(l).issue[0].location[0]);
    expect(errors).toEqual(['line 7', 'line 14']);
    expect(await a.t.sql.query(`SELECT id FROM resource WHERE type = 'Patient' AND id LIKE 'resume-%'`)).toHaveLength(18);
    // Batches committed before the interruption were not written again.
    expect((await a.http().get('/fhir/Patient/resume-1')).body.meta.versionId).toBe('1');
    expect((await a.http().get('/fhir/Patient/resume-20')).body.meta.versionId).toBe('1');
  });

  it('reads http(s) inputs from an allowed origin, and fails the job (not the server) when the file cannot be fetched', async () => {
    const served = ndjson([{ resourceType: 'Practitioner', id: 'http-prac-1', name: [{ family: 'Remote' }] }, { resourceType: 'Practitioner', id: 'http-prac-2' }]);
    const server: Server = await new Promise((resolve) => {
      const s = express()
        .get('/data/practitioners.ndjson', (_req, res) => void res.type('application/fhir+ndjson').send(served))
        .get('/data/moved.ndjson', (_req, res) => void res.redirect('http://example.org/elsewhere.ndjson'))
        .listen(0, '127.0.0.1', () => resolve(s));
    });
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const b = await startBulkApp({ IMPORT_ALLOWED_ORIGINS: origin });
    try {
      const res = await kickOff(b, params([{ type: 'Practitioner', url: `${origin}/data/practitioners.ndjson` }]));
      expect(res.status).toBe(202);
      const manifest = await waitForImport(b, res.headers['content-location']);
      expect(manifest.output).toEqual([{ type: 'Practitioner', inputUrl: `${origin}/data/practitioners.ndjson`, count: 2 }]);
      expect(manifest.error).toEqual([]);
      expect((await b.http().get('/fhir/Practitioner/http-prac-1')).body.name[0].family).toBe('Remote');
      // A redirect is never followed (it could lead to another host): the job fails with a 500 status.
      const moved = await kickOff(b, params([{ type: 'Practitioner', url: `${origin}/data/moved.ndjson` }]));
      let st = 202;
      let body: { resourceType?: string } = {};
      for (let i = 0; i < 400 && st === 202; i++) {
        const r = await b.http().get(pathOf(moved.headers['content-location']));
        st = r.status;
        body = r.body;
        await new Promise((r2) => setTimeout(r2, 25));
      }
      expect(st).toBe(500);
      expect(body.resourceType).toBe('OperationOutcome');
    } finally {
      await b.close();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('$import and the claim rules', () => {
  const s = buildScenario({ key: 'imp-rules', serviceDate: '2026-03-10' });
  const bad: Claim = structuredClone(s.claim);
  bad.id = 'imp-rules-bad-claim';
  bad.identifier = [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: 'CLM-imp-rules-bad' }];
  bad.item![0].encounter = [{ reference: 'Encounter/nowhere' }];
  const RULES = 'http://prss.example.org/fhir/CodeSystem/prss-rule';

  it.each([['enforce'], ['report']] as const)('CLAIM_RULES=%s: a claim that breaks them is refused (enforce) or stored with its findings reported (report); the rest is stored', async (mode) => {
    const importDir = mkdtempSync(path.join(tmpdir(), 'import-rules-'));
    const b = await startBulkApp({ IMPORT_DIR: importDir, CLAIM_RULES: mode });
    try {
      const byType = new Map<string, unknown[]>();
      for (const r of [...s.resources(), bad]) byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), r]);
      // Claims last, so the records they point at are there when the rules look.
      const types = [...byType.keys()].sort((x, y) => Number(x === 'Claim') - Number(y === 'Claim'));
      const inputs = types.map((type) => {
        const f = path.join(importDir, `${type}.ndjson`);
        writeFileSync(f, ndjson(byType.get(type)!));
        return { type, url: pathToFileURL(f).href };
      });
      const res = await kickOff(b, params(inputs));
      expect(res.status).toBe(202);
      const manifest = await waitForImport(b, res.headers['content-location']);
      const claims = manifest.output.find((o) => o.type === 'Claim')!;
      expect(claims.count).toBe(mode === 'enforce' ? 1 : 2);
      expect(manifest.error).toHaveLength(1);
      const outcomes = (await text(b, manifest.error[0].url)).trim().split('\n').map((l) => JSON.parse(l));
      expect(outcomes).toHaveLength(1);
      const [o] = outcomes;
      expect(o.issue[0].location).toEqual(['line 2']);
      expect(o.issue[0].diagnostics).toMatch(mode === 'enforce' ? /line 2: not imported/ : /line 2: stored as Claim\/imp-rules-bad-claim/);
      expect(o.issue.some((i: { details?: { coding?: { system?: string }[] } }) => i.details?.coding?.[0]?.system === RULES)).toBe(true);
      expect((await b.http().get(`/fhir/Claim/${bad.id}`)).status).toBe(mode === 'enforce' ? 404 : 200);
      expect((await b.http().get(`/fhir/Claim/${s.claim.id}`)).status).toBe(200);
    } finally {
      await b.close();
      rmSync(importDir, { recursive: true, force: true });
    }
  });
});

describe('$import with SMART Backend Services', () => {
  it('needs write access: a warehouse client is refused; an admin import requires its own token to poll', async () => {
    const importDir = mkdtempSync(path.join(tmpdir(), 'import-auth-'));
    const admin = await makeClientKey('ES384', 'admin-1');
    const warehouse = await makeClientKey('ES384', 'wh-1');
    const clients = writeClientsFile([
      { clientId: 'admin', jwks: { keys: [admin.publicJwk] }, scopes: ['system/*.cruds'], role: 'admin' },
      { clientId: 'warehouse', jwks: { keys: [warehouse.publicJwk] }, scopes: ['system/*.rs'], role: 'warehouse' },
    ]);
    const b = await startBulkApp({ AUTH: 'on', AUTH_CLIENTS_FILE: clients, IMPORT_DIR: importDir });
    try {
      const tokenOf = async (clientId: string, key: ClientKey, scope: string) => {
        const res = await b.http().post('/auth/token').set('Content-Type', 'application/x-www-form-urlencoded')
          .send(tokenForm(await signAssertion({ clientId, tokenUrl: 'http://127.0.0.1:8080/auth/token', key }), scope));
        expect(res.status).toBe(200);
        return `Bearer ${res.body.access_token}`;
      };
      const adminToken = await tokenOf('admin', admin, 'system/*.cruds');
      const warehouseToken = await tokenOf('warehouse', warehouse, 'system/*.rs');
      const f = path.join(importDir, 'p.ndjson');
      writeFileSync(f, ndjson([{ resourceType: 'Patient', id: 'auth-1' }]));
      const body = JSON.stringify(params([{ type: 'Patient', url: pathToFileURL(f).href }]));
      const post = (token?: string) => {
        const r = b.http().post('/fhir/$import').set('Content-Type', FHIR_JSON).set('Prefer', 'respond-async');
        return (token ? r.set('Authorization', token) : r).send(body);
      };
      expect((await post()).status).toBe(401);
      const refused = await post(warehouseToken);
      expect(refused.status).toBe(403);
      expect(refused.body.resourceType).toBe('OperationOutcome');
      const res = await post(adminToken);
      expect(res.status).toBe(202);
      const status = pathOf(res.headers['content-location']);
      expect((await b.http().get(status)).status).toBe(401);
      expect((await b.http().get(status).set('Authorization', warehouseToken)).status).toBe(403);
      let manifest: ImportManifest | undefined;
      for (let i = 0; i < 400 && !manifest; i++) {
        const r = await b.http().get(status).set('Authorization', adminToken);
        if (r.status === 200) manifest = r.body;
        else await new Promise((r2) => setTimeout(r2, 50));
      }
      expect(manifest!.requiresAccessToken).toBe(true);
      expect(manifest!.output).toEqual([{ type: 'Patient', inputUrl: pathToFileURL(f).href, count: 1 }]);
    } finally {
      await b.close();
      rmSync(importDir, { recursive: true, force: true });
    }
  });
});

describe('warehouse round trip', () => {
  it('$export from one server and $import of its files into a second leaves the two stores equal, resource by resource', async () => {
    const source = await startBulkApp();
    const target = await startBulkApp({ IMPORT_DIR: path.join(source.dir, 'jobs'), IMPORT_BATCH_SIZE: '50' });
    try {
      const load = await source.http().post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify(loadDemoData()));
      expect(load.status).toBe(200);
      const exp = await source.http().get('/fhir/$export').set('Accept', FHIR_JSON).set('Prefer', 'respond-async');
      expect(exp.status).toBe(202);
      let manifest: { output: { type: string; url: string; count: number }[] } | undefined;
      for (let i = 0; i < 1200 && !manifest; i++) {
        const r = await source.http().get(pathOf(exp.headers['content-location']));
        if (r.status === 200) manifest = r.body;
        else await new Promise((r2) => setTimeout(r2, 50));
      }
      expect(manifest!.output.length).toBeGreaterThan(5);
      const jobId = exp.headers['content-location'].split('/').pop()!;
      // Claims last: the claim rules (CLAIM_RULES=report) then see the sessions and notes they check.
      const inputs = manifest!.output
        .map((o) => ({ type: o.type, url: pathToFileURL(path.join(source.dir, 'jobs', jobId, o.url.split('/').pop()!)).href }))
        .sort((x, y) => Number(x.type === 'Claim') - Number(y.type === 'Claim'));
      const imp = await kickOff(target, params(inputs));
      expect(imp.status).toBe(202);
      const result = await waitForImport(target, imp.headers['content-location']);
      // Nothing refused: any OperationOutcome in the error file is a rule finding on a stored claim.
      for (const e of result.error) {
        for (const line of (await text(target, e.url)).trim().split('\n')) expect(JSON.parse(line).issue[0]).toMatchObject({ severity: 'information', diagnostics: expect.stringMatching(/stored as Claim\//) });
      }
      expect(result.output.reduce((n, o) => n + o.count, 0)).toBe(manifest!.output.reduce((n, o) => n + o.count, 0));

      const dump = async (app: BulkApp) => {
        const rows = await app.t.sql.query<{ type: string; id: string; content: string }>(
          `SELECT type, id, content FROM resource WHERE NOT deleted AND type NOT IN ('StructureDefinition', 'OperationDefinition', 'SearchParameter', 'CodeSystem', 'ValueSet', 'ImplementationGuide', 'AuditEvent') ORDER BY type, id`,
        );
        return new Map(rows.map((r) => {
          const res = JSON.parse(r.content) as { meta?: Record<string, unknown> };
          // Versions and times are the store's own; everything else must be the same.
          if (res.meta) {
            delete res.meta.versionId;
            delete res.meta.lastUpdated;
            if (!Object.keys(res.meta).length) delete res.meta;
          }
          return [`${r.type}/${r.id}`, res];
        }));
      };
      const a = await dump(source);
      const b = await dump(target);
      expect(a.size).toBeGreaterThan(100);
      expect([...b.keys()]).toEqual([...a.keys()]);
      for (const [key, resource] of a) expect([key, b.get(key)]).toEqual([key, resource]);
      // Their search indexes agree too: the same searches find the same.
      for (const q of ['Claim?status=active', 'Encounter?status=finished', 'Patient?family=Whitaker', 'CarePlan?category=rrwp']) {
        const x = await source.http().get(`/fhir/${q}&_summary=count`);
        const y = await target.http().get(`/fhir/${q}&_summary=count`);
        expect([q, y.body.total]).toEqual([q, x.body.total]);
      }
    } finally {
      await target.close();
      await source.close();
    }
  }, 300_000);
});
