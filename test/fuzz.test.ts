/**
 * Property-based fuzzing of the whole app through a real socket (Node's HTTP parser in front, as in
 * production): generated hostile requests over every route and parameter kind — resource bodies,
 * raw bytes, ids, search names and values, headers, Bundles, JSON Patches, operations. For every
 * request: never a 5xx; a 4xx always carries an OperationOutcome; a refused request stores nothing.
 * After each family the server still answers and still writes.
 *
 * `npm test` runs a fixed seed and a bounded count; `npm run fuzz` raises FUZZ_RUNS (and takes
 * FUZZ_SEED, default: a new seed each run, printed by fast-check when a property fails).
 */
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startTestApp, type TestApp } from './support/server';
import { stringProblem } from '../src/validation/json-input';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : process.env.FUZZ_RUNS ? Date.now() : 1717;
// Generous per family: a bounded run takes seconds; `npm run fuzz` scales with FUZZ_RUNS.
const TIMEOUT = Math.max(60_000, RUNS * 500);

let t: TestApp;
let base: string;
const KNOWN = 'fuzz-known';
const failures: string[] = [];
let requests = 0;
/** Answers by status class, so a run shows it reached the handlers (2xx) as well as the refusals. */
const statuses = new Map<string, number>();

beforeAll(async () => {
  // A port of its own: several test runs may share the machine.
  t = await startTestApp({ PORT: String(await freePort()), EXPORT_DIR: mkdtempSync(path.join(tmpdir(), 'prss-fuzz-')), EXPORT_WORKER: 'off' });
  base = await t.listen();
  const res = await fetch(`${base}/Patient/${KNOWN}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Patient', id: KNOWN, identifier: [{ system: 'urn:fuzz', value: 'k1' }], name: [{ family: 'Known' }], birthDate: '1980-01-01' }),
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  // The figures for the README (visible with --verbose or in CI logs).
  process.stdout.write(`fuzz: ${requests} requests (${[...statuses].sort().map(([k, n]) => `${k} ${n}`).join(', ')}), seed ${SEED}, FUZZ_RUNS ${RUNS}, failures ${failures.length}\n`);
  await t.close();
});

// ---- generators ---------------------------------------------------------------------------------

/** Any UTF-16 code unit: controls, NUL and lone surrogates included. */
const anyUnits = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength });
const NASTY = [
  '\u0000', 'a\u0000b', '\u0001', '\u001f', '\ud800', '\udfff', 'x\ud800y', '__proto__', 'constructor', 'prototype', '../', '..%2F', '%00', '%', '%E0%A4%A',
  '%C0%AF', '0001-01-01T00:00+14:00', 'ap0001', 'ap9999', '9999-12-31T23:59-14:00', 'sa9999-12-31', '\\', '|', 'a|', '|b', '$', '*', ',', ',,', 'eq', 'gt2027', 'ap', 'x'.repeat(9000), '0000', '2027', '2027-13', '2027-02-30', '-1', '1e999', 'NaN',
  'null', '[]', '{}', '"', "'", '😀', '\r\n', '\t', ' ', '', 'Patient/', 'Patient/x/_history/abc', 'urn:uuid:x', 'http://', ':', 'missing', 'true', 'ÿ',
];
const VALID = ['1980-01-01', 'ge2020', 'le2030-01', 'urn:fuzz|k1', 'k1', 'Known', 'Patient/fuzz-known', 'fuzz-known', 'female', 'active', '10', '0', '-_id', 'family', 'Patient:general-practitioner'];
const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.constantFrom(...VALID) },
  { weight: 2, arbitrary: anyUnits(24) },
  { weight: 2, arbitrary: fc.string({ maxLength: 16 }) },
);

const TYPES = ['Patient', 'Encounter', 'Claim', 'CarePlan', 'Practitioner', 'PractitionerRole', 'Organization', 'Coverage', 'Condition', 'Goal', 'Group', 'Binary', 'Bundle', 'OperationOutcome', 'StructureDefinition', 'Spaceship', 'patient'];
const resourceType = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TYPES) }, { weight: 1, arbitrary: text });
const id = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(KNOWN, 'missing-id', 'a'.repeat(64), 'a'.repeat(65)) }, { weight: 3, arbitrary: text });

/** Percent-encoding that never throws: a lone surrogate goes out as its (invalid) three UTF-8 bytes. */
function pct(s: string): string {
  let out = '';
  for (const ch of s) {
    try {
      out += encodeURIComponent(ch);
    } catch {
      const c = ch.charCodeAt(0);
      out += `%${(0xe0 | (c >> 12)).toString(16).toUpperCase()}%${(0x80 | ((c >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (c & 0x3f)).toString(16).toUpperCase()}`;
    }
  }
  return out;
}

const ELEMENT_NAMES = ['resourceType', 'id', 'meta', 'text', 'extension', 'identifier', 'name', 'family', 'given', 'birthDate', 'gender', 'active', 'status', 'subject', 'reference', 'url', 'valueString', 'value', 'system', 'code', 'contained', 'entry', 'request', 'resource', 'period', 'start'];
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ELEMENT_NAMES) }, { weight: 1, arbitrary: text });

/** JSON values shaped loosely like FHIR: objects with element names, arrays, strings, numbers. */
const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
})).value;

const resource = fc.record({ resourceType, id: fc.option(id, { nil: undefined }) }, { requiredKeys: ['resourceType'] }).chain((head) =>
  fc.dictionary(key, json, { maxKeys: 6 }).map((rest) => ({ ...rest, ...head })));

const deep = (open: string, close: string, inner: string) => fc.oneof(fc.integer({ min: 90, max: 130 }), fc.constant(100_000)).map((n) => `${open.repeat(n)}${inner}${close.repeat(n)}`);

/** A body as bytes: resources, junk, bombs. */
const bodyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 5, arbitrary: resource.map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: json.map((v) => JSON.stringify(v) ?? 'undefined') },
  { weight: 1, arbitrary: anyUnits(64) },
  { weight: 1, arbitrary: deep('{"resourceType":"Patient","extension":[{"url":"http://x","extension":[', ']}]}', '{"url":"http://y","valueString":"z"}') },
  { weight: 1, arbitrary: fc.integer({ min: 19_000, max: 21_000 }).map((n) => `{"resourceType":"Patient","extension":[${new Array(n).fill('0').join(',')}]}`) },
  { weight: 1, arbitrary: fc.constantFrom('{"resourceType":"Patient","name":[{"family":"\\u0000"}]}', '{"resourceType":"Patient","name":[{"family":"\\ud800"}]}', '{"resourceType":"Patient","__proto__":{"x":1}}', '{"resourceType":"Patient","constructor":{"prototype":{"x":1}}}') },
).map((b) => (typeof b === 'string' ? new TextEncoder().encode(b) : b));
const rawBytes = fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.from([...new TextEncoder().encode('{"resourceType":"Patient","name":[{"family":"'), ...b, ...new TextEncoder().encode('"}]}')]));

const pointer = fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom('name', '0', '-', 'family', 'active', 'id', 'resourceType', 'meta', 'extension', 'identifier', '__proto__', 'constructor', 'prototype') }, { weight: 1, arbitrary: text.map((s) => s.slice(0, 20)) }), { maxLength: 5 })
  .map((segs) => `/${segs.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);
const patchOp = fc.record({
  op: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test') }, { weight: 1, arbitrary: text }),
  path: fc.oneof({ weight: 5, arbitrary: pointer }, { weight: 1, arbitrary: json }),
  from: fc.option(pointer, { nil: undefined }),
  value: json,
}, { requiredKeys: ['op', 'path'] });
const patchBody = fc.oneof(
  { weight: 5, arbitrary: fc.array(patchOp, { maxLength: 4 }).map((ops) => JSON.stringify(ops)) },
  { weight: 1, arbitrary: json.map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: deep('{"a":', '}', '1').map((v) => `[{"op":"add","path":"/extension","value":[{"url":"http://x","extension":[${v}]}]}]`) },
);

const query = fc.array(fc.tuple(
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom('family', 'name', 'name:exact', 'name:contains', 'identifier', 'identifier:not', 'birthdate', 'gender', '_id', '_count', '_sort', '_include', '_revinclude', '_revinclude:iterate', '_lastUpdated', '_summary', '_total', '_elements', '_cursor', 'subject', 'patient', 'date', 'code', 'status', '_has:Encounter:patient:status', 'subject.name', 'family:missing', '_since', '_at', '_format', 'date', '_type', 'x') }, { weight: 1, arbitrary: text }),
  text,
), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&'));

const entryRequest = fc.record({
  method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD') }, { weight: 1, arbitrary: text }),
  url: fc.oneof(
    fc.tuple(resourceType, id).map(([ty, i]) => `${ty}/${i}`),
    fc.tuple(resourceType, query).map(([ty, q]) => `${ty}?${q}`),
    resourceType,
    text,
  ),
  ifNoneExist: fc.option(query, { nil: undefined }),
  ifMatch: fc.option(text, { nil: undefined }),
}, { requiredKeys: ['method', 'url'] });
const entry = fc.oneof(
  { weight: 6, arbitrary: fc.record({ fullUrl: fc.option(fc.oneof(fc.uuid().map((u) => `urn:uuid:${u}`), text), { nil: undefined }), request: entryRequest, resource: fc.option(resource, { nil: undefined }) }, { requiredKeys: ['request'] }) },
  { weight: 1, arbitrary: json },
);
const bundleBody = fc.record({ resourceType: fc.constantFrom('Bundle', 'Bundle', 'Patient'), type: fc.oneof(fc.constantFrom('transaction', 'batch'), text), entry: fc.oneof({ weight: 5, arbitrary: fc.array(entry, { maxLength: 5 }) }, { weight: 1, arbitrary: json }) })
  .map((b) => new TextEncoder().encode(JSON.stringify(b)));

const CONTENT_TYPES = ['application/fhir+json', 'application/fhir+json', 'application/json', 'application/json-patch+json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml', 'application/fhir+json; charset=latin1', 'multipart/form-data', 'application/fhir+json; fhirVersion=4.0', ''];
/** Header values Node can send: visible ASCII, space, tab and Latin-1. */
const headerText = text.map((s) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '').slice(0, 200));
const headers = fc.record({
  'Content-Type': fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: headerText }),
  'If-Match': fc.option(fc.oneof(fc.constantFrom('W/"1"', '"1"', 'W/"999"', '*'), headerText), { nil: undefined }),
  'If-None-Exist': fc.option(fc.oneof(query, headerText), { nil: undefined }),
  'If-None-Match': fc.option(headerText, { nil: undefined }),
  'If-Modified-Since': fc.option(headerText, { nil: undefined }),
  Prefer: fc.option(fc.oneof(fc.constantFrom('return=minimal', 'return=representation', 'return=OperationOutcome', 'handling=strict', 'respond-async'), headerText), { nil: undefined }),
  Accept: fc.option(fc.oneof(fc.constantFrom('application/fhir+json', 'application/xml', '*/*', 'text/html'), headerText), { nil: undefined }),
  'X-Request-Id': fc.option(headerText, { nil: undefined }),
}, { requiredKeys: ['Content-Type'] });

interface FuzzRequest { method: string; path: string; headers: Record<string, string | undefined>; body?: Uint8Array }

// ---- the property -------------------------------------------------------------------------------

async function versions(): Promise<number> {
  const rows = await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM resource_version');
  return Number(rows[0].n);
}

const describeRequest = (r: FuzzRequest) => `${r.method} ${r.path.slice(0, 300)} ${JSON.stringify(r.headers).slice(0, 300)} body=${r.body ? Buffer.from(r.body).toString('utf8').slice(0, 300) : '-'}`;

/** Send one request; throw (failing the property) on a 5xx, a 4xx without an OperationOutcome, or a refused write that stored something. */
async function check(r: FuzzRequest): Promise<void> {
  requests++;
  const before = await versions();
  const hdrs = Object.fromEntries(Object.entries(r.headers).filter((e): e is [string, string] => e[1] !== undefined && !(e[0] === 'Content-Type' && e[1] === '')));
  const res = await fetch(`${base}${r.path}`, { method: r.method, headers: hdrs, body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body });
  const bodyText = await res.text();
  const cls = `${String(res.status)[0]}xx`;
  statuses.set(cls, (statuses.get(cls) ?? 0) + 1);
  const problem = (what: string) => {
    const msg = `${what}: ${res.status} for ${describeRequest(r)} -> ${bodyText.slice(0, 500)}`;
    failures.push(msg);
    throw new Error(msg);
  };
  if (res.status >= 500) problem('server error');
  if (res.status >= 400 && r.method !== 'HEAD') {
    let oo: { resourceType?: string } | undefined;
    try {
      oo = JSON.parse(bodyText) as { resourceType?: string };
    } catch {
      problem('a 4xx whose body is not JSON');
    }
    if (oo?.resourceType !== 'OperationOutcome') problem('a 4xx without an OperationOutcome');
    if (!/application\/fhir\+json/.test(res.headers.get('content-type') ?? '')) problem('a 4xx not sent as application/fhir+json');
    const after = await versions();
    if (after !== before) problem(`a refused request changed the store (${before} -> ${after} versions)`);
  }
}

async function stillHealthy(): Promise<void> {
  expect((await fetch(`${base}/metadata`)).status).toBe(200);
  const created = await fetch(`${base}/Patient`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'AfterFuzz' }] }) });
  expect(created.status).toBe(201);
  const { id: newId } = (await created.json()) as { id: string };
  expect((await fetch(`${base}/Patient/${newId}`)).status).toBe(200);
}

const run = (arb: fc.Arbitrary<FuzzRequest>) => fc.assert(fc.asyncProperty(arb, check), { seed: SEED, numRuns: RUNS, endOnFailure: process.env.FUZZ_SHRINK !== 'on' });

// ---- families -----------------------------------------------------------------------------------

const readPaths = fc.oneof(
  fc.tuple(resourceType, id).map(([ty, i]) => `/${pct(ty)}/${pct(i)}`),
  fc.tuple(resourceType, id, text).map(([ty, i, v]) => `/${pct(ty)}/${pct(i)}/_history/${pct(v)}`),
  fc.tuple(resourceType, id).map(([ty, i]) => `/${pct(ty)}/${pct(i)}/_history`),
  resourceType.map((ty) => `/${pct(ty)}/_history`),
  fc.constant('/_history'),
  fc.constant('/metadata'),
  text.map((s) => `/${pct(s)}`),
  fc.array(text, { maxLength: 5 }).map((segs) => `/${segs.map(pct).join('/')}`),
);

describe('fuzz: generated hostile requests never get a 5xx, always get an OperationOutcome, and a refused one stores nothing', () => {
  it('reads, vreads, history and searches (ids, search names and values, paging cursors, headers)', async () => {
    await run(fc.record({ method: fc.constantFrom('GET', 'GET', 'HEAD'), p: readPaths, q: query, headers }).map(({ method, p, q, headers: h }) => ({ method, path: `${p}?${q}`, headers: h })));
    await stillHealthy();
  }, TIMEOUT);

  it('POST _search with form bodies of any bytes', async () => {
    await run(fc.record({ ty: resourceType, body: fc.oneof(query.map((q) => new TextEncoder().encode(q)), fc.uint8Array({ maxLength: 48 })), headers }).map(({ ty, body, headers: h }) => ({ method: 'POST', path: `/${pct(ty)}/_search`, headers: { ...h, 'Content-Type': h['Content-Type'] === 'application/fhir+json' ? 'application/x-www-form-urlencoded' : h['Content-Type'] }, body })));
    await stillHealthy();
  }, TIMEOUT);

  it('creates, updates, conditional updates and deletes with hostile bodies, bytes, ids and headers', async () => {
    await run(fc.oneof(
      fc.record({ ty: resourceType, body: fc.oneof(bodyBytes, rawBytes), headers }).map(({ ty, body, headers: h }) => ({ method: 'POST', path: `/${pct(ty)}`, headers: h, body })),
      fc.record({ ty: resourceType, i: id, body: bodyBytes, headers }).map(({ ty, i, body, headers: h }) => ({ method: 'PUT', path: `/${pct(ty)}/${pct(i)}`, headers: h, body })),
      fc.record({ ty: resourceType, q: query, body: bodyBytes, headers }).map(({ ty, q, body, headers: h }) => ({ method: 'PUT', path: `/${pct(ty)}?${q}`, headers: h, body })),
      fc.record({ ty: resourceType, i: id, q: query, headers }).map(({ ty, i, q, headers: h }) => ({ method: 'DELETE', path: `/${pct(ty)}/${pct(i)}?${q}`, headers: h })),
      fc.record({ ty: resourceType, q: query, headers }).map(({ ty, q, headers: h }) => ({ method: 'DELETE', path: `/${pct(ty)}?${q}`, headers: h })),
    ));
    await stillHealthy();
  }, TIMEOUT);

  it('JSON Patches: prototype paths, malformed operations, deep values', async () => {
    await run(fc.record({ i: fc.oneof({ weight: 4, arbitrary: fc.constant(KNOWN) }, { weight: 1, arbitrary: id }), body: patchBody, headers }).map(({ i, body, headers: h }) => ({
      method: 'PATCH', path: `/Patient/${pct(i)}`, headers: { ...h, 'Content-Type': h['Content-Type'] === 'application/fhir+json' ? 'application/json-patch+json' : h['Content-Type'] }, body: new TextEncoder().encode(body),
    })));
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    await stillHealthy();
  }, TIMEOUT);

  it('transaction and batch Bundles with junk entries, urls, conditions and resources', async () => {
    await run(fc.record({ body: bundleBody, headers }).map(({ body, headers: h }) => ({ method: 'POST', path: '', headers: h, body })));
    await stillHealthy();
  }, TIMEOUT);

  it('valid but unusual strings (any script, emoji, up to 9,000 characters) are stored and found exactly by identifier and family:exact', async () => {
    const unit = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
    const value = fc.oneof(
      { weight: 4, arbitrary: unit },
      { weight: 1, arbitrary: fc.tuple(unit, fc.integer({ min: 150, max: 9000 })).map(([u, n]) => Array.from(u.repeat(Math.ceil(n / u.length))).slice(0, n).join('')) },
    ).filter((v) => v.trim() === v && v.length > 0 && stringProblem(v) === undefined);
    const escape = (v: string) => v.replace(/[\\,|$]/g, (c) => `\\${c}`);
    let n = 0;
    await fc.assert(fc.asyncProperty(value, async (v) => {
      requests++;
      const system = `urn:fuzz:valid:${SEED}:${n++}`;
      const created = await fetch(`${base}/Patient`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', identifier: [{ system, value: v }], name: [{ family: v }] }) });
      const body = (await created.json()) as { id?: string; issue?: unknown };
      if (created.status !== 201) throw new Error(`a valid Patient was refused (${created.status}) for ${JSON.stringify(v).slice(0, 200)}: ${JSON.stringify(body).slice(0, 500)}`);
      const forms: Record<string, string>[] = [{ identifier: `${system}|${escape(v)}` }, { identifier: `${system}|`, 'family:exact': escape(v) }];
      for (const form of forms) {
        const found = await fetch(`${base}/Patient/_search`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
        const bundle = (await found.json()) as { entry?: { resource: { id: string } }[] };
        const ids = (bundle.entry ?? []).map((e) => e.resource.id);
        if (found.status !== 200 || ids.length !== 1 || ids[0] !== body.id) throw new Error(`search ${JSON.stringify(form).slice(0, 200)} answered ${found.status} with ${JSON.stringify(ids)}, not [${body.id}]`);
      }
    }), { seed: SEED, numRuns: Math.max(10, Math.floor(RUNS / 3)), endOnFailure: process.env.FUZZ_SHRINK !== 'on' });
  }, TIMEOUT);

  it('operations ($validate, $submit, $compliance, $utilization, $caseload, $export) with hostile ids, parameters and bodies', async () => {
    const ops = fc.constantFrom('/Patient/$validate', `/Patient/${KNOWN}/$validate`, '/Claim/$validate', '/Claim/$submit', '/CarePlan/x/$compliance', `/Patient/${KNOWN}/$utilization`, '/PractitionerRole/x/$caseload', '/$export', '/Patient/$export', '/Group/x/$export', '/Encounter/$validate', '/$nope', '/Patient/$nope');
    await run(fc.record({ method: fc.constantFrom('GET', 'POST'), op: ops, q: query, body: bodyBytes, headers }).map(({ method, op, q, body, headers: h }) => ({ method, path: `${op}?${q}`, headers: h, body })));
    await stillHealthy();
  }, TIMEOUT);
});
