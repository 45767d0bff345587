/**
 * Chained parameters (any depth, the type form for polymorphic references) and reverse chaining
 * (`_has`, nested), through missing and deleted resources, with paging and includes.
 */
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
const ref = (reference: string) => ({ reference });
const claim = (id: string, patient: string, status: string, encounter?: string) => ({
  resourceType: 'Claim', id, status, type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
  use: 'claim', patient: ref(patient), created: '2026-03-10', provider: ref('Organization/org-1'), priority: { coding: [{ code: 'normal' }] },
  insurance: [{ sequence: 1, focal: true, coverage: ref('Coverage/cov-1') }],
  item: [{ sequence: 1, productOrService: { coding: [{ code: 'H0038' }] }, ...(encounter ? { encounter: [ref(encounter)] } : {}) }],
});
const encounter = (id: string, subject: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Encounter', id, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: ref(subject), ...extra,
});

const SEED = [
  { resourceType: 'Organization', id: 'org-1', name: 'Provider One' },
  { resourceType: 'Coverage', id: 'cov-1', status: 'active', beneficiary: ref('Patient/pw1'), payor: [ref('Organization/org-1')] },
  { resourceType: 'Practitioner', id: 'dr1', identifier: [{ system: 'urn:npi', value: '111' }] },
  { resourceType: 'Practitioner', id: 'dr2', identifier: [{ system: 'urn:npi', value: '222' }] },
  { resourceType: 'Patient', id: 'pw1', name: [{ family: 'Whitaker', given: ['Ann'] }], identifier: [{ system: 'urn:mrn', value: 'W1' }] },
  { resourceType: 'Patient', id: 'pw2', name: [{ family: 'Whitaker', given: ['Bob'] }], identifier: [{ system: 'urn:mrn', value: 'W2' }] },
  { resourceType: 'Patient', id: 'po1', name: [{ family: 'Other' }], identifier: [{ system: 'urn:mrn', value: 'O1' }] },
  { resourceType: 'Group', id: 'g1', type: 'person', actual: true, identifier: [{ system: 'urn:mrn', value: 'W1' }] },
  encounter('e1', 'Patient/pw1', { participant: [{ individual: ref('Practitioner/dr1') }] }),
  encounter('e2', 'Patient/po1', { participant: [{ individual: ref('Practitioner/dr2') }] }),
  encounter('e3', 'Group/g1'),
  encounter('e4', 'Patient/pw2'),
  encounter('e5', 'Patient/nobody'),
  claim('c1', 'Patient/pw1', 'active', 'Encounter/e1'),
  claim('c2', 'Patient/pw1', 'cancelled', 'Encounter/e1'),
  claim('c3', 'Patient/po1', 'draft', 'Encounter/e2'),
  claim('c4', 'Patient/pw2', 'active', 'Encounter/e4'),
  claim('c5', 'Patient/nobody', 'active', 'Encounter/e5'),
];

beforeAll(async () => {
  t = await startTestApp({ VALIDATE_ON_WRITE: 'structure', CLAIM_RULES: 'off' });
  const res = await t.http().post('/fhir').set('Content-Type', FHIR_JSON).send({
    resourceType: 'Bundle', type: 'transaction',
    entry: SEED.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
  });
  expect(res.status).toBe(200);
  // pw2 is deleted: its claims and sessions stay, and no chain may reach it.
  expect((await t.http().delete('/fhir/Patient/pw2')).status).toBe(200);
});
afterAll(async () => t.close());

type Bundle = { total?: number; link?: { relation: string; url: string }[]; entry?: { resource: { resourceType: string; id: string; issue?: { diagnostics: string }[] }; search: { mode: string } }[] };
const get = (url: string) => t.http().get(url.startsWith('http') ? new URL(url).pathname + new URL(url).search : url);
const matches = async (url: string) => {
  const res = await get(url);
  expect([url, res.status]).toEqual([url, 200]);
  return ((res.body as Bundle).entry ?? []).filter((e) => e.search.mode === 'match').map((e) => e.resource.id).sort();
};

describe('chained parameters', () => {
  it('Claim?patient.name= finds the claims of the patients so named, and only those', async () => {
    expect(await matches('/fhir/Claim?patient.name=Whitaker')).toEqual(['c1', 'c2']);
    expect(await matches('/fhir/Claim?patient.name=Whitaker&status=active')).toEqual(['c1']);
    expect(await matches('/fhir/Claim?patient.name=Whitaker,Other')).toEqual(['c1', 'c2', 'c3']);
    expect(await matches('/fhir/Claim?patient.name:exact=whitaker')).toEqual([]);
    expect(await matches('/fhir/Claim?patient.name=Nobody')).toEqual([]);
  });

  it('never reaches a deleted or missing target', async () => {
    // c4 names the deleted pw2, c5 a Patient that was never stored.
    expect(await matches('/fhir/Claim?patient.identifier=urn:mrn|W2')).toEqual([]);
    expect(await matches('/fhir/Claim?patient._id=pw2')).toEqual([]);
    expect(await matches('/fhir/Claim?patient._id=nobody')).toEqual([]);
    expect(await matches('/fhir/Claim?patient._id=pw1')).toEqual(['c1', 'c2']);
    // The reference itself still finds them.
    expect(await matches('/fhir/Claim?patient=Patient/pw2')).toEqual(['c4']);
  });

  it('a polymorphic reference searches every target type, or only the one named in the type form', async () => {
    expect(await matches('/fhir/Encounter?subject.identifier=urn:mrn|W1')).toEqual(['e1', 'e3']);
    expect(await matches('/fhir/Encounter?subject:Patient.identifier=urn:mrn|W1')).toEqual(['e1']);
    expect(await matches('/fhir/Encounter?subject:Group.identifier=urn:mrn|W1')).toEqual(['e3']);
    // `name` is a Patient parameter, not a Group one: only Patients are searched.
    expect(await matches('/fhir/Encounter?subject.name=Whitaker')).toEqual(['e1']);
  });

  it('chains at any depth: Claim?encounter.participant.identifier=', async () => {
    expect(await matches('/fhir/Claim?encounter.participant.identifier=urn:npi|111')).toEqual(['c1', 'c2']);
    expect(await matches('/fhir/Claim?encounter.participant:Practitioner.identifier=urn:npi|222')).toEqual(['c3']);
    expect(await matches('/fhir/Claim?encounter.subject:Patient.name=Whitaker&encounter.participant.identifier=urn:npi|111')).toEqual(['c1', 'c2']);
    expect(await matches('/fhir/Claim?encounter.subject:Patient.name=Other&encounter.participant.identifier=urn:npi|111')).toEqual([]);
  });

  it('pages through chained matches with their includes, links keeping the chain', async () => {
    const first = await get('/fhir/Claim?patient.name=Whitaker&_include=Claim:patient&_count=1&_sort=_id');
    const body = first.body as Bundle;
    expect(body.total).toBe(2);
    expect(body.entry!.map((e) => `${e.resource.id}:${e.search.mode}`)).toEqual(['c1:match', 'pw1:include']);
    const self = body.link!.find((l) => l.relation === 'self')!.url;
    expect(new URL(self).searchParams.get('patient.name')).toBe('Whitaker');
    const next = body.link!.find((l) => l.relation === 'next')!.url;
    const second = (await get(next)).body as Bundle;
    expect(second.entry!.map((e) => `${e.resource.id}:${e.search.mode}`)).toEqual(['c2:match', 'pw1:include']);
    expect(second.link!.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it('counts with _summary=count', async () => {
    const res = await get('/fhir/Claim?patient.name=Whitaker&_summary=count');
    expect(res.body.total).toBe(2);
  });

  it('bad chains are 400; an unknown chained parameter is reported, and a 400 when strict', async () => {
    for (const q of ['Claim?status.name=x', 'Encounter?subject:Foo.name=x', 'Encounter?subject:Organization.name=x', 'Claim?patient.birthdate=yesterday', 'Claim?patient.=x']) {
      const res = await get(`/fhir/${q}`);
      expect([q, res.status, res.body.resourceType]).toEqual([q, 400, 'OperationOutcome']);
    }
    const lenient = await get('/fhir/Claim?patient.shoe-size=12');
    expect(lenient.status).toBe(200);
    const outcome = (lenient.body as Bundle).entry!.find((e) => e.search.mode === 'outcome')!;
    expect(outcome.resource.issue![0].diagnostics).toContain('patient.shoe-size');
    expect(new URL((lenient.body as Bundle).link![0].url).searchParams.has('patient.shoe-size')).toBe(false);
    expect((await t.http().get('/fhir/Claim?patient.shoe-size=12').set('Prefer', 'handling=strict')).status).toBe(400);
  });

  it('refuses chains deeper than the limit', async () => {
    const res = await get('/fhir/Claim?encounter.part-of.part-of.part-of.part-of.part-of.part-of.status=finished');
    expect(res.status).toBe(400);
  });
});

describe('_has (reverse chaining)', () => {
  it('Patient?_has:Claim:patient:status= finds the patients some live claim of that status names', async () => {
    expect(await matches('/fhir/Patient?_has:Claim:patient:status=active')).toEqual(['pw1']);
    expect(await matches('/fhir/Patient?_has:Claim:patient:status=draft,cancelled')).toEqual(['po1', 'pw1']);
    expect(await matches('/fhir/Patient?_has:Claim:patient:status=entered-in-error')).toEqual([]);
  });

  it('nests: Patient?_has:Encounter:subject:_has:Claim:encounter:status=', async () => {
    expect(await matches('/fhir/Patient?_has:Encounter:subject:_has:Claim:encounter:status=active')).toEqual(['pw1']);
    expect(await matches('/fhir/Patient?_has:Encounter:subject:_has:Claim:encounter:status=draft')).toEqual(['po1']);
    // and combines with a chain inside it
    expect(await matches('/fhir/Patient?_has:Encounter:subject:participant.identifier=urn:npi|222')).toEqual(['po1']);
  });

  it('a deleted referring resource no longer counts', async () => {
    const c6 = claim('c6', 'Patient/po1', 'entered-in-error');
    expect((await t.http().put('/fhir/Claim/c6').set('Content-Type', FHIR_JSON).send(c6)).status).toBe(201);
    expect(await matches('/fhir/Patient?_has:Claim:patient:status=entered-in-error')).toEqual(['po1']);
    expect((await t.http().delete('/fhir/Claim/c6')).status).toBe(200);
    expect(await matches('/fhir/Patient?_has:Claim:patient:status=entered-in-error')).toEqual([]);
  });

  it('malformed _has is 400', async () => {
    for (const q of ['Patient?_has:Claim:patient=active', 'Patient?_has:Nope:patient:status=x', 'Patient?_has:Claim:status:status=x', 'Patient?_has:Claim:provider:status=x']) {
      const res = await get(`/fhir/${q}`);
      expect([q, res.status]).toEqual([q, 400]);
    }
  });
});
