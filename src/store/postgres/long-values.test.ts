/**
 * Migration 5 indexes a 200-character prefix of token, string and uri values: values far longer than
 * a B-tree entry can hold are stored, and search over them stays exact (prefix through the index,
 * then the whole value).
 */
import { randomBytes } from 'node:crypto';
import type { SqlClient } from '../sql';
import { insertIndexed, openSearchDb, searchIds } from './search-test-db';

const random = (n: number) => randomBytes(n).toString('base64url').slice(0, n);
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('search over values longer than a B-tree entry', () => {
  let db: SqlClient;
  const system = `http://example.org/${random(9000)}`;
  const value = random(9000);
  const family = `Long${random(9000)}`;
  const profile = `http://example.org/StructureDefinition/${random(9000)}`;

  beforeAll(async () => {
    db = await openSearchDb();
    await insertIndexed(db, { resourceType: 'Patient', id: 'long', meta: { profile: [profile] }, identifier: [{ system, value }], name: [{ family }] }, '2026-01-01T00:00:00Z');
    // Same 200-character prefixes, different tails: the index alone cannot tell these apart.
    await insertIndexed(db, { resourceType: 'Patient', id: 'twin', meta: { profile: [`${profile.slice(0, 300)}x`] }, identifier: [{ system, value: `${value.slice(0, 300)}x` }], name: [{ family: `${family.slice(0, 300)}x` }] }, '2026-01-01T00:00:00Z');
  });
  afterAll(async () => db.close());

  it('finds a 9,000-character token by system|code, by code alone and by system|, and not its twin', async () => {
    expect(await searchIds(db, 'Patient', q({ identifier: `${system}|${value}` }))).toEqual(['long']);
    expect(await searchIds(db, 'Patient', q({ identifier: value }))).toEqual(['long']);
    expect(await searchIds(db, 'Patient', q({ identifier: `${system}|` }))).toEqual(['long', 'twin']);
    expect(await searchIds(db, 'Patient', q({ identifier: `${value.slice(0, 300)}x` }))).toEqual(['twin']);
  });

  it('finds a 9,000-character string by prefix (shorter and longer than the indexed prefix) and exactly', async () => {
    expect(await searchIds(db, 'Patient', q({ family: family.slice(0, 100) }))).toEqual(['long', 'twin']);
    expect(await searchIds(db, 'Patient', q({ family: family.slice(0, 200) }))).toEqual(['long', 'twin']);
    expect(await searchIds(db, 'Patient', q({ family: family.slice(0, 301) }))).toEqual(['long']);
    expect(await searchIds(db, 'Patient', q({ family }))).toEqual(['long']);
    expect(await searchIds(db, 'Patient', q({ 'family:exact': family }))).toEqual(['long']);
    expect(await searchIds(db, 'Patient', q({ 'family:contains': family.slice(5000, 5100) }))).toEqual(['long']);
  });

  it('finds a 9,000-character uri exactly and by :below, and not its twin', async () => {
    expect(await searchIds(db, 'Patient', q({ _profile: profile }))).toEqual(['long']);
    expect(await searchIds(db, 'Patient', q({ _profile: `${profile.slice(0, 300)}x` }))).toEqual(['twin']);
    expect(await searchIds(db, 'Patient', q({ '_profile:below': profile.slice(0, 250) }))).toEqual(['long', 'twin']);
  });
});
