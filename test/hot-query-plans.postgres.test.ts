/**
 * Every query on the hot paths is index-driven whatever the planner's statistics: read, vread,
 * searches by token, reference and date, the rule gather's reads (readMany, referencing), the
 * change-feed poll and its references, and an export page. The store exposes these statements
 * (src/store/hot-queries.ts, PostgresRepository.searchStatement, gathered by src/store/plans.ts); this
 * test explains the very same statements with representative parameters and fails on a sequential scan of a large table.
 *
 * Two states of statistics: stale (ANALYZE ran while the tables were nearly empty, then a few
 * thousand resources were loaded with AUTO_ANALYZE off) and fresh (ANALYZE after the load); each
 * with the plan for the values (custom) and, for the prepared (named) statements, the plan one
 * settles on after a few calls (generic).
 * PostgreSQL project only: PGlite is one in-process connection whose plans this does not cover.
 */
import type { FhirResource } from 'fhir/r4';
import { parseSearch } from '../src/fhir/search';
import { PostgresRepository } from '../src/store';
import { explain, hotStatements, seqScans, type HotSample } from '../src/store/plans';
import { startTestApp, type TestApp } from './support/server';

const MEMBERS = 400;
const SESSIONS_PER_MEMBER = 8;

let t: TestApp;
let repo: PostgresRepository;

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

const parse = (type: string, query: string) => parseSearch(type, [...new URLSearchParams(query).entries()], { strict: true, defaultCount: 50, maxCount: 1000 });

const sample: HotSample = {
  resource: 'Patient/m7',
  searches: [
    ['by token (identifier)', parse('Patient', 'identifier=urn:member|M7')],
    ['by token and reference (Coverage status, beneficiary)', parse('Coverage', 'status=active&beneficiary=Patient/m7')],
    ['by reference', parse('Encounter', 'subject=Patient/m7')],
    ['by date', parse('Encounter', 'date=ge2026-03-05&date=le2026-03-06')],
    ['by reference and date', parse('Encounter', 'subject=Patient/m7&date=ge2026-01-01&date=le2026-12-31')],
  ],
  member: 'Patient/m7',
  memberReads: ['Patient/m7', 'Coverage/cov7', 'PractitionerRole/role'],
  memberTypes: ['Encounter', 'Coverage'],
  prsRole: 'PractitionerRole/role',
  window: { from: '2026-03-01', to: '2026-03-31' },
  exportType: 'Encounter',
  // EXPORT_PAGE_SIZE's default: a quarter of this data set, where a join would rather scan.
  exportPageSize: 1000,
};

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
    for (const [name, q] of await hotStatements(t.sql, repo, sample)) {
      // Only named (prepared) statements ever run on a generic plan; the others are planned per call.
      if (mode === 'generic' && !q.name) continue;
      const found = seqScans(await explain(t.sql, q, mode).catch((e: Error) => {
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
