/**
 * Repository.referencing: what names a set of records, optionally only some types, with Encounters
 * kept only where their period meets a window (the rule engine's caseload and supervision gather).
 * Run on both stores.
 */
import type { FhirResource } from 'fhir/r4';
import { PostgresRepository } from '../src/store';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
const role = { reference: 'PractitionerRole/ref-role' };
const patient = { reference: 'Patient/ref-member' };
const session = (id: string, period?: { start: string; end?: string }): FhirResource => ({
  resourceType: 'Encounter', id, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
  subject: patient, participant: [{ individual: role }], ...(period ? { period } : {}),
});
const resources: FhirResource[] = [
  { resourceType: 'Patient', id: 'ref-member' },
  { resourceType: 'Practitioner', id: 'ref-prs' },
  { resourceType: 'PractitionerRole', id: 'ref-role', practitioner: { reference: 'Practitioner/ref-prs' } },
  session('ref-in', { start: '2026-03-10T10:00:00Z', end: '2026-03-10T11:00:00Z' }),
  // Starts before the window and ends on its first day: it meets the window.
  session('ref-edge', { start: '2026-02-28T23:00:00Z', end: '2026-03-01T00:30:00Z' }),
  session('ref-after', { start: '2026-04-01T00:00:00Z', end: '2026-04-01T01:00:00Z' }),
  session('ref-before', { start: '2026-02-27T10:00:00Z', end: '2026-02-27T11:00:00Z' }),
  session('ref-undated'),
  session('ref-deleted', { start: '2026-03-12T10:00:00Z', end: '2026-03-12T11:00:00Z' }),
  { resourceType: 'CarePlan', id: 'ref-plan', status: 'active', intent: 'plan', subject: patient, author: role },
  { resourceType: 'Observation', id: 'ref-obs', status: 'final', code: { text: 'note' }, subject: patient, performer: [role] },
];

beforeAll(async () => {
  t = await startTestApp();
  for (const r of resources) {
    const res = await t.http().put(`/fhir/${r.resourceType}/${r.id}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(r));
    expect(res.status).toBe(201);
  }
  expect((await t.http().delete('/fhir/Encounter/ref-deleted')).status).toBe(200);
});
afterAll(async () => t.close());

const ids = async (types?: string[], encounterWindow?: { from: string; to: string }) =>
  (await new PostgresRepository(t.sql).referencing(['PractitionerRole/ref-role'], types, { encounterWindow })).map((r) => `${r.resourceType}/${r.id}`).sort();

describe('Repository.referencing', () => {
  const march = { from: '2026-03-01', to: '2026-03-31' };

  it('finds every live record of the types asked for that names the target', async () => {
    expect(await ids(['CarePlan', 'Encounter'])).toEqual([
      'CarePlan/ref-plan', 'Encounter/ref-after', 'Encounter/ref-before', 'Encounter/ref-edge', 'Encounter/ref-in', 'Encounter/ref-undated',
    ]);
  });

  it('with a window, keeps only the Encounters whose period meets it (the first and last days count), and every other type', async () => {
    expect(await ids(['PractitionerRole', 'CarePlan', 'Encounter'], march)).toEqual(['CarePlan/ref-plan', 'Encounter/ref-edge', 'Encounter/ref-in']);
    expect(await ids(undefined, march)).toEqual(['CarePlan/ref-plan', 'Encounter/ref-edge', 'Encounter/ref-in', 'Observation/ref-obs']);
    expect(await ids(['Encounter'], { from: '2026-04-01', to: '2026-04-30' })).toEqual(['Encounter/ref-after']);
    expect(await ids(['Encounter'], { from: '2026-02-01', to: '2026-02-27' })).toEqual(['Encounter/ref-before']);
  });

  it('a window does not filter types other than Encounter', async () => {
    expect(await ids(['CarePlan', 'Observation'], march)).toEqual(['CarePlan/ref-plan', 'Observation/ref-obs']);
  });
});
