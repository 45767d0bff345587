/**
 * Issue 17, hostile input: each class of input that used to crash (500), be stored though FHIR
 * forbids it, or be answered without an OperationOutcome. Every refusal is a 4xx OperationOutcome
 * and stores nothing; valid but unusual resources (9,000-character identifiers) are stored and found.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { FHIR_JSON, freePort, startTestApp, type TestApp } from './support/server';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PORT: String(await freePort()) });
});
afterAll(async () => t.close());

/** The app on a real port (Node's own parser in front, as in production), listened once. */
let listening: Promise<string> | undefined;
const baseUrl = () => (listening ??= t.listen());

async function versions(): Promise<number> {
  const rows = await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM resource_version');
  return Number(rows[0].n);
}

const post = (path: string, body: string | Buffer, type: string = FHIR_JSON) => t.http().post(path).set('Content-Type', type).send(body);

/** A 4xx answer with an OperationOutcome whose text names `mention`, and nothing stored by it. */
async function refused(res: { status: number; body: { resourceType?: string; issue?: { diagnostics?: string }[] } }, status: number | number[], mention?: string | RegExp) {
  expect(Array.isArray(status) ? status : [status]).toContain(res.status);
  expect(res.body.resourceType).toBe('OperationOutcome');
  if (mention) expect(res.body.issue?.map((i) => i.diagnostics ?? '').join(' ')).toMatch(mention);
}

/** Run a request and assert it stored nothing. */
async function storesNothing<T>(fn: () => Promise<T>): Promise<T> {
  const before = await versions();
  const out = await fn();
  expect(await versions()).toBe(before);
  return out;
}

const nested = (levels: number) => `{"resourceType":"Patient","extension":[${'{"url":"http://example.org/x","extension":['.repeat(levels)}{"url":"http://example.org/y","valueString":"deep"}${']}'.repeat(levels)}]}`;
const randomText = (n: number) => randomBytes(n).toString('base64url').slice(0, n);

describe('input limits (defaults), checked before validation', () => {
  it('refuses a create with an extension array of a million numbers with 413 naming MAX_ARRAY_LENGTH', async () => {
    const body = `{"resourceType":"Patient","extension":[${new Array(1_000_000).fill('0').join(',')}]}`;
    const res = await storesNothing(() => post('/fhir/Patient', body));
    await refused(res, 413, /MAX_ARRAY_LENGTH=20000/);
  });

  it('refuses an array of 500,000 empty objects with 413 naming MAX_ARRAY_LENGTH', async () => {
    const body = `{"resourceType":"Patient","contact":[${new Array(500_000).fill('{}').join(',')}]}`;
    await refused(await storesNothing(() => post('/fhir/Patient', body)), 413, /MAX_ARRAY_LENGTH/);
  });

  it('refuses 100,000 levels of nested extension in a create with 400 naming MAX_JSON_DEPTH', async () => {
    await refused(await storesNothing(() => post('/fhir/Patient', nested(100_000))), 400, /MAX_JSON_DEPTH=100/);
  });

  it('refuses 100,000 levels of nesting inside a transaction entry with 400 naming MAX_JSON_DEPTH', async () => {
    const body = `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":"Patient"},"resource":${nested(100_000)}}]}`;
    await refused(await storesNothing(() => post('/fhir', body)), 400, /MAX_JSON_DEPTH/);
  });

  it('refuses 100,000 levels of nesting in a JSON Patch value, direct or carried by a transaction, and leaves the resource as it was', async () => {
    const created = await post('/fhir/Patient', JSON.stringify({ resourceType: 'Patient', active: true }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const deepValue = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const patch = `[{"op":"add","path":"/extension","value":[{"url":"http://example.org/x","extension":[${deepValue}]}]}]`;
    await refused(await storesNothing(() => t.http().patch(`/fhir/Patient/${id}`).set('Content-Type', 'application/json-patch+json').send(patch)), 400, /MAX_JSON_DEPTH/);
    const tx = JSON.stringify({
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ request: { method: 'PATCH', url: `Patient/${id}` }, resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(patch).toString('base64') } }],
    });
    await refused(await storesNothing(() => post('/fhir', tx)), 400, /MAX_JSON_DEPTH/);
    expect((await t.http().get(`/fhir/Patient/${id}`)).body.meta.versionId).toBe('1');
  });
});

describe('input limits as settings, at their boundaries', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp({ MAX_JSON_DEPTH: '9', MAX_ARRAY_LENGTH: '3', BUNDLE_MAX_ENTRIES: '3', MAX_STRING_LENGTH: '100', MAX_JSON_NODES: '200' });
  });
  afterAll(async () => small.close());
  const create = (body: unknown) => small.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(typeof body === 'string' ? body : JSON.stringify(body));

  it('takes a resource exactly MAX_JSON_DEPTH levels deep and refuses one deeper', async () => {
    // Patient (1) > extension array (2) > extension (3) > ... : 4 levels of nested extension = depth 9.
    expect((await create(nested(3))).status).toBe(201);
    await refused(await create(nested(4)), 400, /MAX_JSON_DEPTH=9/);
  });

  it('takes an array of MAX_ARRAY_LENGTH items and refuses one more', async () => {
    const names = (n: number) => ({ resourceType: 'Patient', name: Array.from({ length: n }, (_, i) => ({ family: `F${i}` })) });
    expect((await create(names(3))).status).toBe(201);
    await refused(await create(names(4)), 413, /MAX_ARRAY_LENGTH=3/);
  });

  it('takes a string of MAX_STRING_LENGTH characters and refuses one more', async () => {
    expect((await create({ resourceType: 'Patient', name: [{ family: 'x'.repeat(100) }] })).status).toBe(201);
    await refused(await create({ resourceType: 'Patient', name: [{ family: 'x'.repeat(101) }] }), 413, /MAX_STRING_LENGTH=100/);
  });

  it('refuses a document of more than MAX_JSON_NODES values with 413 naming it', async () => {
    const ext = (i: number) => ({ url: `http://example.org/${i}`, valueString: 'v' });
    // Each extension is 5 values (object, 2 names, 2 values); 3 per array, nested to stay under the other limits.
    const body = { resourceType: 'Patient', contact: [0, 1, 2].map(() => ({ extension: [0, 1, 2].map(ext), name: { extension: [0, 1, 2].map(ext), family: 'x' }, telecom: [0, 1, 2].map(() => ({ extension: [0, 1, 2].map(ext), value: 'y' })) })) };
    await refused(await create(body), 413, /MAX_JSON_NODES=200/);
  });

  it('refuses a setting below its floor at start, naming it', async () => {
    await expect(startTestApp({ MAX_JSON_DEPTH: '2' })).rejects.toThrow(/MAX_JSON_DEPTH/);
  });
});

describe('invalid FHIR strings are 400, valid whitespace is kept', () => {
  it('refuses NUL and other control characters in a resource string, and stores nothing', async () => {
    for (const ch of ['\u0000', '\u0001', '\u001f', '\u000b']) {
      await refused(await storesNothing(() => post('/fhir/Patient', JSON.stringify({ resourceType: 'Patient', name: [{ family: `a${ch}b` }] }))), 400, /control character/);
    }
  });

  it('refuses a control character in a property name', async () => {
    await refused(await storesNothing(() => post('/fhir/Patient', '{"resourceType":"Patient","act\\u0000ive":true}')), 400, /control character/);
  });

  it('stores tab, CR and LF, which FHIR strings may hold', async () => {
    const res = await post('/fhir/Patient', JSON.stringify({ resourceType: 'Patient', name: [{ text: 'a\tb\r\nc' }] }));
    expect(res.status).toBe(201);
    expect(res.body.name[0].text).toBe('a\tb\r\nc');
  });

  it('refuses lone UTF-16 surrogates, high or low', async () => {
    for (const s of ['\\ud800', '\\udfff', 'a\\ud800b', '\\udc00\\ud800']) {
      await refused(await storesNothing(() => post('/fhir/Patient', `{"resourceType":"Patient","name":[{"family":"${s}"}]}`)), 400, /surrogate/);
    }
    // A proper pair is one character and is kept.
    const ok = await post('/fhir/Patient', '{"resourceType":"Patient","name":[{"family":"\\ud83d\\ude00"}]}');
    expect(ok.status).toBe(201);
    expect(ok.body.name[0].family).toBe('😀');
  });

  it('refuses invalid UTF-8 byte sequences in the raw body (before decoding replaces them)', async () => {
    const base = await baseUrl();
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x28, 0xa1], [0xc0, 0xaf]]) {
      const body = Buffer.concat([Buffer.from('{"resourceType":"Patient","name":[{"family":"a'), Buffer.from(bad), Buffer.from('"}]}')]);
      const res = await storesNothing(() => fetch(`${base}/Patient`, { method: 'POST', headers: { 'Content-Type': FHIR_JSON }, body: new Uint8Array(body) }));
      await refused({ status: res.status, body: (await res.json()) as { resourceType?: string } }, 400, /UTF-8/);
    }
  });

  it('refuses NUL in a search value, a search parameter name and a transaction If-None-Exist with 400', async () => {
    await refused(await t.http().get('/fhir/Patient?family=a%00b'), 400, /control character/);
    await refused(await t.http().get('/fhir/Patient?fam%00ily=a'), 400, /control character/);
    await refused(await t.http().post('/fhir/Patient/_search').type('form').send('family=a%00b'), 400, /control character/);
    const tx = { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: 'Patient', ifNoneExist: 'family=a\u0000b' }, resource: { resourceType: 'Patient' } }] };
    await refused(await storesNothing(() => post('/fhir', JSON.stringify(tx))), 400, /control character/);
  });
});

describe('media types on writes (api.md: 415)', () => {
  const patient = JSON.stringify({ resourceType: 'Patient', active: true });

  it('refuses a create sent as text/plain, as application/json-patch+json or as a form', async () => {
    for (const type of ['text/plain', 'application/json-patch+json', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/fhir+json; charset=latin1']) {
      await refused(await storesNothing(() => post('/fhir/Patient', patient, type)), 415);
    }
  });

  it('refuses a create, an update and a transaction with a body but no Content-Type', async () => {
    const base = await baseUrl();
    const noType = (method: string, path: string, body: string) => fetch(`${base}${path}`, { method, body: new TextEncoder().encode(body) });
    for (const [method, path, body] of [['POST', '/Patient', patient], ['PUT', '/Patient/no-type', JSON.stringify({ resourceType: 'Patient', id: 'no-type' })], ['POST', '', JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [] })]]) {
      const res = await storesNothing(() => noType(method, path, body));
      expect(res.status).toBe(415);
      expect(res.headers.get('content-type')).toMatch(/application\/fhir\+json/);
      expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    }
  });

  it('still takes application/fhir+json and application/json with charset=utf-8, and a JSON Patch on PATCH', async () => {
    expect((await post('/fhir/Patient', patient, 'application/fhir+json; charset=utf-8')).status).toBe(201);
    const res = await post('/fhir/Patient', patient, 'application/json');
    expect(res.status).toBe(201);
    const patched = await t.http().patch(`/fhir/Patient/${res.body.id}`).set('Content-Type', 'application/json-patch+json').send('[{"op":"replace","path":"/active","value":false}]');
    expect(patched.status).toBe(200);
    expect(patched.body.active).toBe(false);
  });
});

describe('requests that used to answer 500', () => {
  it('refuses JSON Patch operations on __proto__, constructor and prototype with 400, changing nothing', async () => {
    const created = await post('/fhir/Patient', JSON.stringify({ resourceType: 'Patient', active: true }));
    const id = created.body.id as string;
    for (const path of ['/__proto__/polluted', '/constructor/prototype/polluted', '/name/0/__proto__/x', '/prototype']) {
      const res = await t.http().patch(`/fhir/Patient/${id}`).set('Content-Type', 'application/json-patch+json').send(JSON.stringify([{ op: 'add', path, value: 'yes' }]));
      await refused(res, 400, /names no FHIR element/);
    }
    const move = await t.http().patch(`/fhir/Patient/${id}`).set('Content-Type', 'application/json-patch+json').send(JSON.stringify([{ op: 'copy', from: '/__proto__', path: '/x' }]));
    await refused(move, 400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await t.http().get(`/fhir/Patient/${id}`)).body.meta.versionId).toBe('1');
  });

  it('refuses a transaction whose entries are [null, 42, "x"] with 400 and answers a batch of them entry by entry', async () => {
    const tx = await storesNothing(() => post('/fhir', JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [null, 42, 'x'] })));
    await refused(tx, 400, /Entry 0 is not an object/);
    const batch = await storesNothing(() => post('/fhir', JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [null, 42, 'x', { request: 'GET' }] })));
    expect(batch.status).toBe(200);
    expect(batch.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['400 Bad Request', '400 Bad Request', '400 Bad Request', '400 Bad Request']);
    expect(batch.body.entry.every((e: { response: { outcome?: { resourceType: string } } }) => e.response.outcome?.resourceType === 'OperationOutcome')).toBe(true);
    await refused(await post('/fhir', JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: 5 })), 400, /Bundle.entry must be an array/);
  });

  it('refuses a transaction PATCH entry whose Binary data is not JSON with 400', async () => {
    const created = await post('/fhir/Patient', JSON.stringify({ resourceType: 'Patient' }));
    const tx = { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PATCH', url: `Patient/${created.body.id}` }, resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from('not json').toString('base64') } }] };
    await refused(await storesNothing(() => post('/fhir', JSON.stringify(tx))), 400, /not valid JSON/);
  });

  it('refuses a path segment that is not well-formed percent-encoding with 400', async () => {
    await refused(await t.http().get('/fhir/Patient/%E0%A4%A'), 400);
    await refused(await t.http().get('/fhir/Patient/%C0%AF/_history'), 400);
  });

  it('answers dates at the ends of the FHIR range, which a zone offset or ap pushes past PostgreSQL\'s years, in search and on write', async () => {
    for (const q of ['birthdate=0001-01-01T00:00%2B14:00', 'birthdate=ap0001', 'birthdate=9999-12-31T23:59-14:00', 'birthdate=ap9999', 'birthdate=sa9999', '_lastUpdated=eb0001', 'death-date=lt0001-01-01T05:00%2B10:00']) {
      const res = await t.http().get(`/fhir/Patient?${q}`);
      expect([q, res.status]).toEqual([q, 200]);
    }
    const early = await post('/fhir/Patient', JSON.stringify({ resourceType: 'Patient', deceasedDateTime: '0001-01-01T00:00:00+14:00' }));
    expect(early.status).toBe(201);
    const late = await post('/fhir/Patient', JSON.stringify({ resourceType: 'Patient', deceasedDateTime: '9999-12-31T23:59:59-14:00' }));
    expect(late.status).toBe(201);
    const ids = async (q: string) => ((await t.http().get(`/fhir/Patient?${q}`)).body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id);
    expect(await ids('death-date=lt0002')).toContain(early.body.id);
    expect(await ids('death-date=gt9999-12-30')).toContain(late.body.id);
    expect(await ids('death-date=gt9999-12-30')).not.toContain(early.body.id);
  });

  it('answers _history?_at and _since with a partial date, by the period it covers', async () => {
    const year = new Date().getUTCFullYear();
    const created = await post('/fhir/Patient', JSON.stringify({ resourceType: 'Patient', active: true }));
    const id = created.body.id as string;
    const updated = await t.http().put(`/fhir/Patient/${id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Patient', id, active: false }));
    expect(updated.status).toBe(200);
    const versionsAt = async (q: string) => {
      const res = await t.http().get(`/fhir/Patient/${id}/_history?${q}`);
      expect(res.status).toBe(200);
      expect(res.body.resourceType).toBe('Bundle');
      return (res.body.entry ?? []).map((e: { resource: { meta: { versionId: string } } }) => e.resource.meta.versionId).sort();
    };
    expect(await versionsAt(`_at=${year}`)).toEqual(['1', '2']); // both were current this year
    expect(await versionsAt(`_at=${year + 1}`)).toEqual(['2']); // version 1 was replaced before next year
    expect(await versionsAt(`_at=${year - 1}`)).toEqual([]); // neither existed last year
    expect(await versionsAt(`_since=${year + 1}`)).toEqual([]);
    expect(await versionsAt(`_since=${year}-01`)).toEqual(['1', '2']);
    expect((await t.http().get('/fhir/Patient/_history?_at=2027')).status).toBe(200);
    await refused(await t.http().get('/fhir/Patient/_history?_at=2027-13'), 400, /_at must be a FHIR date/);
    await refused(await t.http().get('/fhir/Patient/_history?_since=0000'), 400, /_since/);
  });
});

describe('9,000-character values are valid: stored and found (index layout of migration 5)', () => {
  it('stores a Patient with a 9,000-character identifier.system, identifier.value and name.family, and finds it by each', async () => {
    const system = `http://example.org/${randomText(9000)}`;
    const value = randomText(9000);
    const family = `Fam${randomText(9000)}`;
    const res = await post('/fhir/Patient', JSON.stringify({ resourceType: 'Patient', identifier: [{ system, value }], name: [{ family }] }));
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const ids = (r: { status: number; body: { entry?: { resource: { id: string } }[] } }) => {
      expect(r.status).toBe(200);
      return (r.body.entry ?? []).map((e) => e.resource.id);
    };
    // 18,000 characters of criteria do not fit a URL: POST _search takes them in the body.
    const search = (form: Record<string, string>) => t.http().post('/fhir/Patient/_search').type('form').send(new URLSearchParams(form).toString());
    expect(ids(await search({ identifier: `${system}|${value}` }))).toEqual([id]);
    expect(ids(await search({ identifier: value }))).toEqual([id]);
    expect(ids(await search({ identifier: `${system}|` }))).toEqual([id]);
    expect(ids(await search({ family }))).toEqual([id]);
    expect(ids(await search({ 'family:exact': family }))).toEqual([id]);
    expect(ids(await search({ family: family.slice(0, 4000) }))).toEqual([id]);
    expect(ids(await search({ family: family.slice(0, 50) }))).toEqual([id]);
    // Exact: the same 200-character prefix with a different tail is not a match.
    expect(ids(await search({ identifier: `${system}|${value.slice(0, 8999)}X` }))).toEqual([]);
    expect(ids(await search({ family: `${family.slice(0, 300)}#` }))).toEqual([]);
    // And a conditional create on the long identifier finds it rather than making a second one.
    const again = await post('/fhir', JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${encodeURIComponent(`${system}|${value}`)}` }, resource: { resourceType: 'Patient' } }] }));
    expect(again.status).toBe(200);
    expect(again.body.entry[0].response.status).toBe('200 OK');
  });
});

describe('requests Node refuses before the app sees them', () => {
  it('answers a 20 kB URL with 431 and an OperationOutcome, and keeps serving', async () => {
    const base = await baseUrl();
    const res = await fetch(`${base}/Patient?family=${'a'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toMatch(/application\/fhir\+json/);
    const body = (await res.json()) as { resourceType: string; issue: { code: string }[] };
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].code).toBe('too-costly');
    expect((await fetch(`${base}/metadata`)).status).toBe(200);
  });

  it('answers malformed HTTP (a garbage request line, a NUL in a header value) with 400 and an OperationOutcome', async () => {
    const { port, hostname } = new URL(await baseUrl());
    const raw = (text: string) => new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => socket.end(text));
      let data = '';
      socket.on('data', (d) => (data += d.toString('latin1')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    for (const request of ['GARBAGE\r\n\r\n', 'GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\n\r\n']) {
      const answer = await raw(request);
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(answer).toMatch(/Content-Type: application\/fhir\+json/);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { resourceType: string };
      expect(body.resourceType).toBe('OperationOutcome');
    }
  });
});
