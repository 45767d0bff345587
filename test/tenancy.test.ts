/**
 * Per-organization access: each role against read, search (totals and paging), _include,
 * _revinclude, create/update/delete, Claim/$validate, history and $export — and no response to an
 * ehr or payer client of organization A ever carries organization B's member data (ids `bdata-…`).
 */
import { makeClientKey, signAssertion, tokenForm, writeClientsFile, type ClientKey } from '../src/auth/testing';
import { startTestApp, FHIR_JSON, type TestApp } from './support/server';

const TOKEN_URL = 'http://127.0.0.1:8080/auth/token';
const FOREIGN = 'bdata-';

let t: TestApp;
const tokens: Record<string, string> = {};
let key: ClientKey;

const ref = (r: string) => ({ reference: r });
const claim = (id: string, patient: string, provider: string, coverage: string, encounter: string) => ({
  resourceType: 'Claim', id, status: 'active', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
  use: 'claim', patient: ref(patient), created: '2026-03-10', provider: ref(provider), priority: { coding: [{ code: 'normal' }] },
  insurance: [{ sequence: 1, focal: true, coverage: ref(coverage) }],
  item: [{ sequence: 1, productOrService: { coding: [{ code: 'H0038' }] }, encounter: [ref(encounter)] }],
});
const encounter = (id: string, extra: Record<string, unknown>) => ({ resourceType: 'Encounter', id, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, ...extra });
const plan = (id: string, subject: string, author: string) => ({ resourceType: 'CarePlan', id, status: 'active', intent: 'plan', subject: ref(subject), author: ref(author) });

const SEED = [
  { resourceType: 'Organization', id: 'org-a', name: 'Provider A' },
  { resourceType: 'Organization', id: 'org-b', name: 'Provider B' },
  { resourceType: 'Organization', id: 'payer-1', name: 'Payer 1' },
  { resourceType: 'Organization', id: 'payer-2', name: 'Payer 2' },
  { resourceType: 'Practitioner', id: 'prac-a' },
  { resourceType: 'Practitioner', id: 'prac-b' },
  { resourceType: 'PractitionerRole', id: 'role-a', practitioner: ref('Practitioner/prac-a'), organization: ref('Organization/org-a') },
  { resourceType: 'PractitionerRole', id: 'role-b', practitioner: ref('Practitioner/prac-b'), organization: ref('Organization/org-b') },
  // A's members: through a session it provides, a plan authored by its role, a session its role took part in.
  { resourceType: 'Patient', id: 'pat-a', identifier: [{ system: 'urn:member', value: 'a-1' }], name: [{ family: 'Alpha' }] },
  { resourceType: 'Patient', id: 'pat-a2', name: [{ family: 'Alpha-plan' }] },
  { resourceType: 'Patient', id: 'pat-a3', name: [{ family: 'Alpha-participant' }] },
  { resourceType: 'Patient', id: 'bdata-pat', name: [{ family: 'Bravo' }] },
  { resourceType: 'Coverage', id: 'cov-a', status: 'active', beneficiary: ref('Patient/pat-a'), payor: [ref('Organization/payer-1')] },
  { resourceType: 'Coverage', id: 'bdata-cov', status: 'active', beneficiary: ref('Patient/bdata-pat'), payor: [ref('Organization/payer-2')] },
  encounter('enc-a', { subject: ref('Patient/pat-a'), serviceProvider: ref('Organization/org-a') }),
  encounter('enc-a3', { subject: ref('Patient/pat-a3'), participant: [{ individual: ref('PractitionerRole/role-a') }] }),
  encounter('bdata-enc', { subject: ref('Patient/bdata-pat'), participant: [{ individual: ref('PractitionerRole/role-b') }] }),
  encounter('sup-a', { participant: [{ individual: ref('PractitionerRole/role-a') }] }),
  encounter('bdata-sup', { participant: [{ individual: ref('PractitionerRole/role-b') }] }),
  plan('plan-a2', 'Patient/pat-a2', 'PractitionerRole/role-a'),
  plan('bdata-plan', 'Patient/bdata-pat', 'PractitionerRole/role-b'),
  claim('claim-a', 'Patient/pat-a', 'Organization/org-a', 'Coverage/cov-a', 'Encounter/enc-a'),
  claim('bdata-claim', 'Patient/bdata-pat', 'Organization/org-b', 'Coverage/bdata-cov', 'Encounter/bdata-enc'),
  { resourceType: 'ClaimResponse', id: 'resp-a', status: 'active', type: { coding: [{ code: 'professional' }] }, use: 'claim', patient: ref('Patient/pat-a'), created: '2026-03-11', insurer: ref('Organization/payer-1'), request: ref('Claim/claim-a'), outcome: 'complete' },
  { resourceType: 'ClaimResponse', id: 'bdata-resp', status: 'active', type: { coding: [{ code: 'professional' }] }, use: 'claim', patient: ref('Patient/bdata-pat'), created: '2026-03-11', insurer: ref('Organization/payer-2'), request: ref('Claim/bdata-claim'), outcome: 'complete' },
];

beforeAll(async () => {
  key = await makeClientKey('ES384', 'k');
  const clients = [
    { clientId: 'ehr-a', role: 'ehr' as const, organization: 'Organization/org-a' },
    { clientId: 'payer-1', role: 'payer' as const, organization: 'Organization/payer-1' },
    { clientId: 'warehouse', role: 'warehouse' as const },
    { clientId: 'admin', role: 'admin' as const },
  ];
  const file = writeClientsFile(clients.map((c) => ({ ...c, jwks: { keys: [key.publicJwk] }, scopes: ['system/*.cruds'] })));
  t = await startTestApp({ AUTH: 'on', AUTH_CLIENTS_FILE: file, VALIDATE_ON_WRITE: 'structure', CLAIM_RULES: 'off', AUDIT: 'off' });
  for (const c of clients) {
    const res = await t.http().post('/auth/token').type('form').send(tokenForm(await signAssertion({ clientId: c.clientId, tokenUrl: TOKEN_URL, key }), 'system/*.cruds'));
    expect(res.status).toBe(200);
    tokens[c.clientId] = res.body.access_token;
  }
  const seeded = await as('admin').post('/fhir').set('Content-Type', FHIR_JSON).send({
    resourceType: 'Bundle', type: 'transaction',
    entry: SEED.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
  });
  expect(seeded.status).toBe(200);
});
afterAll(async () => {
  await t.app.close();
  await t.close();
});

function as(client: string) {
  const auth = { Authorization: `Bearer ${tokens[client]}` };
  return {
    get: (url: string) => t.http().get(url).set(auth),
    post: (url: string) => t.http().post(url).set(auth),
    put: (url: string) => t.http().put(url).set(auth),
    delete: (url: string) => t.http().delete(url).set(auth),
  };
}

const ids = (bundle: { entry?: { resource: { resourceType: string; id: string }; search?: { mode: string } }[] }, mode?: string) =>
  (bundle.entry ?? []).filter((e) => !mode || e.search?.mode === mode).map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();

/**
 * Every answer an ehr-a or payer-1 client gets is checked for organization B's member data: the
 * resources of a Bundle, or any other body but an OperationOutcome (which may echo the URL asked for).
 */
function noLeak(res: { text: string; body: { resourceType?: string; entry?: unknown[] } }) {
  if (res.body?.resourceType === 'OperationOutcome') return;
  const data = res.body?.resourceType === 'Bundle' ? JSON.stringify(res.body.entry ?? []) : res.text;
  expect(data).not.toContain(FOREIGN);
}

describe('ehr client of organization A', () => {
  it.each([
    ['Patient/pat-a', 200], ['Patient/pat-a2', 200], ['Patient/pat-a3', 200], ['Encounter/sup-a', 200], ['Organization/org-b', 200],
    ['Patient/bdata-pat', 404], ['Encounter/bdata-enc', 404], ['Encounter/bdata-sup', 404], ['Claim/bdata-claim', 404], ['CarePlan/bdata-plan', 404],
    ['Patient/bdata-pat/_history/1', 404], ['Patient/bdata-pat/_history', 404],
  ])('reads %s: %i', async (url, status) => {
    const res = await as('ehr-a').get(`/fhir/${url}`);
    expect(res.status).toBe(status);
    noLeak(res);
  });

  it.each([
    ['Patient', ['Patient/pat-a', 'Patient/pat-a2', 'Patient/pat-a3']],
    ['Encounter', ['Encounter/enc-a', 'Encounter/enc-a3', 'Encounter/sup-a']],
    ['Claim', ['Claim/claim-a']],
    ['CarePlan', ['CarePlan/plan-a2']],
    ['Coverage', ['Coverage/cov-a']],
    ['Patient?name=Bravo', []],
    ['Encounter?subject=Patient/bdata-pat', []],
  ])('searches %s and sees its own members only, totals included', async (query, expected) => {
    const res = await as('ehr-a').get(`/fhir/${query}`);
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
    noLeak(res);
    const count = await as('ehr-a').get(`/fhir/${query}${query.includes('?') ? '&' : '?'}_summary=count`);
    expect(count.body.total).toBe(expected.length);
  });

  it('pages without leaking: every page and the total are filtered', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/fhir/Patient?_count=1&_sort=_id';
    while (url) {
      const res = await as('ehr-a').get(url);
      noLeak(res);
      expect(res.body.total).toBe(3);
      seen.push(...ids(res.body));
      const next: string | undefined = res.body.link.find((l: { relation: string }) => l.relation === 'next')?.url;
      url = next?.replace(/^https?:\/\/[^/]+/, '');
    }
    expect(seen).toEqual(['Patient/pat-a', 'Patient/pat-a2', 'Patient/pat-a3']);
  });

  it('_include and _revinclude bring only what the client may see', async () => {
    const inc = await as('ehr-a').get('/fhir/Claim?_include=Claim:patient&_include=Claim:encounter');
    expect(ids(inc.body, 'include')).toEqual(['Encounter/enc-a', 'Patient/pat-a']);
    noLeak(inc);
    const rev = await as('ehr-a').get('/fhir/PractitionerRole?_revinclude=Encounter:participant&_revinclude=CarePlan:*');
    expect(ids(rev.body, 'match')).toEqual(['PractitionerRole/role-a', 'PractitionerRole/role-b']);
    expect(ids(rev.body, 'include')).toEqual(['Encounter/enc-a3', 'Encounter/sup-a']);
    noLeak(rev);
    const all = await as('ehr-a').get('/fhir/Organization?_revinclude=*&_revinclude:iterate=Claim:patient');
    noLeak(all);
    expect(ids(all.body, 'include')).toEqual(expect.arrayContaining(['Claim/claim-a', 'Encounter/enc-a']));
  });

  it('writes within its organization and is refused outside it (403)', async () => {
    const ehr = as('ehr-a');
    const send = (r: object) => ehr.post(`/fhir/${(r as { resourceType: string }).resourceType}`).set('Content-Type', FHIR_JSON).send(r);
    expect((await send(encounter('x', { subject: ref('Patient/pat-a'), serviceProvider: ref('Organization/org-a') }))).status).toBe(201);
    expect((await send({ resourceType: 'Patient', name: [{ family: 'New' }] })).status).toBe(201);
    const foreignSession = await send(encounter('x', { subject: ref('Patient/bdata-pat'), serviceProvider: ref('Organization/org-b') }));
    expect(foreignSession.status).toBe(403);
    expect(foreignSession.body.resourceType).toBe('OperationOutcome');
    expect((await send(claim('x', 'Patient/pat-a', 'Organization/org-b', 'Coverage/cov-a', 'Encounter/enc-a'))).status).toBe(403);
    expect((await ehr.put('/fhir/Patient/bdata-pat').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id: 'bdata-pat', name: [{ family: 'Taken' }] })).status).toBe(403);
    expect((await ehr.put('/fhir/Organization/org-b').set('Content-Type', FHIR_JSON).send({ resourceType: 'Organization', id: 'org-b', name: 'Renamed' })).status).toBe(403);
    expect((await ehr.put('/fhir/Practitioner/prac-b').set('Content-Type', FHIR_JSON).send({ resourceType: 'Practitioner', id: 'prac-b' })).status).toBe(403);
    expect((await ehr.delete('/fhir/Claim/bdata-claim')).status).toBe(403);
    // Nothing of B's changed.
    const b = await as('admin').get('/fhir/Patient/bdata-pat');
    expect(b.body.name[0].family).toBe('Bravo');
    expect((await as('admin').get('/fhir/Claim/bdata-claim')).status).toBe(200);
  });

  it('a transaction that names a member of another organization stores nothing', async () => {
    const before = (await as('admin').get('/fhir/Encounter?_summary=count')).body.total;
    const res = await as('ehr-a').post('/fhir').set('Content-Type', FHIR_JSON).send({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: encounter('t1', { subject: ref('Patient/pat-a'), serviceProvider: ref('Organization/org-a') }), request: { method: 'POST', url: 'Encounter' } },
        { resource: encounter('t2', { subject: ref('Patient/bdata-pat'), serviceProvider: ref('Organization/org-a') }), request: { method: 'PUT', url: 'Encounter/t2' } },
        { resource: plan('t3', 'Patient/bdata-pat', 'PractitionerRole/role-b'), request: { method: 'PUT', url: 'CarePlan/t3' } },
      ],
    });
    // t2 would make A the provider of a member B serves: refused, so t1 and t3 are not stored either.
    expect(res.status).toBe(403);
    expect((await as('admin').get('/fhir/Encounter?_summary=count')).body.total).toBe(before);
  });

  it('a new member and the first session that serves them can arrive in one transaction', async () => {
    const res = await as('ehr-a').post('/fhir').set('Content-Type', FHIR_JSON).send({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:6f1c1c76-8d8f-4b59-9a55-d1f4d7c1a001', resource: { resourceType: 'Patient', name: [{ family: 'Newcomer' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: encounter('n1', { subject: ref('urn:uuid:6f1c1c76-8d8f-4b59-9a55-d1f4d7c1a001'), serviceProvider: ref('Organization/org-a') }), request: { method: 'POST', url: 'Encounter' } },
      ],
    });
    expect(res.status).toBe(200);
    const found = await as('ehr-a').get('/fhir/Patient?name=Newcomer');
    expect(found.body.total).toBe(1);
  });

  it('Claim/$validate: its own claims yes, another organization\'s no', async () => {
    const own = await as('ehr-a').post('/fhir/Claim/$validate').set('Content-Type', FHIR_JSON).send(claim('v1', 'Patient/pat-a', 'Organization/org-a', 'Coverage/cov-a', 'Encounter/enc-a'));
    expect(own.status).toBe(200);
    const foreign = await as('ehr-a').post('/fhir/Claim/$validate').set('Content-Type', FHIR_JSON).send(claim('v2', 'Patient/bdata-pat', 'Organization/org-b', 'Coverage/bdata-cov', 'Encounter/bdata-enc'));
    expect(foreign.status).toBe(403);
    noLeak(foreign);
    const instance = await as('ehr-a').post('/fhir/Claim/bdata-claim/$validate').set('Content-Type', FHIR_JSON).send();
    expect(instance.status).toBe(404);
  });

  it('runs instance operations only on its own records (a caseload would list another organization\'s members)', async () => {
    expect((await as('ehr-a').get('/fhir/PractitionerRole/role-b/$caseload?date=2026-03-10')).status).toBe(404);
    // Its own run (200, or 422 where the seed lacks what the operation needs: a program, a jurisdiction).
    const own = await as('ehr-a').get('/fhir/PractitionerRole/role-a/$caseload?date=2026-03-10');
    expect([200, 422]).toContain(own.status);
    noLeak(own);
    expect((await as('ehr-a').get('/fhir/Patient/bdata-pat/$utilization?date=2026-03-10')).status).toBe(404);
    expect([200, 422]).toContain((await as('ehr-a').get('/fhir/Patient/pat-a/$utilization?date=2026-03-10')).status);
  });

  it('may not use history across resources, bulk export or audit records', async () => {
    expect((await as('ehr-a').get('/fhir/Patient/_history')).status).toBe(403);
    expect((await as('ehr-a').get('/fhir/_history')).status).toBe(403);
    expect((await as('ehr-a').get('/fhir/$export').set('Prefer', 'respond-async')).status).toBe(403);
    expect((await as('ehr-a').get('/fhir/Patient/$export').set('Prefer', 'respond-async')).status).toBe(403);
    expect((await as('ehr-a').get('/fhir/AuditEvent')).status).toBe(403);
    const own = await as('ehr-a').get('/fhir/Patient/pat-a/_history');
    expect(own.status).toBe(200);
  });
});

describe('payer client of payer 1', () => {
  it.each([
    ['Claim/claim-a', 200], ['ClaimResponse/resp-a', 200], ['Patient/pat-a', 200], ['Coverage/cov-a', 200], ['Organization/org-b', 200],
    ['Claim/bdata-claim', 404], ['ClaimResponse/bdata-resp', 404], ['Patient/bdata-pat', 404], ['Patient/pat-a2', 404], ['Coverage/bdata-cov', 404],
    ['Encounter/enc-a', 403], ['CarePlan/plan-a2', 403],
  ])('reads %s: %i', async (url, status) => {
    const res = await as('payer-1').get(`/fhir/${url}`);
    expect(res.status).toBe(status);
    noLeak(res);
  });

  it.each([
    ['Claim', ['Claim/claim-a']],
    ['Patient', ['Patient/pat-a']],
    ['Coverage', ['Coverage/cov-a']],
    ['ClaimResponse', ['ClaimResponse/resp-a']],
  ])('searches %s within its members', async (query, expected) => {
    const res = await as('payer-1').get(`/fhir/${query}`);
    expect(ids(res.body)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
    noLeak(res);
  });

  it('includes only claims, members and coverages — never sessions', async () => {
    const inc = await as('payer-1').get('/fhir/Claim?_include=Claim:patient&_include=Claim:encounter&_include=Claim:provider');
    expect(ids(inc.body, 'include')).toEqual(['Organization/org-a', 'Patient/pat-a']);
    const rev = await as('payer-1').get('/fhir/Patient?_revinclude=Encounter:subject&_revinclude=Claim:patient&_revinclude=CarePlan:subject');
    expect(ids(rev.body, 'include')).toEqual(['Claim/claim-a']);
    noLeak(inc);
    noLeak(rev);
    expect((await as('payer-1').get('/fhir/Encounter')).status).toBe(403);
  });

  it('validates its members\' claims only, and writes nothing else', async () => {
    const own = await as('payer-1').post('/fhir/Claim/$validate').set('Content-Type', FHIR_JSON).send({ resourceType: 'Parameters', parameter: [{ name: 'resource', resource: claim('v', 'Patient/pat-a', 'Organization/org-a', 'Coverage/cov-a', 'Encounter/enc-a') }] });
    expect(own.status).toBe(200);
    const foreign = await as('payer-1').post('/fhir/Claim/$validate').set('Content-Type', FHIR_JSON).send(claim('v', 'Patient/bdata-pat', 'Organization/org-b', 'Coverage/bdata-cov', 'Encounter/bdata-enc'));
    expect(foreign.status).toBe(403);
    expect((await as('payer-1').post('/fhir/Patient').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient' })).status).toBe(403);
    expect((await as('payer-1').get('/fhir/$export').set('Prefer', 'respond-async')).status).toBe(403);
    expect((await as('payer-1').get('/fhir/AuditEvent')).status).toBe(403);
  });
});

describe('warehouse client', () => {
  it('reads and searches everything', async () => {
    expect((await as('warehouse').get('/fhir/Patient/bdata-pat')).status).toBe(200);
    const all = await as('warehouse').get('/fhir/Claim?_include=Claim:encounter');
    expect(ids(all.body, 'match')).toEqual(expect.arrayContaining(['Claim/bdata-claim', 'Claim/claim-a']));
    expect(ids(all.body, 'include')).toEqual(expect.arrayContaining(['Encounter/bdata-enc', 'Encounter/enc-a']));
    expect((await as('warehouse').get('/fhir/Patient/_history')).status).toBe(200);
  });

  it('writes nothing and reads no audit records, but may export', async () => {
    expect((await as('warehouse').post('/fhir/Patient').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient' })).status).toBe(403);
    expect((await as('warehouse').post('/fhir/Claim/$validate').set('Content-Type', FHIR_JSON).send(claim('v', 'Patient/pat-a', 'Organization/org-a', 'Coverage/cov-a', 'Encounter/enc-a'))).status).toBe(200);
    expect((await as('warehouse').get('/fhir/AuditEvent')).status).toBe(403);
    expect((await as('warehouse').get('/fhir/_history')).status).toBe(403);
    const exp = await as('warehouse').get('/fhir/$export?_type=CarePlan').set('Prefer', 'respond-async');
    expect([401, 403]).not.toContain(exp.status);
  });
});

describe('admin client', () => {
  it('reads, writes and reads audit records', async () => {
    expect((await as('admin').get('/fhir/Patient/bdata-pat')).status).toBe(200);
    expect((await as('admin').post('/fhir/Patient').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient' })).status).toBe(201);
    expect((await as('admin').get('/fhir/AuditEvent')).status).toBe(200);
    expect((await as('admin').get('/fhir/_history?_count=1')).status).toBe(200);
    // Audit records are the server's own: nobody writes them through the API.
    expect((await as('admin').post('/fhir/AuditEvent').set('Content-Type', FHIR_JSON).send({ resourceType: 'AuditEvent' })).status).toBe(403);
  });
});

/**
 * Scopes apply to every resource a response carries, as tenancy does: a table of scope sets ×
 * interactions × include forms. A token may narrow what its client is registered for
 * (`system/*.cruds` here); whatever the role, nothing of a type the token may not read comes back —
 * not as a match, an `_include`, a `_revinclude`, an `:iterate`, a Bundle entry or a history entry.
 * An out-of-scope included resource is left out (the search itself was allowed); a direct read of a
 * type outside the scopes stays 403.
 */
describe('scopes on every resource of a response', () => {
  const scoped: Record<string, string> = {};
  async function scopedToken(client: string, scope: string): Promise<string> {
    const k = `${client} ${scope}`;
    if (!scoped[k]) {
      const res = await t.http().post('/auth/token').type('form').send(tokenForm(await signAssertion({ clientId: client, tokenUrl: TOKEN_URL, key }), scope));
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe(scope);
      scoped[k] = res.body.access_token;
    }
    return scoped[k];
  }
  const withScope = async (client: string, scope: string) => ({ Authorization: `Bearer ${await scopedToken(client, scope)}` });

  /** `Type/id` of every resource anywhere in a body (Bundles, nested Bundles, Parameters) except the containers and outcomes. */
  function carried(body: unknown, out: string[] = []): string[] {
    if (Array.isArray(body)) body.forEach((x) => carried(x, out));
    else if (body && typeof body === 'object') {
      const o = body as Record<string, unknown>;
      if (typeof o.resourceType === 'string' && !['Bundle', 'OperationOutcome', 'Parameters'].includes(o.resourceType)) out.push(`${o.resourceType}/${String(o.id)}`);
      Object.values(o).forEach((v) => carried(v, out));
    }
    return out;
  }

  const SCOPE_SETS: [string, string, string[]][] = [
    // client, granted scopes, the types those scopes let it read
    ['admin', 'system/Patient.rs', ['Patient']],
    ['warehouse', 'system/Patient.rs', ['Patient']],
    ['ehr-a', 'system/Patient.rs', ['Patient']],
    ['admin', 'system/Claim.rs system/Encounter.rs', ['Claim', 'Encounter']],
    ['warehouse', 'system/Claim.rs system/Patient.s', ['Claim']],
    ['ehr-a', 'system/Claim.rs system/Encounter.rs system/Patient.rs', ['Claim', 'Encounter', 'Patient']],
  ];
  const FORMS: [string, string][] = [
    ['a match (search)', 'Patient?_id=pat-a'],
    ['_revinclude', 'Patient?_id=pat-a&_revinclude=Claim:patient'],
    ['_revinclude=*', 'Patient?_id=pat-a&_revinclude=*'],
    ['_include', 'Claim?_include=Claim:patient&_include=Claim:encounter&_include=Claim:provider'],
    ['_include=*', 'Claim?_include=*'],
    ['_revinclude + _include:iterate', 'Encounter?_id=enc-a&_revinclude=Claim:encounter&_include:iterate=Claim:patient'],
    ['_revinclude:iterate', 'Organization?_id=org-a&_revinclude=Encounter:service-provider&_revinclude:iterate=Claim:encounter'],
  ];
  const table = SCOPE_SETS.flatMap(([client, scope, readable]) => FORMS.map(([form, url]) => [client, scope, form, url, readable] as const));

  it.each(table)('%s with %s, %s: only readable types (or the searched one) come back', async (client, scope, _form, url, readable) => {
    const headers = await withScope(client, scope);
    const searched = url.slice(0, url.indexOf('?'));
    const allowed = new Set([...readable, searched]);
    const direct = await t.http().get(`/fhir/${url}`).set(headers);
    // A search of a type the token may not search is refused outright.
    const searchable = scope.split(' ').some((x) => x.startsWith(`system/${searched}.`) && /s$/.test(x));
    expect(direct.status).toBe(searchable ? 200 : 403);
    for (const k of carried(direct.body)) expect(allowed).toContain(k.split('/')[0]);
    if (client === 'ehr-a') noLeak(direct);

    // The same search as GET entries of a batch and of a transaction.
    for (const type of ['batch', 'transaction']) {
      const bundle = await t.http().post('/fhir').set(headers).set('Content-Type', FHIR_JSON)
        .send({ resourceType: 'Bundle', type, entry: [{ request: { method: 'GET', url } }] });
      if (type === 'transaction' && !searchable) {
        expect(bundle.status).toBe(403);
        continue;
      }
      expect(bundle.status).toBe(200);
      for (const k of carried(bundle.body)) expect(allowed).toContain(k.split('/')[0]);
    }
  });

  it('an in-scope include still comes back (the table above can fail)', async () => {
    const both = await t.http().get('/fhir/Patient?_id=pat-a&_revinclude=Claim:patient').set(await withScope('admin', 'system/Claim.rs system/Patient.rs'));
    expect(ids(both.body, 'include')).toEqual(['Claim/claim-a']);
    const patientOnly = await t.http().get('/fhir/Patient?_id=pat-a&_revinclude=Claim:patient').set(await withScope('admin', 'system/Patient.rs'));
    expect(ids(patientOnly.body, 'match')).toEqual(['Patient/pat-a']);
    expect(ids(patientOnly.body, 'include')).toEqual([]);
    // The total counts matches only, as before.
    expect(patientOnly.body.total).toBe(1);
    const iterate = await t.http().get('/fhir/Encounter?_id=enc-a&_revinclude=Claim:encounter&_include:iterate=Claim:patient').set(await withScope('warehouse', 'system/Claim.rs system/Encounter.rs system/Patient.rs'));
    expect(ids(iterate.body, 'include')).toEqual(['Claim/claim-a', 'Patient/pat-a']);
    const noPatient = await t.http().get('/fhir/Encounter?_id=enc-a&_revinclude=Claim:encounter&_include:iterate=Claim:patient').set(await withScope('warehouse', 'system/Claim.rs system/Encounter.rs'));
    expect(ids(noPatient.body, 'include')).toEqual(['Claim/claim-a']);
  });

  it('a direct read of a type outside the scopes is 403 (as documented), also as a batch entry', async () => {
    const headers = await withScope('admin', 'system/Patient.rs');
    const res = await t.http().get('/fhir/Claim/claim-a').set(headers);
    expect(res.status).toBe(403);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const batch = await t.http().post('/fhir').set(headers).set('Content-Type', FHIR_JSON)
      .send({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Claim/claim-a' } }, { request: { method: 'GET', url: 'Patient/pat-a' } }] });
    expect(batch.status).toBe(200);
    expect(batch.body.entry[0].response.status).toMatch(/^403/);
    expect(batch.body.entry[0].resource).toBeUndefined();
    expect(batch.body.entry[1].resource.id).toBe('pat-a');
  });

  it.each([
    // client, scopes, url, the types expected back (all that are stored, of the readable ones); [] = 403
    ['admin', 'system/Claim.rs system/Coverage.rs', '/fhir/_history?_count=500', ['Claim', 'Coverage']],
    ['admin', 'system/Patient.rs', '/fhir/_history?_count=500', ['Patient']],
    ['warehouse', 'system/Patient.rs', '/fhir/Patient/_history?_count=500', ['Patient']],
    ['admin', 'system/Claim.rs system/Coverage.rs', '/fhir/Patient/_history?_count=500', []],
  ])('history for %s with %s (%s) keeps to the readable types', async (client, scope, url, expected) => {
    const res = await t.http().get(url).set(await withScope(client, scope));
    if (expected.length === 0) {
      expect(res.status).toBe(403);
      return;
    }
    expect(res.status).toBe(200);
    const types = new Set(carried(res.body).map((k) => k.split('/')[0]));
    expect([...types].sort()).toEqual(expected);
    expect(res.body.total).toBe(res.body.entry.length);
  });

  it('a conditional create that finds its match returns the match only to a client that may read the type', async () => {
    const send = async (scope: string) => t.http().post('/fhir/Patient').set(await withScope('admin', scope)).set('Content-Type', FHIR_JSON)
      .set('If-None-Exist', 'identifier=urn:member|a-1').send({ resourceType: 'Patient', identifier: [{ system: 'urn:member', value: 'a-1' }] });
    const createOnly = await send('system/Patient.c');
    expect(createOnly.status).toBe(200);
    expect(createOnly.headers.location).toMatch(/\/Patient\/pat-a\/_history\//);
    expect(createOnly.text).not.toContain('Alpha');
    const readToo = await send('system/Patient.crs');
    expect(readToo.status).toBe(200);
    expect(readToo.body.name[0].family).toBe('Alpha');
    // The same in a transaction entry (a Bundle needs some read scope: Claim here, not Patient).
    const tx = await t.http().post('/fhir').set(await withScope('admin', 'system/Claim.r system/Patient.c')).set('Content-Type', FHIR_JSON).send({
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:member|a-1' } }],
    });
    expect(tx.status).toBe(200);
    expect(tx.body.entry[0].response.location).toMatch(/^Patient\/pat-a\//);
    expect(carried(tx.body)).toEqual([]);
  });
});
