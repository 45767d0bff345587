/**
 * AuditEvent: every read, search, write, operation and refusal is recorded — who, what (type and id,
 * or the search's parameter names, never their values), when and the HTTP status — without
 * resource bodies, and only admin clients can search the records.
 */
import { makeClientKey, signAssertion, tokenForm, writeClientsFile } from '../src/auth/testing';
import { startTestApp, FHIR_JSON, type TestApp } from './support/server';

const TOKEN_URL = 'http://127.0.0.1:8080/auth/token';
let t: TestApp;
const tokens: Record<string, string> = {};
let patientId: string;
const started = new Date(Date.now() - 1000).toISOString();

beforeAll(async () => {
  const key = await makeClientKey('RS384', 'audit-key');
  const file = writeClientsFile([
    { clientId: 'ehr-1', role: 'ehr', organization: 'Organization/org-1', jwks: { keys: [key.publicJwk] }, scopes: ['system/*.cruds'] },
    { clientId: 'auditor', role: 'admin', jwks: { keys: [key.publicJwk] }, scopes: ['system/*.rs'] },
  ]);
  t = await startTestApp({ AUTH: 'on', AUTH_CLIENTS_FILE: file, VALIDATE_ON_WRITE: 'structure', CLAIM_RULES: 'off' });
  for (const clientId of ['ehr-1', 'auditor']) {
    const res = await t.http().post('/auth/token').type('form').send(tokenForm(await signAssertion({ clientId, tokenUrl: TOKEN_URL, key }), 'system/*.cruds'));
    tokens[clientId] = res.body.access_token;
  }
  const ehr = { Authorization: `Bearer ${tokens['ehr-1']}` };
  const created = await t.http().post('/fhir/Patient').set(ehr).set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', name: [{ family: 'Confidential' }], birthDate: '1971-02-03' });
  expect(created.status).toBe(201);
  patientId = created.body.id;
  await t.http().post('/fhir/Encounter').set(ehr).set('Content-Type', FHIR_JSON).send({
    resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject: { reference: `Patient/${patientId}` }, serviceProvider: { reference: 'Organization/org-1' },
  });
  expect((await t.http().get(`/fhir/Patient/${patientId}`).set(ehr)).status).toBe(200);
  expect((await t.http().get('/fhir/Patient?family=Confidential&birthdate=1971-02-03').set(ehr)).status).toBe(200);
  expect((await t.http().post('/fhir/Patient/_search').set(ehr).type('form').send('family=Confidential')).status).toBe(200);
  expect((await t.http().get('/fhir/Patient/unknown-one').set(ehr)).status).toBe(404);
  expect((await t.http().get('/fhir/AuditEvent').set(ehr)).status).toBe(403);
  expect((await t.http().post('/fhir/Patient/$validate').set(ehr).set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', name: [{ family: 'Confidential' }] })).status).toBe(200);
  expect((await t.http().get('/fhir/Patient?family=Nobody')).status).toBe(401);
  const tx = await t.http().post('/fhir').set(ehr).set('Content-Type', FHIR_JSON).send({
    resourceType: 'Bundle', type: 'transaction',
    entry: [{ resource: { resourceType: 'Practitioner', id: 'prs-1', name: [{ family: 'Staff' }] }, request: { method: 'PUT', url: 'Practitioner/prs-1' } }],
  });
  expect(tx.status).toBe(200);
  await t.app.audit!.flush();
});
afterAll(async () => {
  await t.app.close();
  await t.close();
});

const admin = (url: string) => t.http().get(url).set('Authorization', `Bearer ${tokens.auditor}`);
type Audit = { subtype: { code: string }[]; action: string; outcome: string; outcomeDesc: string; agent: { altId: string }[]; entity: { name: string; detail?: { type: string; valueString: string }[] }[] };
const events = async (query: string): Promise<Audit[]> => {
  const res = await admin(`/fhir/AuditEvent?${query}`);
  expect(res.status).toBe(200);
  return (res.body.entry ?? []).map((e: { resource: Audit }) => e.resource);
};

describe('audit records', () => {
  it('records every request of a client with its interaction, entity and outcome', async () => {
    const mine = await events('agent-name=ehr-1&_count=100');
    const summary = mine.map((e) => `${e.subtype[0].code} ${e.outcome} ${e.entity.map((x) => x.name).join(' ')}`);
    expect(summary).toEqual(expect.arrayContaining([
      `create 0 Patient/${patientId}`,
      `read 0 Patient/${patientId}`,
      'search-type 0 Patient',
      'read 4 Patient/unknown-one',
      'search-type 4 AuditEvent',
      'operation 0 Patient',
      'transaction 0 Practitioner/prs-1',
    ]));
    expect(mine).toHaveLength(9);
    const read = mine.find((e) => e.subtype[0].code === 'read' && e.outcome === '0')!;
    expect(read.action).toBe('R');
    expect(read.outcomeDesc).toMatch(/^HTTP 200/);
  });

  it('keeps the names of search parameters and never their values, nor any resource body', async () => {
    const searches = await events('agent-name=ehr-1&subtype=search-type&entity-name=Patient');
    const params = searches.map((e) => e.entity[0].detail?.[0].valueString).sort();
    expect(params).toEqual(['family', 'family,birthdate']);
    const all = await admin('/fhir/AuditEvent?_count=1000');
    expect(all.text).not.toMatch(/Confidential|1971|Nobody|Staff/);
  });

  it('records refused requests as anonymous when no token was given', async () => {
    const anon = await events('altid=anonymous');
    expect(anon).toHaveLength(1);
    expect(anon[0].outcome).toBe('4');
    expect(anon[0].outcomeDesc).toMatch(/^HTTP 401/);
  });

  it('searches by entity, date, interaction and outcome, counts and pages', async () => {
    const about = await events(`entity-name=Patient/${patientId}`);
    expect(about.map((e) => e.subtype[0].code).sort()).toEqual(['create', 'read']);
    expect((await events(`date=ge${started}&outcome=4&agent-name=ehr-1`)).length).toBe(2);
    expect(await events('date=lt2000-01-01')).toEqual([]);
    const count = await admin('/fhir/AuditEvent?agent-name=ehr-1&_summary=count');
    expect(count.body).toMatchObject({ total: 9 });
    expect(count.body.entry).toBeUndefined();
    const first = await admin('/fhir/AuditEvent?agent-name=ehr-1&_count=5');
    const next = first.body.link.find((l: { relation: string }) => l.relation === 'next').url.replace(/^https?:\/\/[^/]+/, '');
    const second = await admin(next);
    const firstIds = first.body.entry.map((e: { resource: { id: string } }) => e.resource.id);
    const secondIds = second.body.entry.map((e: { resource: { id: string } }) => e.resource.id);
    expect(firstIds).toHaveLength(5);
    expect(secondIds).toHaveLength(4);
    expect(firstIds.filter((id: string) => secondIds.includes(id))).toEqual([]);
    const one = await admin(`/fhir/AuditEvent/${firstIds[0]}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(firstIds[0]);
    expect((await admin('/fhir/AuditEvent?date=yesterday')).status).toBe(400);
  });

  it('is readable by admin clients only', async () => {
    expect((await t.http().get('/fhir/AuditEvent').set('Authorization', `Bearer ${tokens['ehr-1']}`)).status).toBe(403);
    expect((await t.http().get('/fhir/AuditEvent')).status).toBe(401);
  });
});
