/**
 * The rule engine keeps a member's gathered context across requests (src/rules/context-cache.ts).
 * These tests write through the API between $validate calls and check that every write that changes
 * a rule's verdict is seen at once: a new or deleted claim of the member, a changed credential of the
 * PRS, other members' sessions with the PRS (caseload), a write through another server instance on
 * the same database, and a transaction that commits after a later one.
 */
import type { Bundle, Claim, FhirResource, Patient } from 'fhir/r4';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/http/logger';
import { buildServer } from '../src/server';
import { PostgresRepository } from '../src/store';
import { openPostgres } from '../src/store/sql';
import { buildScenario, ref, sessionEncounter } from '../src/prss/scenario';
import { gatherClaimContext } from '../src/rules/gather';
import request from 'supertest';
import { FHIR_JSON, startTestApp, storeKind, type TestApp } from './support/server';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RULES = 'http://prss.example.org/fhir/CodeSystem/prss-rule';
const ruleIds = (oo: Any): string[] => oo.issue.filter((i: Any) => i.details?.coding?.[0]?.system === RULES).map((i: Any) => i.details.coding[0].code);

let t: TestApp;
const s = buildScenario({ key: 'cache', serviceDate: '2026-03-10' });
const transaction = (resources: FhirResource[]): Bundle => ({
  resourceType: 'Bundle', type: 'transaction',
  entry: resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
});
const put = (r: FhirResource, app = t.app.http) => request(app).put(`/fhir/${r.resourceType}/${r.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(r));
const validate = async (claim: Claim = s.claim, app = t.app.http) => {
  const res = await request(app).post('/fhir/Claim/$validate').set('Content-Type', FHIR_JSON).send(JSON.stringify(claim));
  expect(res.status).toBe(200);
  return ruleIds(res.body);
};

/** A second stored claim of the member on the claim's day: 13 more units take the day to 17. */
const long = sessionEncounter('cache-long', { member: s.member, prsRole: s.prsRole, plan: s.plan, assessment: s.assessment, goal: s.goal, diagnosis: s.diagnosis, start: '2026-03-10T13:00:00-05:00', minutes: 240, program: 'arts' });
function sameDayClaim(id: string, units = 13): Claim {
  const c: Claim = structuredClone(s.claim);
  c.id = id;
  c.identifier = [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: `CLM-${id}` }];
  c.item![0].quantity = { value: units };
  c.item![0].net = { value: units * (c.item![0].unitPrice?.value ?? 0), currency: 'USD' };
  c.item![0].encounter = [ref(long)];
  return c;
}

beforeAll(async () => {
  t = await startTestApp();
  const res = await request(t.app.http).post('/fhir').set('Content-Type', FHIR_JSON).set('Prefer', 'return=minimal')
    .send(JSON.stringify(transaction([...s.resources().filter((r) => r.resourceType !== 'Claim'), long])));
  expect(res.status).toBe(200);
});
afterAll(async () => t.close());

describe('a cached member context follows every write', () => {
  it('a claim stored for the same day is counted at once, and no longer once deleted', async () => {
    expect(await validate()).not.toContain('va-daily-units');
    expect(await validate()).not.toContain('va-daily-units'); // from the cache
    expect((await put(sameDayClaim('cache-other'))).status).toBe(201);
    expect(await validate()).toContain('va-daily-units');
    expect((await request(t.app.http).delete('/fhir/Claim/cache-other')).status).toBe(200);
    expect(await validate()).not.toContain('va-daily-units');
  });

  it('a PRS whose certification is removed fails va-prs-certified on the next call, and passes once it is back', async () => {
    expect(await validate()).not.toContain('va-prs-certified');
    const uncertified = { ...s.prs, qualification: s.prs.qualification!.filter((q) => !q.code.coding?.some((c) => c.code === 'prs-certification')) };
    expect((await put(uncertified)).status).toBe(200);
    expect(await validate()).toContain('va-prs-certified');
    expect((await put(s.prs)).status).toBe(200);
    expect(await validate()).not.toContain('va-prs-certified');
  });

  it('sessions of 15 other members with the PRS put the caseload over 15 (another member\'s records change this member\'s verdict)', async () => {
    expect(await validate()).not.toContain('va-caseload');
    const others: FhirResource[] = [];
    for (let i = 0; i < 15; i++) {
      const m: Patient = { ...s.member, id: `cache-other-member-${i}`, identifier: [{ system: 'http://prss.example.org/fhir/sid/member', value: `OTHER-${i}` }] };
      others.push(m, sessionEncounter(`cache-other-session-${i}`, { member: m, prsRole: s.prsRole, start: '2026-03-09T10:00:00-05:00', minutes: 60, program: 'arts' }));
    }
    const res = await request(t.app.http).post('/fhir').set('Content-Type', FHIR_JSON).set('Prefer', 'return=minimal').send(JSON.stringify(transaction(others)));
    expect(res.status).toBe(200);
    expect(await validate()).toContain('va-caseload');
    const del: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: others.filter((r) => r.resourceType === 'Encounter').map((r) => ({ request: { method: 'DELETE', url: `Encounter/${r.id}` } })) };
    expect((await request(t.app.http).post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify(del))).status).toBe(200);
    expect(await validate()).not.toContain('va-caseload');
  });
});

describe('claims checked on write, inside a transaction', () => {
  it('the claims of one Bundle count in bundle order: the second counts the first, the first not the second (one gather, shared until the transaction writes again)', async () => {
    const a = sameDayClaim('cache-bundle-a', 8);
    const b = sameDayClaim('cache-bundle-b', 9);
    const res = await request(t.app.http).post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify(transaction([a, b])));
    expect(res.status).toBe(200);
    // 8 units alone are within the day's 16; with the first claim's 8, the second's 9 make 17.
    expect(ruleIds(res.body.entry[0].response.outcome)).not.toContain('va-daily-units');
    expect(ruleIds(res.body.entry[1].response.outcome)).toContain('va-daily-units');
    const del: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [a, b].map((c) => ({ request: { method: 'DELETE', url: `Claim/${c.id}` } })) };
    expect((await request(t.app.http).post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify(del))).status).toBe(200);
  });

  it('a gather is reused within the transaction until it writes, then read again; nothing outlives a rollback', async () => {
    const rollback = new Error('rollback');
    await expect(t.app.deps.repo.transaction(async (tx) => {
      const first = await gatherClaimContext(tx, s.claim);
      const again = await gatherClaimContext(tx, s.claim);
      expect(again.all('Encounter')).toBe(first.all('Encounter')); // the same gathered bag under both
      await tx.write([{ kind: 'update', resource: sameDayClaim('cache-tx') }]);
      const after = await gatherClaimContext(tx, s.claim);
      expect(after.has('Claim', 'cache-tx')).toBe(true);
      expect(first.has('Claim', 'cache-tx')).toBe(false);
      throw rollback;
    })).rejects.toBe(rollback);
    expect(await validate()).not.toContain('va-daily-units');
  });
});

// Several instances and concurrent transactions need a server: PGlite is one connection in one process.
if (storeKind() === 'postgres') describe('several instances on one PostgreSQL', () => {
  it('a write through another instance is seen by this one\'s cache on the next call', async () => {
    const [{ schema }] = await t.sql.query<{ schema: string }>('SELECT current_schema() AS schema');
    const sql = await openPostgres(process.env.TEST_DATABASE_URL!, schema, 2);
    try {
      const other = await buildServer({ config: loadConfig({ DEMO: 'off', LOG_LEVEL: 'silent', PORT: '8080', HOST: '127.0.0.1' }), store: { repo: new PostgresRepository(sql), sql, description: 'second instance' }, logger: createLogger('silent') });
      expect(await validate()).not.toContain('va-daily-units');
      expect(await validate(s.claim, other.http)).not.toContain('va-daily-units');
      expect((await put(sameDayClaim('cache-instance'), other.http)).status).toBe(201);
      expect(await validate()).toContain('va-daily-units');
      expect((await request(other.http).delete('/fhir/Claim/cache-instance')).status).toBe(200);
      expect(await validate()).not.toContain('va-daily-units');
      expect(await validate(s.claim, other.http)).not.toContain('va-daily-units');
    } finally {
      await sql.close();
    }
  });

  it('keeps the read and the change-feed poll prepared on its connection, with the same answers', async () => {
    const [{ schema }] = await t.sql.query<{ schema: string }>('SELECT current_schema() AS schema');
    // One connection, so the catalogue query below sees the statements the repository prepared.
    const sql = await openPostgres(process.env.TEST_DATABASE_URL!, schema, 1);
    try {
      const repo = new PostgresRepository(sql);
      const feed = repo.changeFeed()!;
      const first = await repo.read('Patient', s.member.id!);
      const { cursor } = await feed.changes(undefined, 10);
      const prepared = await sql.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name');
      expect(prepared.map((r) => r.name)).toEqual(expect.arrayContaining(['prss_changes', 'prss_read']));
      // Run again through the prepared statements: the same resource, and a write seen by the feed.
      expect(await repo.read('Patient', s.member.id!)).toEqual(first);
      expect((await put({ ...s.payer, name: 'PRSS payer (prepared)' })).status).toBe(200);
      const next = await feed.changes(cursor, 10);
      expect(next.changes.map((c) => c.key)).toContain(`Organization/${s.payer.id}`);
    } finally {
      await sql.close();
    }
  });

  it('a transaction that began first but commits after a later one is not missed', async () => {
    let written!: () => void;
    let commit!: () => void;
    const isWritten = new Promise<void>((r) => (written = r));
    const mayCommit = new Promise<void>((r) => (commit = r));
    // Transaction A takes its txid and writes a same-day claim, then waits.
    const a = t.sql.transaction(async (tx) => {
      await new PostgresRepository(tx, true).write([{ kind: 'update', resource: sameDayClaim('cache-late') }]);
      written();
      await mayCommit;
    });
    await isWritten;
    // Transaction B, later, commits first; the cache polls while A is still open.
    expect((await put({ ...s.payer, name: 'PRSS payer (renamed)' })).status).toBe(200);
    expect(await validate()).not.toContain('va-daily-units');
    commit();
    await a;
    expect(await validate()).toContain('va-daily-units');
    expect((await request(t.app.http).delete('/fhir/Claim/cache-late')).status).toBe(200);
  });
});
