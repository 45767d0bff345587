/**
 * AUTO_ANALYZE: after bulk writes the server refreshes the planner's statistics itself (autovacuum is
 * off on these machines, and PGlite has none), in the background, once a table has taken
 * ANALYZE_THRESHOLD + ANALYZE_SCALE_FACTOR * reltuples rows since its last ANALYZE. Both stores:
 * reltuples in pg_class (set only by ANALYZE/VACUUM here); on PostgreSQL also pg_stat_user_tables.
 */
import type { FhirResource } from 'fhir/r4';
import { PostgresRepository } from '../src/store';
import { ANALYZE_THRESHOLD, analyzeSettled, autoAnalyzeStatus } from '../src/store/auto-analyze';
import { startTestApp, storeKind, type TestApp } from './support/server';

const patients = (prefix: string, n: number): FhirResource[] =>
  Array.from({ length: n }, (_, i) => ({ resourceType: 'Patient', id: `${prefix}-${i}`, name: [{ family: `Family${i}` }], gender: 'female' }));

async function write(t: TestApp, resources: FhirResource[]) {
  await new PostgresRepository(t.sql).write(resources.map((r) => ({ kind: 'create' as const, resource: r })));
}

async function reltuples(t: TestApp, table: string): Promise<number> {
  const rows = await t.sql.query<{ n: number | string }>('SELECT reltuples AS n FROM pg_class WHERE oid = $1::regclass', [table]);
  return Number(rows[0].n);
}

describe('statistics after bulk writes', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    if (t) await analyzeSettled(t.sql);
    await t?.close();
    t = undefined;
  });

  it('a bulk write past the threshold is analysed in the background: reltuples and last_analyze show it', async () => {
    t = await startTestApp();
    await analyzeSettled(t.sql);
    const before = autoAnalyzeStatus(t.sql).runs;
    const n = ANALYZE_THRESHOLD + 500;
    await write(t, patients('bulk', n));
    await analyzeSettled(t.sql);
    expect(autoAnalyzeStatus(t.sql).runs).toBeGreaterThan(before);
    // Every stored row is counted by the sample (the table is smaller than ANALYZE's 30,000-row sample).
    expect(await reltuples(t, 'resource')).toBeGreaterThanOrEqual(n);
    expect(await reltuples(t, 'resource_version')).toBeGreaterThanOrEqual(n);
    expect(await reltuples(t, 'sp_string')).toBeGreaterThanOrEqual(n); // a family name each
    expect(autoAnalyzeStatus(t.sql).pending.resource).toBe(0);
    if (storeKind() === 'postgres') {
      // (n_mod_since_analyze is not asserted: backends report their counts to pg_stat asynchronously,
      // so inserts can land in it after the ANALYZE that covered them.)
      const [row] = await t.sql.query<{ last_analyze: Date | null }>(
        'SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2', [t.schema, 'resource']);
      expect(row.last_analyze).not.toBeNull();
    }
  });

  it('below the threshold nothing runs; the row that reaches it starts ANALYZE', async () => {
    t = await startTestApp();
    await analyzeSettled(t.sql);
    // The server's own start (conformance resources) may have written some rows already.
    const pending = autoAnalyzeStatus(t.sql).pending.resource ?? 0;
    const tuples = await reltuples(t, 'resource');
    const room = ANALYZE_THRESHOLD + 0.1 * Math.max(0, tuples) - pending - 1;
    expect(room).toBeGreaterThan(0);
    await write(t, patients('under', Math.ceil(room)));
    await analyzeSettled(t.sql);
    expect(await reltuples(t, 'resource')).toBe(tuples);
    expect(autoAnalyzeStatus(t.sql).pending.resource).toBe(pending + Math.ceil(room));

    await write(t, patients('reach', 1));
    await analyzeSettled(t.sql);
    expect(await reltuples(t, 'resource')).toBeGreaterThanOrEqual(Math.ceil(room) + 1);
    expect(autoAnalyzeStatus(t.sql).pending.resource).toBe(0);
  });

  it('AUTO_ANALYZE=off: the same bulk write leaves the statistics alone', async () => {
    t = await startTestApp({ AUTO_ANALYZE: 'off' });
    const tuples = await reltuples(t, 'resource');
    await write(t, patients('off', ANALYZE_THRESHOLD + 500));
    await analyzeSettled(t.sql);
    expect(autoAnalyzeStatus(t.sql)).toMatchObject({ enabled: false, runs: 0 });
    expect(await reltuples(t, 'resource')).toBe(tuples);
    expect(tuples).toBeLessThan(ANALYZE_THRESHOLD);
  });
});
