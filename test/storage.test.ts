/**
 * storageFootprint: bytes per stored resource over the resource, history and search index tables,
 * as the bench reports it. Both stores.
 */
import type { FhirResource } from 'fhir/r4';
import { PostgresRepository } from '../src/store';
import { ANALYZED_TABLES } from '../src/store/auto-analyze';
import { storageFootprint } from '../src/store/storage';
import { startTestApp, type TestApp } from './support/server';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const patient = (i: number): FhirResource => ({ resourceType: 'Patient', id: `st-${i}`, name: [{ family: `Storage${i}`, given: ['Ann'] }], gender: 'female', birthDate: '1980-01-01' });

describe('storageFootprint', () => {
  it('counts every resource and version and adds up every table it names', async () => {
    const before = await storageFootprint(t.sql);
    const repo = new PostgresRepository(t.sql);
    await repo.write(Array.from({ length: 300 }, (_, i) => ({ kind: 'create' as const, resource: patient(i) })));
    // A second version of ten: one more version row each, no more resource rows.
    await repo.write(Array.from({ length: 10 }, (_, i) => ({ kind: 'update' as const, resource: { ...patient(i), gender: 'male' as const } })));
    const after = await storageFootprint(t.sql);

    expect(after.resources - before.resources).toBe(300);
    expect(after.versions - before.versions).toBe(310);
    expect(after.tables.map((x) => x.table)).toEqual([...ANALYZED_TABLES]);
    expect(after.totalBytes).toBe(after.tables.reduce((n, x) => n + x.totalBytes, 0));
    for (const x of after.tables) expect(x.totalBytes).toBe(x.dataBytes + x.indexBytes);
    expect(after.totalBytes).toBeGreaterThan(before.totalBytes);
    expect(after.bytesPerResource).toBe(Math.round(after.totalBytes / after.resources));
    // The name and the gender/birthDate tokens of each patient are indexed.
    const rows = (f: typeof after, table: string) => f.tables.find((x) => x.table === table)!.rows;
    expect(rows(after, 'sp_string') - rows(before, 'sp_string')).toBeGreaterThanOrEqual(300);
    expect(rows(after, 'sp_token') - rows(before, 'sp_token')).toBeGreaterThanOrEqual(300);
  });
});
