/**
 * Races: EHRs retry, so the same conditional write arrives several times at once — to one server or
 * to several servers on one database. Each condition must be decided by the database, once: one
 * create, the others find it. If-Match updates: one wins, the others are 412.
 */
import { randomUUID } from 'node:crypto';
import { CONDITION_LOCKS_MAX } from '../src/store/postgres-repository';
import { openPostgres } from '../src/store/sql';
import { startTestApp, storeKind, FHIR_JSON, type TestApp } from './support/server';

const PARALLEL = 10;
const SYSTEM = 'http://example.org/fhir/member-id';

let t: TestApp;
/** A second server instance on the same PostgreSQL schema (PostgreSQL only; else the same app). */
let t2: TestApp | undefined;

beforeAll(async () => {
  const env = { VALIDATE_ON_WRITE: 'structure', CLAIM_RULES: 'off', AUDIT: 'off' };
  t = await startTestApp(env);
  if (storeKind() === 'postgres') t2 = await startTestApp(env, {}, { sameDatabaseAs: t });
});
afterAll(async () => {
  if (t2) {
    await t2.app.close();
    await t2.close();
  }
  await t.app.close();
  await t.close();
});

const patient = (value: string, family = 'Racer') => ({ resourceType: 'Patient', identifier: [{ system: SYSTEM, value }], name: [{ family }] });
/** Request i goes to the first instance when i is even, to the second (if any) when odd. */
const instance = (i: number) => (i % 2 === 1 && t2 ? t2 : t);
const parallel = <T>(n: number, fn: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

/** Every stored (live) Patient with the identifier, counted by the database itself. */
async function storedWith(value: string): Promise<string[]> {
  const rows = await t.sql.query<{ id: string }>(
    `SELECT DISTINCT r.id FROM resource r JOIN sp_token k ON k.rid = r.rid AND k.param = 'identifier'
     WHERE r.type = 'Patient' AND NOT r.deleted AND k.system = $1 AND k.code = $2`,
    [SYSTEM, value],
  );
  return rows.map((r) => r.id);
}

// PGlite is embedded in one process: a second server on the same database exists on PostgreSQL only.
const MODES: [string, boolean][] = storeKind() === 'postgres' ? [['one server', false], ['two servers on one database', true]] : [['one server', false]];

describe.each(MODES)('%s', (_name, twoServers) => {
  const pick = (i: number) => (twoServers ? instance(i) : t);

  it(`${PARALLEL} parallel conditional creates (If-None-Exist): exactly one 201, the others 200 with the same id`, async () => {
    const value = randomUUID();
    const res = await parallel(PARALLEL, (i) =>
      pick(i).http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('If-None-Exist', `identifier=${SYSTEM}|${value}`).send(patient(value)));
    const statuses = res.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(PARALLEL - 1).fill(200), 201]);
    const ids = new Set(res.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(await storedWith(value)).toEqual([...ids]);
  });

  it(`${PARALLEL} parallel conditional updates (PUT Patient?identifier=) with no match yet: one resource, ${PARALLEL} versions`, async () => {
    const value = randomUUID();
    const url = `/fhir/Patient?identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`;
    const res = await parallel(PARALLEL, (i) => pick(i).http().put(url).set('Content-Type', FHIR_JSON).send(patient(value, `Racer${i}`)));
    expect(res.filter((r) => r.status === 201)).toHaveLength(1);
    expect(res.filter((r) => r.status === 200)).toHaveLength(PARALLEL - 1);
    const stored = await storedWith(value);
    expect(stored).toHaveLength(1);
    expect(new Set(res.map((r) => r.body.id))).toEqual(new Set(stored));
    // Each update built on the one before: versions 1..N, no version lost or written twice.
    expect(res.map((r) => Number(r.body.meta.versionId)).sort((a, b) => a - b)).toEqual(Array.from({ length: PARALLEL }, (_, i) => i + 1));
  });

  it(`${PARALLEL} parallel transactions with the same ifNoneExist: one Patient, every Bundle points at it`, async () => {
    const value = randomUUID();
    const bundle = (i: number) => ({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { fullUrl: `urn:uuid:${randomUUID()}`, resource: patient(value, `Bundle${i}`), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SYSTEM}|${value}` } },
      ],
    });
    const res = await parallel(PARALLEL, (i) => pick(i).http().post('/fhir').set('Content-Type', FHIR_JSON).send(bundle(i)));
    expect(res.map((r) => r.status)).toEqual(Array(PARALLEL).fill(200));
    const statuses = res.map((r) => r.body.entry[0].response.status as string);
    expect(statuses.filter((s) => s === '201 Created')).toHaveLength(1);
    expect(statuses.filter((s) => s === '200 OK')).toHaveLength(PARALLEL - 1);
    const stored = await storedWith(value);
    expect(stored).toHaveLength(1);
    expect(new Set(res.map((r) => r.body.entry[0].response.location.split('/')[1]))).toEqual(new Set(stored));
  });

  it(`${PARALLEL} parallel transactions with conditional PUT entries: one Patient`, async () => {
    const value = randomUUID();
    const bundle = (i: number) => ({
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ resource: patient(value, `Put${i}`), request: { method: 'PUT', url: `Patient?identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}` } }],
    });
    const res = await parallel(PARALLEL, (i) => pick(i).http().post('/fhir').set('Content-Type', FHIR_JSON).send(bundle(i)));
    expect(res.map((r) => r.status)).toEqual(Array(PARALLEL).fill(200));
    expect(res.filter((r) => r.body.entry[0].response.status === '201 Created')).toHaveLength(1);
    expect(await storedWith(value)).toHaveLength(1);
  });

  it(`parallel transactions of more conditional creates than CONDITION_LOCKS_MAX (${CONDITION_LOCKS_MAX}), overlapping: each member stored once`, async () => {
    const values = Array.from({ length: CONDITION_LOCKS_MAX + 36 }, () => randomUUID());
    const entry = (value: string) => ({ resource: patient(value), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SYSTEM}|${value}` } });
    // Bundle i holds every value, rotated by i, plus (for the odd ones) just one condition: the small and the large lock paths race.
    const res = await parallel(6, (i) => pick(i).http().post('/fhir').set('Content-Type', FHIR_JSON).send({
      resourceType: 'Bundle', type: 'transaction',
      entry: i % 2 ? [entry(values[i])] : [...values.slice(i), ...values.slice(0, i)].map(entry),
    }));
    expect(res.map((r) => r.status)).toEqual(Array(6).fill(200));
    for (const v of values) expect(await storedWith(v)).toHaveLength(1);
  });

  it('transactions locking the same two conditions in opposite order all complete (no deadlock), one Patient each', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const entry = (value: string) => ({ resource: patient(value), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SYSTEM}|${value}` } });
    const res = await parallel(PARALLEL, (i) => pick(i).http().post('/fhir').set('Content-Type', FHIR_JSON)
      .send({ resourceType: 'Bundle', type: 'transaction', entry: i % 2 ? [entry(a), entry(b)] : [entry(b), entry(a)] }));
    expect(res.map((r) => r.status)).toEqual(Array(PARALLEL).fill(200));
    expect(await storedWith(a)).toHaveLength(1);
    expect(await storedWith(b)).toHaveLength(1);
  });

  it(`${PARALLEL} parallel updates of a new client-chosen id (update as create): one 201, the others 200, versions 1..${PARALLEL}`, async () => {
    const id = `race-${randomUUID()}`;
    const value = randomUUID();
    const res = await parallel(PARALLEL, (i) => pick(i).http().put(`/fhir/Patient/${id}`).set('Content-Type', FHIR_JSON).send({ ...patient(value, `Same${i}`), id }));
    expect(res.filter((r) => r.status === 201)).toHaveLength(1);
    expect(res.filter((r) => r.status === 200)).toHaveLength(PARALLEL - 1);
    expect(res.map((r) => Number(r.body.meta.versionId)).sort((a, b) => a - b)).toEqual(Array.from({ length: PARALLEL }, (_, i) => i + 1));
    expect(await storedWith(value)).toEqual([id]);
  });

  it(`${PARALLEL} parallel If-Match updates of one version: one 200, the others 412`, async () => {
    const value = randomUUID();
    const created = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(patient(value));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const res = await parallel(PARALLEL, (i) => pick(i).http().put(`/fhir/Patient/${id}`).set('Content-Type', FHIR_JSON).set('If-Match', 'W/"1"')
      .send({ ...patient(value, `Match${i}`), id }));
    expect(res.filter((r) => r.status === 200)).toHaveLength(1);
    expect(res.filter((r) => r.status === 412)).toHaveLength(PARALLEL - 1);
    for (const r of res.filter((x) => x.status === 412)) expect(r.body.resourceType).toBe('OperationOutcome');
    const now = await t.http().get(`/fhir/Patient/${id}`);
    expect(now.body.meta.versionId).toBe('2');
  });

  it(`${PARALLEL} parallel conditional deletes of one match: the resource is deleted once (one new version)`, async () => {
    const value = randomUUID();
    const created = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(patient(value));
    const id = created.body.id as string;
    const res = await parallel(PARALLEL, (i) => pick(i).http().delete(`/fhir/Patient?identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`));
    expect(res.map((r) => r.status)).toEqual(Array(PARALLEL).fill(200));
    const history = await t.http().get(`/fhir/Patient/${id}/_history`);
    expect(history.body.total).toBe(2);
    expect((await t.http().get(`/fhir/Patient/${id}`)).status).toBe(410);
  });
});

describe('isolation', () => {
  const onPostgres = storeKind() === 'postgres' ? it : undefined;
  // The lock-then-search of a conditional write needs READ COMMITTED: under REPEATABLE READ the
  // snapshot would be taken by the lock statement, before the previous holder committed.
  onPostgres?.('write transactions run READ COMMITTED even where the server defaults to SERIALIZABLE', async () => {
    const sql = await openPostgres(process.env.TEST_DATABASE_URL!, t.schema, 1);
    try {
      await sql.exec("SET default_transaction_isolation = 'serializable'");
      expect((await sql.query<{ transaction_isolation: string }>('SHOW transaction_isolation'))[0].transaction_isolation).toBe('serializable');
      const inside = await sql.transaction((tx) => tx.query<{ transaction_isolation: string }>('SHOW transaction_isolation'));
      expect(inside[0].transaction_isolation).toBe('read committed');
    } finally {
      await sql.close();
    }
  });
  it('PGlite and PostgreSQL both start a write transaction in READ COMMITTED', async () => {
    const inside = await t.sql.transaction((tx) => tx.query<{ transaction_isolation: string }>('SHOW transaction_isolation'));
    expect(inside[0].transaction_isolation).toBe('read committed');
  });
});
