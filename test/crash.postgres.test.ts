/**
 * kill -9 in the middle of a large transaction (PostgreSQL): the server runs as a child process and is
 * killed with SIGKILL while the database is part-way through writing a transaction Bundle of 1,000
 * entries, then started again on the same schema. The Bundle is wholly absent (never half-written),
 * what was committed before the crash is wholly present, the server answers again, and every stored
 * resource's search index rows are exactly what indexing its stored JSON produces.
 *
 * To kill at a known point rather than by luck, the test holds, in an open transaction of its own,
 * an uncommitted row with the id of the Bundle's last Patient: the server's batched INSERT writes the
 * rows before it, then waits on that key's uniqueness check — inside its transaction, with rows
 * written. That is where the server dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { search as searchModule } from '../src/fhir/search';
import { literalReferences } from '../src/fhir/literal-references';
import { freePort } from './support/server';

const URL_ = process.env.TEST_DATABASE_URL!;
const SCHEMA = `crash_${randomBytes(6).toString('hex')}`;
const APP_NAME = `prss-crash-${randomBytes(4).toString('hex')}`;
const ROOT = path.join(__dirname, '..');
const N = 500; // Patients, and as many Encounters naming them: 1,000 entries

let db: Client;
let server: { child: ChildProcess; base: string; stderr: string[] } | undefined;

async function startServer(): Promise<{ child: ChildProcess; base: string; stderr: string[] }> {
  const port = await freePort();
  const url = new URL(URL_);
  url.searchParams.set('application_name', APP_NAME); // lets the test find the server's database sessions
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env, NODE_OPTIONS: '', DATABASE_URL: url.toString(), DATABASE_SCHEMA: SCHEMA, DATABASE_POOL_SIZE: '4',
      PORT: String(port), HOST: '127.0.0.1', AUTH: 'off', AUDIT: 'off', DEMO: 'off', LOG_LEVEL: 'warn', VALIDATE_ON_WRITE: 'structure', CLAIM_RULES: 'off',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const base = `http://127.0.0.1:${port}/fhir`;
  // Ready when it answers; a server that exits first fails the test with its stderr.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr.join('')}`);
    const ok = await fetch(`${base}/metadata`).then((r) => r.ok, () => false);
    if (ok) return { child, base, stderr };
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopServer(s: { child: ChildProcess }, signal: NodeJS.Signals): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill(signal);
  await exited;
}

/** Polls until the condition holds (the test's own bound is jest's timeout). */
async function until(what: () => Promise<boolean>): Promise<void> {
  while (!(await what())) await new Promise((r) => setTimeout(r, 50));
}

const serverSessions = async (extra = 'true') =>
  Number((await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND ${extra}`, [APP_NAME])).rows[0].n);

function memberBundle(run: string, n: number) {
  const entry: object[] = [];
  for (let i = 0; i < n; i++) {
    entry.push({
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: { resourceType: 'Patient', id: `${run}-p${i}`, identifier: [{ system: 'urn:crash', value: `${run}-${i}` }], name: [{ family: `Crash${i}`, given: ['Kay'] }], birthDate: '1990-01-02', gender: 'female' },
      request: { method: 'PUT', url: `Patient/${run}-p${i}` },
    });
  }
  for (let i = 0; i < n; i++) {
    entry.push({
      resource: {
        resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        subject: { reference: `Patient/${run}-p${i}` }, period: { start: '2026-03-10T10:00:00-05:00', end: '2026-03-10T11:00:00-05:00' },
        identifier: [{ system: 'urn:crash-enc', value: `${run}-${i}` }],
      },
      request: { method: 'POST', url: 'Encounter' },
    });
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

const postBundle = (base: string, bundle: object) =>
  fetch(base, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(bundle) });

const q = (sql: string) => sql.replaceAll('{s}', SCHEMA);
const countRun = async (run: string) => {
  const r = await db.query(q(`SELECT type, count(*)::int AS n FROM {s}.resource WHERE NOT deleted AND content LIKE $1 GROUP BY type ORDER BY type`), [`%${run}-%`]);
  return Object.fromEntries(r.rows.map((x) => [x.type, x.n]));
};

beforeAll(async () => {
  db = new Client({ connectionString: URL_ });
  await db.connect();
});
afterAll(async () => {
  if (server) await stopServer(server, 'SIGKILL');
  await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
  await db.end();
});

it('a transaction Bundle cut by SIGKILL mid-write is wholly absent after restart; committed data and every index row are intact', async () => {
  server = await startServer();

  // Committed before the crash: must survive it whole.
  const before = await postBundle(server.base, memberBundle('kept', 50));
  expect(before.status).toBe(200);
  expect(await countRun('kept')).toEqual({ Encounter: 50, Patient: 50 });

  // The blocker: the last Patient's id, inserted but not committed.
  const blocker = new Client({ connectionString: URL_ });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query(q(`INSERT INTO {s}.resource (type, id, version, last_updated, deleted, content) VALUES ('Patient', $1, 1, now(), false, '{}')`), [`cut-p${N - 1}`]);

    const inFlight = postBundle(server.base, memberBundle('cut', N)).then((r) => r.status, (e: Error) => e.message);
    // The server's transaction has written rows (it has a transaction id) and waits on the blocker's key.
    await until(async () => (await serverSessions(`backend_xid IS NOT NULL AND wait_event_type = 'Lock'`)) === 1);
    await stopServer(server, 'SIGKILL');
    await blocker.query('ROLLBACK');
    // The request never got an answer.
    expect(await inFlight).not.toBe(200);
  } finally {
    await blocker.end();
  }
  // PostgreSQL ends the dead server's sessions (and rolls back the open transaction).
  await until(async () => (await serverSessions()) === 0);

  server = await startServer();
  expect(await countRun('cut')).toEqual({});
  expect(await countRun('kept')).toEqual({ Encounter: 50, Patient: 50 });
  const none = (await (await fetch(`${server.base}/Patient?identifier=urn:crash|cut-0&_summary=count`)).json()) as { total: number };
  expect(none.total).toBe(0);
  const kept = (await (await fetch(`${server.base}/Encounter?subject=Patient/kept-p7`)).json()) as { total: number };
  expect(kept.total).toBe(1);
  // No version, index row or reference row of the cut Bundle was left behind, by rid or by id.
  const orphans = await db.query(q(`SELECT
      (SELECT count(*) FROM {s}.resource_version WHERE id LIKE 'cut-%' OR content LIKE '%cut-%')::int AS versions,
      (SELECT count(*) FROM {s}.sp_token t WHERE NOT EXISTS (SELECT 1 FROM {s}.resource r WHERE r.rid = t.rid))::int AS tokens,
      (SELECT count(*) FROM {s}.sp_reference t WHERE NOT EXISTS (SELECT 1 FROM {s}.resource r WHERE r.rid = t.rid))::int AS refs`));
  expect(orphans.rows[0]).toEqual({ versions: 0, tokens: 0, refs: 0 });

  // The same Bundle sent again after the restart is stored whole.
  const again = await postBundle(server.base, memberBundle('cut', N));
  expect(again.status).toBe(200);
  expect(await countRun('cut')).toEqual({ Encounter: N, Patient: N });

  await expectIndexMatchesContent();
  await stopServer(server, 'SIGTERM');
  server = undefined;
});

it('SIGKILL at whatever point a large transaction has reached once it started writing: the Bundle is all there or not at all', async () => {
  server = await startServer();
  const inFlight = postBundle(server.base, memberBundle('race', N)).then((r) => r.status, (e: Error) => e.message);
  let settled = false;
  void inFlight.then(() => (settled = true));
  // As soon as its transaction has written something (or, on a fast machine, has already finished).
  await until(async () => settled || (await serverSessions('backend_xid IS NOT NULL')) > 0);
  await stopServer(server, 'SIGKILL');
  await inFlight;
  await until(async () => (await serverSessions()) === 0);

  server = await startServer();
  const stored = await countRun('race');
  expect([{}, { Encounter: N, Patient: N }]).toContainEqual(stored);
  const versions = await db.query(q(`SELECT count(*)::int AS n FROM {s}.resource_version WHERE content LIKE '%race-%'`));
  expect(versions.rows[0].n).toBe(stored.Patient ? 2 * N : 0);
  await expectIndexMatchesContent();
  await stopServer(server, 'SIGTERM');
  server = undefined;
});

/** Every live resource's index rows (all eight tables) are exactly those its stored JSON gives when indexed again. */
async function expectIndexMatchesContent(): Promise<void> {
  const resources = await db.query(q('SELECT rid, type, id, content FROM {s}.resource WHERE NOT deleted'));
  expect(resources.rows.length).toBeGreaterThan(0);
  const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
  const num = (v: unknown) => (v === null || v === undefined ? null : String(Number(v)));
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const expected = new Map<string, string[]>();
  const add = (rid: number, row: unknown[]) => {
    const k = String(rid);
    const list = expected.get(k) ?? [];
    list.push(JSON.stringify(row));
    expected.set(k, list);
  };
  for (const r of resources.rows) {
    const index = searchModule.extractIndexRows(JSON.parse(r.content));
    for (const x of index.token) add(r.rid, ['token', x.param, str(x.system), str(x.code), str(x.text)]);
    for (const x of index.string) add(r.rid, ['string', x.param, str(x.value), str(x.exact)]);
    for (const x of index.date) add(r.rid, ['date', x.param, iso(x.lo), iso(x.hi)]);
    for (const x of index.number) add(r.rid, ['number', x.param, num(x.value)]);
    for (const x of index.quantity) add(r.rid, ['quantity', x.param, num(x.value), str(x.system), str(x.code)]);
    for (const x of index.reference) add(r.rid, ['reference', x.param, str(x.targetType), str(x.targetId), str(x.url)]);
    for (const x of index.uri) add(r.rid, ['uri', x.param, str(x.value)]);
    for (const key of literalReferences(JSON.parse(r.content))) add(r.rid, ['ref', ...key.split(/\/(.*)/s, 2)]);
  }
  const actual = new Map<string, string[]>();
  const collect = async (sql: string, toRow: (x: Record<string, unknown>) => unknown[]) => {
    for (const x of (await db.query(q(sql))).rows) {
      const k = String(x.rid);
      const list = actual.get(k) ?? [];
      list.push(JSON.stringify(toRow(x)));
      actual.set(k, list);
    }
  };
  // Only rows of live resources (a tombstone keeps none: checked by the orphan counts above for the crash).
  const live = 'WHERE rid IN (SELECT rid FROM {s}.resource WHERE NOT deleted)';
  await collect(`SELECT * FROM {s}.sp_token ${live}`, (x) => ['token', x.param, str(x.system), str(x.code), str(x.text_value)]);
  await collect(`SELECT * FROM {s}.sp_string ${live}`, (x) => ['string', x.param, str(x.value), str(x.exact_value)]);
  await collect(`SELECT * FROM {s}.sp_date ${live}`, (x) => ['date', x.param, iso(x.lo), iso(x.hi)]);
  await collect(`SELECT * FROM {s}.sp_number ${live}`, (x) => ['number', x.param, num(x.value)]);
  await collect(`SELECT * FROM {s}.sp_quantity ${live}`, (x) => ['quantity', x.param, num(x.value), str(x.system), str(x.code)]);
  await collect(`SELECT * FROM {s}.sp_reference ${live}`, (x) => ['reference', x.param, str(x.target_type), str(x.target_id), str(x.url)]);
  await collect(`SELECT * FROM {s}.sp_uri ${live}`, (x) => ['uri', x.param, str(x.value)]);
  await collect(`SELECT * FROM {s}.resource_ref ${live}`, (x) => ['ref', x.target_type, x.target_id]);

  const mismatched: string[] = [];
  for (const r of resources.rows) {
    const want = (expected.get(String(r.rid)) ?? []).sort();
    const got = (actual.get(String(r.rid)) ?? []).sort();
    if (JSON.stringify(want) !== JSON.stringify(got)) mismatched.push(`${r.type}/${r.id}`);
  }
  expect(mismatched).toEqual([]);
  // And the check itself sees rows: what is stored is indexed.
  expect([...actual.values()].reduce((n, l) => n + l.length, 0)).toBeGreaterThan(resources.rows.length);
}
