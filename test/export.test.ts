/**
 * Bulk Data 2.0.0 $export end to end: kick-off, polling, manifest and NDJSON download on both
 * stores; NDJSON line counts are checked against the matching searches' totals.
 */
import express from 'express';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { bulkExportFor, createBulkExport, type BulkExport, type BulkExportOptions } from '../src/bulk';
import { bulkMiddleware } from '../src/bulk/http';
import { forbidden } from '../src/outcomes';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

interface ExportApp {
  t: TestApp;
  bulk: BulkExport;
  dir: string;
  http: () => ReturnType<typeof request>;
  /** A fresh BulkExport on the same store and directory (a restarted instance). */
  reopen(tuning?: Partial<BulkExportOptions>): BulkExport;
  close(): Promise<void>;
}

/**
 * The app with EXPORT_WORKER=off, plus a BulkExport the test controls (its worker tuning, its
 * restarts). When createApp already mounts the bulk endpoints, requests go straight to the app;
 * otherwise the endpoints are mounted in front of it, as createApp is to do.
 */
async function startExportApp(env: Record<string, string> = {}, tuning: Partial<BulkExportOptions> = {}): Promise<ExportApp> {
  const dir = mkdtempSync(path.join(tmpdir(), 'export-test-'));
  const t = await startTestApp({ EXPORT_DIR: dir, EXPORT_WORKER: 'off', VALIDATE_ON_WRITE: 'structure', CLAIM_RULES: 'off', ...env });
  const wired = bulkExportFor(t.app.deps) !== undefined;
  const make = (extra: Partial<BulkExportOptions>) =>
    createBulkExport({ sql: t.sql, deps: t.app.deps, logger: t.app.logger, baseUrl: t.app.baseUrl, worker: true, pollMs: 50, ...tuning, ...extra });
  const app: ExportApp = {
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
  // Status and file URLs go to whichever BulkExport is current (they read the shared job table).
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

async function kickOff(a: ExportApp, url: string, body?: unknown) {
  const req = body === undefined ? a.http().get(url) : a.http().post(url).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
  return req.set('Accept', FHIR_JSON).set('Prefer', 'respond-async');
}

interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: { type: string; url: string; count: number }[];
}

async function waitForManifest(a: ExportApp, statusUrl: string): Promise<Manifest> {
  for (let i = 0; i < 600; i++) {
    const res = await a.http().get(pathOf(statusUrl));
    if (res.status === 200) {
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      return res.body as Manifest;
    }
    expect(res.status).toBe(202);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.headers['x-progress']).toBeTruthy();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('export did not finish');
}

async function exportAll(a: ExportApp, url: string, body?: unknown) {
  const res = await kickOff(a, url, body);
  expect(res.status).toBe(202);
  const status = res.headers['content-location'];
  expect(status).toMatch(/\/fhir\/\$export-status\/[0-9a-f-]{36}$/);
  const manifest = await waitForManifest(a, status);
  const lines: Record<string, Record<string, unknown>[]> = {};
  for (const o of manifest.output) {
    const file = await a.http().get(pathOf(o.url)).buffer(true).parse((r, cb) => {
      let s = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (s += c));
      r.on('end', () => cb(null, s));
    });
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('application/fhir+ndjson');
    const parsed = (file.body as string).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toHaveLength(o.count);
    for (const r of parsed) expect(r.resourceType).toBe(o.type);
    (lines[o.type] ??= []).push(...parsed);
  }
  return { status, manifest, lines, count: (type: string) => lines[type]?.length ?? 0 };
}

async function total(a: ExportApp, query: string): Promise<number> {
  const res = await a.http().get(`/fhir/${query}${query.includes('?') ? '&' : '?'}_summary=count`);
  expect(res.status).toBe(200);
  return res.body.total as number;
}

async function seed(a: ExportApp, patients: number, perPatient: number) {
  const entry: unknown[] = [];
  for (let i = 0; i < patients; i++) {
    const pid = `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    entry.push({ fullUrl: pid, request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', name: [{ family: `Member${i}` }] } });
    for (let j = 0; j < perPatient; j++) {
      entry.push({
        request: { method: 'POST', url: 'CarePlan' },
        resource: {
          resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: pid },
          category: [{ coding: [{ system: 'http://prss.example.org/fhir/CodeSystem/prss-careplan-category', code: j % 2 === 0 ? 'rrwp' : 'crisis' }] }],
        },
      });
      entry.push({
        request: { method: 'POST', url: 'Observation' },
        resource: { resourceType: 'Observation', status: 'final', code: { text: 'check-in' }, subject: { reference: pid } },
      });
    }
  }
  const res = await a.http().post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }));
  expect(res.status).toBe(200);
  return (res.body.entry as { response: { location: string } }[])
    .map((e) => e.response.location.split('/'))
    .filter(([type]) => type === 'Patient')
    .map(([, id]) => id);
}

describe('$export', () => {
  let a: ExportApp;
  let patients: string[];
  let groupId: string;
  beforeAll(async () => {
    a = await startExportApp();
    patients = await seed(a, 3, 4);
    const prac = await a.http().post('/fhir/Practitioner').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Practitioner', name: [{ family: 'Peer' }] }));
    expect(prac.status).toBe(201);
    const group = await a.http().post('/fhir/Group').set('Content-Type', FHIR_JSON).send(JSON.stringify({
      resourceType: 'Group', type: 'person', actual: true,
      member: [{ entity: { reference: `Patient/${patients[0]}` } }, { entity: { reference: `Patient/${patients[1]}` } }, { entity: { reference: `Patient/${patients[2]}` }, inactive: true }],
    }));
    expect(group.status).toBe(201);
    groupId = group.body.id;
  });
  afterAll(async () => a.close());

  it('without Prefer: respond-async, a kick-off is a 400 OperationOutcome', async () => {
    const res = await a.http().get('/fhir/$export').set('Accept', FHIR_JSON);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('an unsupported _outputFormat, an unknown _type and a malformed _since are 400s', async () => {
    for (const q of ['_outputFormat=application/fhir%2Bjson', '_outputFormat=text/csv', '_type=Patient,Nonsense', '_since=2024-01-01', '_typeFilter=CarePlan?nonsense=1']) {
      const res = await kickOff(a, `/fhir/$export?${q}`);
      expect([q, res.status]).toEqual([q, 400]);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
    for (const q of ['_outputFormat=application/fhir%2Bndjson', '_outputFormat=application/ndjson', '_outputFormat=ndjson']) {
      const res = await kickOff(a, `/fhir/$export?_type=Practitioner&${q}`);
      expect([q, res.status]).toEqual([q, 202]);
      await waitForManifest(a, res.headers['content-location']);
    }
  });

  it('system export: 202 + Content-Location, then a manifest whose files hold every resource the searches find', async () => {
    const { manifest, count } = await exportAll(a, '/fhir/$export');
    expect(manifest.requiresAccessToken).toBe(false);
    expect(manifest.request).toBe(`${a.t.base}/$export`);
    expect(Date.parse(manifest.transactionTime)).not.toBeNaN();
    expect(manifest.error).toEqual([]);
    for (const type of ['Patient', 'CarePlan', 'Observation', 'Practitioner', 'Group']) {
      expect([type, count(type)]).toEqual([type, await total(a, type)]);
    }
    expect(count('Patient')).toBe(3);
    // Conformance resources shipped with the server are not data.
    expect(manifest.output.map((o) => o.type)).not.toContain('StructureDefinition');
  });

  it('_type restricts the types; _since keeps only resources changed after it', async () => {
    const typed = await exportAll(a, '/fhir/$export?_type=Patient,CarePlan');
    expect(new Set(typed.manifest.output.map((o) => o.type))).toEqual(new Set(['Patient', 'CarePlan']));
    expect(typed.count('CarePlan')).toBe(await total(a, 'CarePlan'));

    await new Promise((r) => setTimeout(r, 20));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const late = await a.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Late' }] }));
    const recent = await exportAll(a, `/fhir/$export?_since=${encodeURIComponent(since)}`);
    expect(recent.manifest.output.map((o) => o.type)).toEqual(['Patient']);
    expect(recent.lines.Patient.map((p) => p.id)).toEqual([late.body.id]);
    expect(await total(a, `Patient?_lastUpdated=gt${encodeURIComponent(since)}`)).toBe(1);
    await a.http().delete(`/fhir/Patient/${late.body.id}`);
  });

  it('_typeFilter selects what the same search selects; several filters for a type are ORed (POST Parameters)', async () => {
    const rrwp = await exportAll(a, '/fhir/$export?_type=CarePlan&_typeFilter=' + encodeURIComponent('CarePlan?category=rrwp'));
    expect(rrwp.count('CarePlan')).toBe(await total(a, 'CarePlan?category=rrwp'));
    expect(rrwp.count('CarePlan')).toBe(6);

    const both = await exportAll(a, '/fhir/$export', {
      resourceType: 'Parameters',
      parameter: [
        { name: '_type', valueString: 'CarePlan,Patient' },
        { name: '_typeFilter', valueString: `CarePlan?category=rrwp&subject=Patient/${patients[0]}` },
        { name: '_typeFilter', valueString: `CarePlan?subject=Patient/${patients[1]}` },
      ],
    });
    expect(both.manifest.request).toBe(`${a.t.base}/$export`);
    expect(both.count('CarePlan')).toBe(
      (await total(a, `CarePlan?category=rrwp&subject=Patient/${patients[0]}`)) + (await total(a, `CarePlan?subject=Patient/${patients[1]}`)),
    );
    expect(both.count('Patient')).toBe(3);
  });

  it('Patient/$export exports the Patient compartment only', async () => {
    const { manifest, count } = await exportAll(a, '/fhir/Patient/$export');
    expect(manifest.request).toBe(`${a.t.base}/Patient/$export`);
    expect(manifest.output.map((o) => o.type)).not.toContain('Practitioner');
    expect(count('Patient')).toBe(3);
    expect(count('CarePlan')).toBe(await total(a, 'CarePlan'));
    expect(count('Observation')).toBe(await total(a, 'Observation'));
    // Only types outside the compartment: nothing to give, so a 400.
    const practitioner = await kickOff(a, '/fhir/Patient/$export?_type=Practitioner');
    expect(practitioner.status).toBe(400);
  });

  it('Group/[id]/$export exports the compartments of the active members only', async () => {
    const members = `Patient/${patients[0]},Patient/${patients[1]}`;
    const { count, lines } = await exportAll(a, `/fhir/Group/${groupId}/$export?_type=Patient,CarePlan,Observation`);
    expect(lines.Patient.map((p) => p.id).sort()).toEqual([patients[0], patients[1]].sort());
    expect(count('CarePlan')).toBe(await total(a, `CarePlan?subject=${members}`));
    expect(count('Observation')).toBe(await total(a, `Observation?subject=${members}`));
    expect(count('CarePlan')).toBe(8);

    const narrowed = await exportAll(a, `/fhir/Group/${groupId}/$export`, {
      resourceType: 'Parameters',
      parameter: [{ name: '_type', valueString: 'Patient' }, { name: 'patient', valueReference: { reference: `Patient/${patients[1]}` } }],
    });
    expect(narrowed.lines.Patient.map((p) => p.id)).toEqual([patients[1]]);
    expect((await kickOff(a, '/fhir/Group/nope/$export')).status).toBe(404);
  });

  it("the access policy's filters apply to every exported type (tenancy), and a type it forbids is a 403", async () => {
    const allowed = patients[0];
    a.t.app.deps.access = {
      assertAllowed: (_auth, _interaction, type) => {
        if (type === 'Practitioner') throw forbidden('not for this client');
      },
      assertResource: async () => undefined,
      // Stands in for an organization filter: only the first member and what points at her.
      searchFilter: (_auth, type, p, alias) => [type === 'Patient'
        ? `${alias}.id = ${p.add(allowed)}`
        : `EXISTS (SELECT 1 FROM resource_ref x WHERE x.rid = ${alias}.rid AND x.target_type = 'Patient' AND x.target_id = ${p.add(allowed)})`],
    };
    try {
      expect((await kickOff(a, '/fhir/$export?_type=Practitioner')).status).toBe(403);
      const { manifest, lines, count } = await exportAll(a, '/fhir/$export?_type=Patient,CarePlan,Observation');
      expect(manifest.output.length).toBeGreaterThan(0);
      expect(lines.Patient.map((r) => r.id)).toEqual([allowed]);
      expect(count('CarePlan')).toBe(await total(a, `CarePlan?subject=Patient/${allowed}`));
      for (const r of [...lines.CarePlan, ...lines.Observation]) expect((r.subject as { reference: string }).reference).toBe(`Patient/${allowed}`);
    } finally {
      a.t.app.deps.access = undefined;
    }
  });

  it('DELETE on the status URL cancels: 202, then the status is 404', async () => {
    const res = await kickOff(a, '/fhir/$export');
    const status = pathOf(res.headers['content-location']);
    const del = await a.http().delete(status);
    expect(del.status).toBe(202);
    expect((await a.http().get(status)).status).toBe(404);
    const again = await a.http().delete(status);
    expect(again.status).toBe(404);
    expect(again.body.resourceType).toBe('OperationOutcome');
    // Its directory goes with it.
    await a.bulk.worker.sweep();
    expect(existsSync(path.join(a.dir, status.split('/').pop()!))).toBe(false);
  });

  it('files expire after the TTL: status and files are 404 and the files are deleted', async () => {
    const done = await exportAll(a, '/fhir/$export?_type=Patient');
    const id = done.status.split('/').pop()!;
    expect(existsSync(path.join(a.dir, id))).toBe(true);
    await a.t.sql.query(`UPDATE export_job SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    expect((await a.http().get(pathOf(done.status))).status).toBe(404);
    expect((await a.http().get(pathOf(done.manifest.output[0].url))).status).toBe(404);
    await a.bulk.worker.sweep();
    expect(existsSync(path.join(a.dir, id))).toBe(false);
    expect(await a.bulk.jobs.get(id)).toBeUndefined();
  });

  it('unknown status and file URLs are 404 OperationOutcomes', async () => {
    const res = await a.http().get('/fhir/$export-status/00000000-0000-4000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const done = await exportAll(a, '/fhir/$export?_type=Patient');
    const other = done.manifest.output[0].url.replace(/Patient-1\.ndjson$/, 'Observation-1.ndjson');
    expect((await a.http().get(pathOf(other))).status).toBe(404);
  });

  it('a kick-off without Accept is a 400 OperationOutcome (GET and POST)', async () => {
    const get = await a.http().get('/fhir/$export').set('Prefer', 'respond-async');
    expect(get.status).toBe(400);
    expect(get.body.resourceType).toBe('OperationOutcome');
    expect(get.body.issue[0].diagnostics).toMatch(/Accept/);
    const post = await a.http().post('/fhir/Patient/$export').set('Prefer', 'respond-async').set('Content-Type', FHIR_JSON)
      .send(JSON.stringify({ resourceType: 'Parameters', parameter: [] }));
    expect(post.status).toBe(400);
  });

  it('_since in the future is a 400 (GET and POST); a past one is accepted', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    expect((await kickOff(a, `/fhir/$export?_since=${encodeURIComponent(future)}`)).status).toBe(400);
    const post = await kickOff(a, '/fhir/Patient/$export', { resourceType: 'Parameters', parameter: [{ name: '_since', valueInstant: '2057-01-01T00:00:00+05:00' }] });
    expect(post.status).toBe(400);
    expect(post.body.issue[0].diagnostics).toMatch(/future/);
    const past = await kickOff(a, `/fhir/$export?_type=Patient&_since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`);
    expect(past.status).toBe(202);
    await waitForManifest(a, past.headers['content-location']);
  });

  it('repeated _type parameters mean the same as one comma-separated list', async () => {
    const repeated = await exportAll(a, '/fhir/$export?_type=Patient&_type=CarePlan');
    const listed = await exportAll(a, '/fhir/$export?_type=Patient,CarePlan');
    expect(repeated.manifest.output.map((o) => [o.type, o.count])).toEqual(listed.manifest.output.map((o) => [o.type, o.count]));
    expect(new Set(repeated.manifest.output.map((o) => o.type))).toEqual(new Set(['Patient', 'CarePlan']));
  });

  it('a patient-level _type naming types outside the Patient compartment exports the others and says so in the error array', async () => {
    const { manifest, count } = await exportAll(a, '/fhir/Patient/$export?_type=Practitioner&_type=Patient');
    expect(manifest.output.map((o) => o.type)).toEqual(['Patient']);
    expect(count('Patient')).toBe(3);
    expect(manifest.error).toHaveLength(1);
    expect(JSON.stringify(manifest.error[0])).toMatch(/Practitioner is not in the Patient compartment/);
  });

  it.each([
    ['system GET', '/fhir/$export?_type=CarePlan,Patient&_elements=id,CarePlan.meta', undefined],
    ['system POST', '/fhir/$export', { resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'CarePlan,Patient' }, { name: '_elements', valueString: 'id,CarePlan.meta' }] }],
    ['Patient GET, repeated _elements', '/fhir/Patient/$export?_type=CarePlan,Patient&_elements=id&_elements=CarePlan.meta', undefined],
    ['Group POST', 'group', { resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'CarePlan,Patient' }, { name: '_elements', valueString: 'id' }, { name: '_elements', valueString: 'CarePlan.meta' }] }],
  ])('_elements (%s): the named type keeps only id, meta and its mandatory elements, tagged SUBSETTED; others are whole', async (_name, url, body) => {
    const { lines } = await exportAll(a, url === 'group' ? `/fhir/Group/${groupId}/$export` : url, body);
    expect(lines.CarePlan.length).toBeGreaterThan(0);
    for (const cp of lines.CarePlan) {
      // CarePlan's mandatory elements in R4: status, intent, subject.
      expect(Object.keys(cp).sort()).toEqual(['id', 'intent', 'meta', 'resourceType', 'status', 'subject']);
      expect((cp.meta as { tag: unknown[] }).tag).toContainEqual(expect.objectContaining({ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }));
    }
    // `id` applies to every type, so Patients are subsetted too (name is not mandatory, so it goes).
    for (const p of lines.Patient) {
      expect(p.name).toBeUndefined();
      expect(p.id).toBeDefined();
    }
  });

  it('_elements only limits types it names: Type.name for another type leaves this one whole', async () => {
    const { lines } = await exportAll(a, '/fhir/$export?_type=Patient&_elements=CarePlan.status');
    for (const p of lines.Patient) {
      expect(p.name).toBeDefined();
      expect(JSON.stringify(p.meta)).not.toMatch(/SUBSETTED/);
    }
    expect((await kickOff(a, '/fhir/$export?_elements=name.family')).status).toBe(400);
    expect((await kickOff(a, '/fhir/$export?_elements=Nonsense.id')).status).toBe(400);
  });

  it('includeAssociatedData adds the Provenance of exported resources: Relevant all of it, Latest the newest per target', async () => {
    const target = `Patient/${patients[0]}`;
    const prov = async (when: string, targets: string[]) => {
      const res = await a.http().post('/fhir/Provenance').set('Content-Type', FHIR_JSON).send(JSON.stringify({
        resourceType: 'Provenance', recorded: when, target: targets.map((reference) => ({ reference })), agent: [{ who: { display: 'EHR import' } }],
      }));
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const older = await prov('2026-01-01T00:00:00Z', [target]);
    const newer = await prov('2026-02-01T00:00:00Z', [target]);
    const practitionerOnly = await prov('2026-02-01T00:00:00Z', ['Practitioner/nobody']);
    try {
      const relevant = await exportAll(a, `/fhir/Patient/$export?_type=Patient&includeAssociatedData=RelevantProvenanceResources`);
      expect(relevant.lines.Provenance.map((p) => p.id).sort()).toEqual([older, newer].sort());
      const latest = await exportAll(a, `/fhir/Group/${groupId}/$export?_type=Patient&includeAssociatedData=LatestProvenanceResources`);
      expect(latest.lines.Provenance.map((p) => p.id)).toEqual([newer]);
      // Comma-separated and repeated values; Relevant includes Latest.
      const both = await exportAll(a, `/fhir/$export?_type=Patient&includeAssociatedData=LatestProvenanceResources,RelevantProvenanceResources`);
      expect(both.lines.Provenance.map((p) => p.id).sort()).toEqual([older, newer].sort());
      expect(both.lines.Provenance.map((p) => p.id)).not.toContain(practitionerOnly);
      // Values the IG does not define, or custom ones this server has none of: 400, or ignored with a warning when lenient.
      expect((await kickOff(a, '/fhir/$export?includeAssociatedData=_custom')).status).toBe(400);
      const lenient = await a.http().get('/fhir/$export?_type=Patient&includeAssociatedData=_custom').set('Accept', FHIR_JSON).set('Prefer', 'respond-async, handling=lenient');
      expect(lenient.status).toBe(202);
      const manifest = await waitForManifest(a, lenient.headers['content-location']);
      expect(JSON.stringify(manifest.error)).toMatch(/includeAssociatedData/);
    } finally {
      for (const id of [older, newer, practitionerOnly]) await a.http().delete(`/fhir/Provenance/${id}`);
    }
  });

  it('an unsupported _typeFilter is a 400; under Prefer: handling=lenient it is ignored and reported in the manifest error array as OperationOutcome NDJSON', async () => {
    const strict = await kickOff(a, '/fhir/$export?_type=Patient&_typeFilter=' + encodeURIComponent('Patient?status=active'));
    expect(strict.status).toBe(400);
    const res = await a.http().get('/fhir/$export?_type=Patient,CarePlan&_typeFilter=' + encodeURIComponent('Patient?status=active') + '&_typeFilter=' + encodeURIComponent('CarePlan?category=rrwp'))
      .set('Accept', FHIR_JSON).set('Prefer', 'respond-async, handling=lenient');
    expect(res.status).toBe(202);
    const manifest = await waitForManifest(a, res.headers['content-location']);
    const counts = Object.fromEntries(manifest.output.map((o) => [o.type, o.count]));
    // The unsupported filter is dropped (all Patients), the supported one still applies.
    expect(counts.Patient).toBe(await total(a, 'Patient'));
    expect(counts.CarePlan).toBe(await total(a, 'CarePlan?category=rrwp'));
    expect(manifest.error).toHaveLength(1);
    expect(manifest.error[0]).toMatchObject({ type: 'OperationOutcome', resourceType: 'OperationOutcome', count: 1 });
    const file = await a.http().get(pathOf(manifest.error[0].url)).buffer(true).parse((r, cb) => {
      let s = '';
      r.on('data', (c: Buffer) => (s += c.toString()));
      r.on('end', () => cb(null, s));
    });
    const outcomes = (file.body as string).trim().split('\n').map((l) => JSON.parse(l));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0].resourceType).toBe('OperationOutcome');
    expect(outcomes[0].issue[0]).toMatchObject({ severity: 'warning', code: 'not-supported' });
    expect(outcomes[0].issue[0].diagnostics).toMatch(/_typeFilter.*Patient\?status=active/);
  });

  it('after a DELETE, the status URL answers 404 with an OperationOutcome in the JSON flavour the client accepts', async () => {
    const res = await kickOff(a, '/fhir/$export?_type=Patient');
    const status = pathOf(res.headers['content-location']);
    expect((await a.http().delete(status)).status).toBe(202);
    for (const [accept, type] of [['application/json', 'application/json'], [FHIR_JSON, FHIR_JSON], [undefined, FHIR_JSON]] as const) {
      const req = a.http().get(status);
      const got = await (accept ? req.set('Accept', accept) : req);
      expect(got.status).toBe(404);
      expect(got.headers['content-type']).toBe(`${type}; charset=utf-8`);
      expect(got.body.resourceType).toBe('OperationOutcome');
    }
    const again = await a.http().delete(status).set('Accept', 'application/json');
    expect(again.status).toBe(404);
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(again.text).resourceType).toBe('OperationOutcome');
  });

  it('the CapabilityStatement names the Bulk Data operation definitions', async () => {
    const cs = (await a.http().get('/fhir/metadata')).body;
    const rest = cs.rest[0];
    expect(rest.operation).toContainEqual({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' });
    const of = (type: string) => rest.resource.find((r: { type: string }) => r.type === type).operation;
    expect(of('Patient')).toContainEqual({ name: 'patient-export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' });
    expect(of('Group')).toContainEqual({ name: 'group-export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' });
  });
});

describe('$export limits and restarts', () => {
  it('answers 429 with Retry-After once EXPORT_MAX_CONCURRENT exports are in progress', async () => {
    const a = await startExportApp({ EXPORT_MAX_CONCURRENT: '1' }, { worker: false });
    try {
      const first = await kickOff(a, '/fhir/$export');
      expect(first.status).toBe(202);
      const second = await kickOff(a, '/fhir/$export');
      expect(second.status).toBe(429);
      expect(second.headers['retry-after']).toMatch(/^\d+$/);
      expect(second.body.resourceType).toBe('OperationOutcome');
      // Cancelling frees the slot.
      expect((await a.http().delete(pathOf(first.headers['content-location']))).status).toBe(202);
      expect((await kickOff(a, '/fhir/$export')).status).toBe(202);
    } finally {
      await a.close();
    }
  });

  it('a worker stopped mid-export gives the job back; the restarted one finishes it with nothing lost or doubled', async () => {
    const a = await startExportApp({ EXPORT_PAGE_SIZE: '5' }, { pageDelayMs: 25 });
    try {
      await seed(a, 10, 2);
      const res = await kickOff(a, '/fhir/$export?_type=CarePlan,Observation,Patient');
      const id = res.headers['content-location'].split('/').pop()!;
      // Wait until the first type is done and the second is under way.
      for (let i = 0; i < 400; i++) {
        const job = await a.bulk.jobs.get(id);
        if (job!.doneTypes.length >= 1 && job!.progress.written > job!.output[0].count) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await a.bulk.stop();
      const paused = (await a.bulk.jobs.get(id))!;
      expect(paused.status).toBe('queued');
      expect(paused.doneTypes).toEqual(['CarePlan']);
      expect(paused.attempts).toBe(0);
      // The finished type's file stays; the interrupted type's partial file is gone.
      expect(readdirSync(path.join(a.dir, id))).toEqual(['CarePlan-1.ndjson']);

      a.reopen({ pageDelayMs: 0 });
      const manifest = await waitForManifest(a, res.headers['content-location']);
      const counts: Record<string, number> = {};
      const ids = new Set<string>();
      for (const o of manifest.output) {
        counts[o.type] = (counts[o.type] ?? 0) + o.count;
        const text = (await a.http().get(pathOf(o.url)).buffer(true).parse((r, cb) => {
          let s = '';
          r.on('data', (c: Buffer) => (s += c.toString()));
          r.on('end', () => cb(null, s));
        })).body as string;
        for (const line of text.trim().split('\n')) ids.add(`${o.type}/${(JSON.parse(line) as { id: string }).id}`);
      }
      expect(counts).toEqual({ CarePlan: 20, Observation: 20, Patient: 10 });
      expect(ids.size).toBe(50);
    } finally {
      await a.close();
    }
  });

  it('a job left running by a dead instance is reclaimed and finished; one interrupted too often fails cleanly', async () => {
    const a = await startExportApp({}, { worker: false, staleSeconds: 0 });
    try {
      await seed(a, 2, 1);
      const res = await kickOff(a, '/fhir/$export?_type=Patient');
      const id = res.headers['content-location'].split('/').pop()!;
      // A dead worker claimed it and left half a file behind.
      expect((await a.bulk.jobs.claim('dead-instance', 60))!.id).toBe(id);
      mkdirSync(path.join(a.dir, id), { recursive: true });
      writeFileSync(path.join(a.dir, id, 'Patient-1.ndjson.part'), '{"resourceType":"Pat');
      a.bulk.start();
      const manifest = await waitForManifest(a, res.headers['content-location']);
      expect(manifest.output).toEqual([expect.objectContaining({ type: 'Patient', count: 2 })]);
      expect(readdirSync(path.join(a.dir, id))).toEqual(['Patient-1.ndjson']);
      await a.bulk.stop();

      const doomed = await kickOff(a, '/fhir/$export?_type=Patient');
      const doomedId = doomed.headers['content-location'].split('/').pop()!;
      await a.t.sql.query(`UPDATE export_job SET status = 'running', worker = 'dead-instance', heartbeat_at = now() - interval '1 hour', attempts = 3 WHERE id = $1`, [doomedId]);
      a.reopen({ worker: true, staleSeconds: 0 });
      let status = 202;
      let body: { resourceType?: string } = {};
      for (let i = 0; i < 200 && status === 202; i++) {
        const r = await a.http().get(pathOf(doomed.headers['content-location']));
        status = r.status;
        body = r.body;
        await new Promise((r2) => setTimeout(r2, 25));
      }
      expect(status).toBe(500);
      expect(body.resourceType).toBe('OperationOutcome');
    } finally {
      await a.close();
    }
  });
});
