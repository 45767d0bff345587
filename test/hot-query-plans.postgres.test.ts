/**
 * Every query on the hot paths is index-driven whatever the planner's statistics: read, vread,
 * searches by token, reference and date, the rule gather's reads (readMany, referencing), the
 * change-feed poll and its references, and an export page. The store exposes these statements
 * (src/store/hot-queries.ts, PostgresRepository.searchStatement); this test explains the very same
 * statements with representative parameters and fails on a sequential scan of a large table.
 *
 * Two states of statistics: stale (ANALYZE ran while the tables were nearly empty, then a few
 * thousand resources were loaded with AUTO_ANALYZE off) and fresh (ANALYZE after the load); each
 * with the plan for the values (custom) and, for the prepared (named) statements, the plan one
 * settles on after a few calls (generic).
 * PostgreSQL project only: PGlite is one in-process connection whose plans this does not cover.
 */
import type { FhirResource } from 'fhir/r4';
import { escapeLiteral } from 'pg';
import { parseSearch } from '../src/fhir/search';
import { PostgresRepository } from '../src/store';
import {
  changeRefsStatement, changesStatement, exportPageStatement, readManyStatement, readStatement, referencingStatement, vreadStatement, type Statement,
} from '../src/store/hot-queries';
import { SqlParams } from '../src/store/sql';
import { startTestApp, type TestApp } from './support/server';

const LARGE = new Set(['resource', 'resource_version', 'sp_token', 'sp_string', 'sp_date', 'sp_number', 'sp_quantity', 'sp_reference', 'sp_uri', 'resource_ref']);
const MEMBERS = 400;
const SESSIONS_PER_MEMBER = 8;

let t: TestApp;
let repo: PostgresRepository;
let prepared = 0;

function dataSet(): FhirResource[] {
  const out: FhirResource[] = [
    { resourceType: 'Organization', id: 'payer' },
    { resourceType: 'Practitioner', id: 'prs' },
    { resourceType: 'PractitionerRole', id: 'role', practitioner: { reference: 'Practitioner/prs' } },
  ];
  for (let m = 0; m < MEMBERS; m++) {
    out.push({ resourceType: 'Patient', id: `m${m}`, identifier: [{ system: 'urn:member', value: `M${m}` }], name: [{ family: `Family${m}` }], gender: m % 2 ? 'male' : 'female' });
    out.push({ resourceType: 'Coverage', id: `cov${m}`, status: 'active', beneficiary: { reference: `Patient/m${m}` }, payor: [{ reference: 'Organization/payer' }] });
    for (let s = 0; s < SESSIONS_PER_MEMBER; s++) {
      const day = String(1 + ((m + s) % 28)).padStart(2, '0');
      const month = String(1 + (s % 12)).padStart(2, '0');
      out.push({
        resourceType: 'Encounter', id: `e${m}-${s}`, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        subject: { reference: `Patient/m${m}` }, participant: [{ individual: { reference: 'PractitionerRole/role' } }],
        period: { start: `2026-${month}-${day}T10:00:00Z`, end: `2026-${month}-${day}T11:00:00Z` },
      });
    }
  }
  return out;
}

/** Sequential scans of large tables anywhere in a JSON plan. */
function seqScans(plan: unknown): string[] {
  const found: string[] = [];
  const walk = (node: Record<string, unknown>) => {
    if (node['Node Type'] === 'Seq Scan' && LARGE.has(String(node['Relation Name']))) found.push(String(node['Relation Name']));
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk(((plan as { Plan: Record<string, unknown> }[])[0]).Plan);
  return found;
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (Array.isArray(v)) return escapeLiteral(`{${v.map((x) => `"${String(x).replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  return escapeLiteral(String(v));
}

/**
 * `custom`: planned with the values, as an unnamed statement is. `generic`: the plan a prepared
 * statement (the `prss_*` names) settles on after a few calls, made for any values.
 */
async function explain(q: Statement, mode: 'custom' | 'generic'): Promise<unknown> {
  const rows = mode === 'custom'
    ? await t.sql.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${q.text}`, q.params)
    : await t.sql.transaction(async (tx) => {
      // Prepared statements outlive a rolled-back transaction: a name of its own each time.
      const name = `prss_plan_test_${++prepared}`;
      await tx.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await tx.query(`PREPARE ${name} AS ${q.text}`);
      const [{ types }] = await tx.query<{ types: string }>('SELECT parameter_types::text AS types FROM pg_prepared_statements WHERE name = $1', [name]);
      const argTypes = types.replace(/^\{|\}$/g, '').split(',').filter(Boolean).map((x) => x.replace(/"/g, ''));
      // EXECUTE's arguments cannot be bound: written as literals of the statement's parameter types.
      const args = q.params.map((v, i) => `${literal(v)}::${argTypes[i]}`).join(', ');
      const out = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) EXECUTE ${name}${args ? `(${args})` : ''}`);
      await tx.query(`DEALLOCATE ${name}`);
      return out;
    });
  const plan = rows[0]['QUERY PLAN'];
  return typeof plan === 'string' ? JSON.parse(plan) : plan;
}

const search = (type: string, query: string): Statement =>
  repo.searchStatement(parseSearch(type, [...new URLSearchParams(query).entries()], { strict: true, defaultCount: 50, maxCount: 1000 })).statement;

/** The hot statements with representative parameters (built after the load: rids and txids are real). */
async function hotStatements(): Promise<[string, Statement][]> {
  const [{ rid }] = await t.sql.query<{ rid: number }>(`SELECT rid FROM resource WHERE type = 'Patient' AND id = 'm7'`);
  const [{ txid }] = await t.sql.query<{ txid: string }>(`SELECT max(txid)::text AS txid FROM resource_version`);
  const exportWhere = new SqlParams();
  const where = `r.type = ${exportWhere.add('Encounter')} AND NOT r.deleted AND r.last_updated <= ${exportWhere.add(new Date().toISOString())}::timestamptz`;
  return [
    ['read', readStatement('Patient', 'm7')],
    ['vread', vreadStatement('Patient', 'm7', 1)],
    ['search by token (identifier)', search('Patient', 'identifier=urn:member|M7')],
    ['search by token (status)', search('Coverage', 'status=active&beneficiary=Patient/m7')],
    ['search by reference', search('Encounter', 'subject=Patient/m7')],
    ['search by date', search('Encounter', 'date=ge2026-03-05&date=le2026-03-06')],
    ['search by reference and date', search('Encounter', 'subject=Patient/m7&date=ge2026-01-01&date=le2026-12-31')],
    ['gather: readMany', readManyStatement(['Patient/m7', 'Coverage/cov7', 'PractitionerRole/role'])],
    ['gather: referencing a member', referencingStatement(['Patient/m7'], ['Encounter', 'Coverage'])],
    ['gather: a PRS caseload in a window', referencingStatement(['PractitionerRole/role'], ['Encounter'], { from: '2026-03-01', to: '2026-03-31' })],
    ['change feed poll', changesStatement(txid, 1000)],
    ['change feed references', changeRefsStatement([rid, rid + 1, rid + 2])],
    ['export page', exportPageStatement('Encounter', where, exportWhere, 1000)(rid)],
  ];
}

beforeAll(async () => {
  t = await startTestApp({ AUTO_ANALYZE: 'off' });
  repo = new PostgresRepository(t.sql);
  // Statistics of nearly empty tables, then a load they know nothing about.
  await t.sql.exec('ANALYZE');
  const all = dataSet();
  for (let i = 0; i < all.length; i += 500) await repo.write(all.slice(i, i + 500).map((r) => ({ kind: 'update' as const, resource: r })));
}, 180_000);
afterAll(async () => t.close());

describe('hot query plans use indexes, not sequential scans of large tables', () => {
  it('the data set is large enough that a sequential scan is a real choice', async () => {
    const [{ n }] = await t.sql.query<{ n: number | string }>('SELECT count(*) AS n FROM resource');
    expect(Number(n)).toBeGreaterThanOrEqual(MEMBERS * (SESSIONS_PER_MEMBER + 2));
  });

  // In this order: the stale cases run before the ANALYZE of the first fresh one.
  it.each([['stale', 'custom'], ['stale', 'generic'], ['fresh', 'custom'], ['fresh', 'generic']] as const)('with %s statistics, %s plans', async (state, mode) => {
    if (state === 'fresh') await t.sql.exec('ANALYZE');
    const scans: Record<string, string[]> = {};
    const explained: string[] = [];
    for (const [name, q] of await hotStatements()) {
      // Only named (prepared) statements ever run on a generic plan; the others are planned per call.
      if (mode === 'generic' && !q.name) continue;
      const found = seqScans(await explain(q, mode).catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      }));
      if (found.length) scans[name] = found;
      explained.push(name);
    }
    expect(scans).toEqual({});
    if (mode === 'generic') expect(explained).toEqual(['read', 'vread', 'change feed poll', 'change feed references']);
    else expect(explained).toHaveLength(13);
  });
});
