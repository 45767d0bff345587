/**
 * Tenancy inside chains and `_has`: the resources a chain or `_has` reads are filtered exactly as a
 * direct search by the same client would be, so a result never reveals that another organization's
 * resource exists; and a client must be allowed to search every type its chains read.
 */
import { makeClientKey, signAssertion, tokenForm, writeClientsFile, type ClientKey } from '../src/auth/testing';
import { startTestApp, FHIR_JSON, type TestApp } from './support/server';

const TOKEN_URL = 'http://127.0.0.1:8080/auth/token';

let t: TestApp;
const tokens: Record<string, string> = {};
const ref = (reference: string) => ({ reference });
const encounter = (id: string, extra: Record<string, unknown>) => ({ resourceType: 'Encounter', id, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, ...extra });

const SEED = [
  { resourceType: 'Organization', id: 'org-a', name: 'Provider A' },
  { resourceType: 'Organization', id: 'org-b', name: 'Provider B' },
  { resourceType: 'Patient', id: 'pat-a', name: [{ family: 'Alpha' }] },
  { resourceType: 'Patient', id: 'pat-b', name: [{ family: 'Bravo' }] },
  // A serves pat-a, B serves pat-b (each through a session it provides).
  encounter('enc-a', { subject: ref('Patient/pat-a'), serviceProvider: ref('Organization/org-a') }),
  encounter('enc-b', { subject: ref('Patient/pat-b'), serviceProvider: ref('Organization/org-b') }),
  // A record of B's that names A's member too: A may not see it (it names a member A does not serve).
  { resourceType: 'Group', id: 'grp-b', type: 'person', actual: true, name: 'Secret', member: [{ entity: ref('Patient/pat-a') }, { entity: ref('Patient/pat-b') }] },
];

beforeAll(async () => {
  const key: ClientKey = await makeClientKey('ES384', 'k');
  const clients = [
    { clientId: 'ehr-a', role: 'ehr' as const, organization: 'Organization/org-a' },
    { clientId: 'payer-a', role: 'payer' as const, organization: 'Organization/org-a' },
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
  const seeded = await get('admin', '/fhir').post('/fhir').set('Content-Type', FHIR_JSON).send({
    resourceType: 'Bundle', type: 'transaction',
    entry: SEED.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
  });
  expect(seeded.status).toBe(200);
});
afterAll(async () => {
  await t.app.close();
  await t.close();
});

function get(client: string, url: string) {
  const auth = { Authorization: `Bearer ${tokens[client]}` };
  return Object.assign(t.http().get(url).set(auth), { post: (u: string) => t.http().post(u).set(auth) });
}

async function matches(client: string, url: string): Promise<string[]> {
  const res = await get(client, url);
  expect([url, res.status]).toEqual([url, 200]);
  return ((res.body.entry ?? []) as { resource: { resourceType: string; id: string }; search: { mode: string } }[])
    .filter((e) => e.search.mode === 'match').map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();
}

describe('tenancy inside chains and _has', () => {
  it('_has reads only referring resources the client may see', async () => {
    // Organizations are directory data, visible to all; which ones have a session with a member named Bravo is not.
    const q = '/fhir/Organization?_has:Encounter:service-provider:patient.name=Bravo';
    expect(await matches('admin', q)).toEqual(['Organization/org-b']);
    expect(await matches('ehr-a', q)).toEqual([]);
    expect(await matches('ehr-a', '/fhir/Organization?_has:Encounter:service-provider:patient.name=Alpha')).toEqual(['Organization/org-a']);
    // pat-a is A's member, but the Group naming it is B's record.
    expect(await matches('admin', '/fhir/Patient?_has:Group:member:_id=grp-b')).toEqual(['Patient/pat-a', 'Patient/pat-b']);
    expect(await matches('ehr-a', '/fhir/Patient?_has:Group:member:_id=grp-b')).toEqual([]);
    expect(await matches('ehr-a', '/fhir/Patient?_has:Encounter:patient:service-provider=Organization/org-a')).toEqual(['Patient/pat-a']);
  });

  it('a chain reads only targets the client may see, at every link', async () => {
    expect(await matches('admin', '/fhir/Organization?_has:Encounter:service-provider:subject:Patient._id=pat-b')).toEqual(['Organization/org-b']);
    expect(await matches('ehr-a', '/fhir/Organization?_has:Encounter:service-provider:subject:Patient._id=pat-b')).toEqual([]);
    expect(await matches('ehr-a', '/fhir/Encounter?patient.name=Bravo,Alpha')).toEqual(['Encounter/enc-a']);
    expect(await matches('warehouse', '/fhir/Encounter?patient.name=Bravo,Alpha')).toEqual(['Encounter/enc-a', 'Encounter/enc-b']);
  });

  it('totals count what the client may see', async () => {
    const res = await get('ehr-a', '/fhir/Organization?_has:Encounter:service-provider:status=finished&_summary=count');
    expect(res.body.total).toBe(1);
    const admin = await get('admin', '/fhir/Organization?_has:Encounter:service-provider:status=finished&_summary=count');
    expect(admin.body.total).toBe(2);
  });

  it('a client must be allowed to search every type its chains and _has read', async () => {
    // A payer reads Patients, Organizations and claims, but not sessions or AuditEvents.
    for (const q of ['Patient?_has:Encounter:patient:status=finished', 'Organization?_has:Encounter:service-provider:status=finished']) {
      const res = await get('payer-a', `/fhir/${q}`);
      expect([q, res.status, res.body.resourceType]).toEqual([q, 403, 'OperationOutcome']);
    }
    expect((await get('payer-a', '/fhir/Patient?name=Alpha')).status).toBe(200);
    const audit = await get('warehouse', '/fhir/Patient?_has:AuditEvent:entity:action=R');
    expect(audit.status).toBe(403);
  });
});

describe('tenancy in system-level search', () => {
  it('covers the rows the client may see, of the types it may search', async () => {
    expect(await matches('ehr-a', '/fhir?_type=Patient,Encounter')).toEqual(['Encounter/enc-a', 'Patient/pat-a']);
    expect(await matches('admin', '/fhir?_type=Patient,Encounter')).toEqual(['Encounter/enc-a', 'Encounter/enc-b', 'Patient/pat-a', 'Patient/pat-b']);
    // Without _type, a payer's search covers the types it reads: no Encounter, no Group.
    const all = await matches('payer-a', '/fhir?_count=100');
    expect(all.filter((k) => /^(Encounter|Group)\//.test(k))).toEqual([]);
    expect((await get('payer-a', '/fhir?_type=Encounter')).status).toBe(403);
    const count = await get('ehr-a', '/fhir?_type=Patient&_summary=count');
    expect(count.body.total).toBe(1);
  });
});
