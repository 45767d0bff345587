import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
const post = async (r: Record<string, unknown>) => (await t.http().post(`/fhir/${r.resourceType}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(r))).body;
const get = async (url: string) => t.http().get(url.startsWith('http') ? new URL(url).pathname + new URL(url).search : url);
const ids = (b: { entry?: { resource: { id: string }; search: { mode: string } }[] }) => (b.entry ?? []).filter((e) => e.search.mode === 'match').map((e) => e.resource.id);

let member: { id: string };
let plans: { id: string }[] = [];
let extra: { id: string };
beforeAll(async () => {
  t = await startTestApp();
  member = await post({ resourceType: 'Patient', identifier: [{ system: 'urn:s', value: 'm1' }], name: [{ family: 'Ávila', given: ['Rosa'] }], gender: 'female', birthDate: '1979-06-30' });
  await post({ resourceType: 'Patient', identifier: [{ system: 'urn:s', value: 'm2' }], name: [{ family: 'Avery', given: ['Tom'] }], gender: 'male', birthDate: '2001-01-15' });
  for (let i = 0; i < 7; i++) {
    plans.push(await post({
      resourceType: 'CarePlan', status: i === 6 ? 'completed' : 'active', intent: 'plan',
      category: [{ coding: [{ system: 'http://prss.example.org/fhir/CodeSystem/prss-careplan-category', code: 'rrwp' }] }],
      subject: { reference: `Patient/${member.id}` }, period: { start: `2026-0${i + 1}-10`, end: `2026-0${i + 1}-28` },
    }));
  }
});
afterAll(async () => t.close());

describe('search', () => {
  it('token, string (accent- and case-insensitive starts-with, :exact), and date prefixes', async () => {
    expect(ids((await get('/fhir/Patient?identifier=urn:s|m1')).body)).toEqual([member.id]);
    expect(ids((await get('/fhir/Patient?family=avi')).body)).toEqual([member.id]);
    expect(ids((await get('/fhir/Patient?family:exact=Avila')).body)).toEqual([]);
    expect(ids((await get('/fhir/Patient?family:exact=Ávila')).body)).toEqual([member.id]);
    expect(ids((await get('/fhir/Patient?birthdate=1979-06')).body)).toEqual([member.id]);
    expect(ids((await get('/fhir/Patient?birthdate=gt1979-06-30')).body)).toHaveLength(1);
    expect(ids((await get('/fhir/Patient?birthdate=ge1979-06-30&birthdate=le1979-06-30')).body)).toEqual([member.id]);
  });

  it('CarePlan by subject, category, status and date', async () => {
    const all = await get(`/fhir/CarePlan?subject=Patient/${member.id}&category=rrwp`);
    expect(all.body.total).toBe(7);
    const active = await get(`/fhir/CarePlan?patient=${member.id}&status=active&date=ge2026-03-01`);
    // Periods ending on or after March 1 intersect "ge": March to June (the July plan is completed).
    expect(ids(active.body)).toHaveLength(4);
  });

  it('pages by keyset: next and previous links walk the whole set, even while others write', async () => {
    const first = await get(`/fhir/CarePlan?subject=Patient/${member.id}&_count=3&_sort=date`);
    expect(first.body.total).toBe(7);
    const seen = ids(first.body);
    expect(seen).toEqual(plans.slice(0, 3).map((p) => p.id));
    // A write between pages does not shift the pages.
    extra = await post({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: `Patient/${member.id}` }, period: { start: '2025-12-01' } });
    let next = first.body.link.find((l: { relation: string }) => l.relation === 'next');
    const second = await get(next.url);
    expect(ids(second.body)).toEqual(plans.slice(3, 6).map((p) => p.id));
    const prev = second.body.link.find((l: { relation: string }) => l.relation === 'previous');
    expect(ids((await get(prev.url)).body)).toEqual(plans.slice(0, 3).map((p) => p.id));
    next = second.body.link.find((l: { relation: string }) => l.relation === 'next');
    const third = await get(next.url);
    expect(ids(third.body)).toEqual([plans[6].id]);
    expect(third.body.link.find((l: { relation: string }) => l.relation === 'next')).toBeUndefined();
  });

  it('sorts on several keys, descending with -', async () => {
    const res = await get(`/fhir/CarePlan?subject=Patient/${member.id}&_sort=-status,-date&_count=3`);
    // 'completed' before 'active' descending; among active plans the open-ended one (no end) is latest, then June's.
    expect(ids(res.body)).toEqual([plans[6].id, extra.id, plans[5].id]);
  });

  it('_include and _revinclude add the referenced and referencing resources', async () => {
    const inc = await get(`/fhir/CarePlan?_id=${plans[0].id}&_include=CarePlan:subject`);
    expect(inc.body.entry.map((e: { resource: { resourceType: string }; search: { mode: string } }) => `${e.resource.resourceType}:${e.search.mode}`)).toEqual(['CarePlan:match', 'Patient:include']);
    const rev = await get(`/fhir/Patient?_id=${member.id}&_revinclude=CarePlan:subject`);
    expect(rev.body.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'include')).toHaveLength(8);
  });

  it('_summary=count returns only the total; _count bounds the page', async () => {
    const c = await get(`/fhir/CarePlan?subject=Patient/${member.id}&_summary=count`);
    expect(c.body.total).toBe(8);
    expect(c.body.entry).toBeUndefined();
    const small = await get('/fhir/CarePlan?_count=1');
    expect(small.body.entry).toHaveLength(1);
  });

  it('unknown parameters: ignored with a warning by default, 400 with Prefer: handling=strict', async () => {
    const lenient = await get('/fhir/Patient?shoe-size=12');
    expect(lenient.status).toBe(200);
    const outcome = lenient.body.entry.find((e: { search: { mode: string } }) => e.search.mode === 'outcome');
    expect(outcome.resource.issue[0].severity).toBe('warning');
    const strict = await t.http().get('/fhir/Patient?shoe-size=12').set('Prefer', 'handling=strict');
    expect(strict.status).toBe(400);
    expect(strict.body.resourceType).toBe('OperationOutcome');
  });

  it('a value of the wrong form is 400', async () => {
    for (const q of ['birthdate=yesterday', 'birthdate=xx2020', '_count=abc', '_sort=shoe-size']) {
      const res = await get(`/fhir/Patient?${q}`);
      expect([q, res.status]).toEqual([q, 400]);
    }
  });

  it('POST _search takes form parameters', async () => {
    const res = await t.http().post('/fhir/Patient/_search').set('Content-Type', 'application/x-www-form-urlencoded').send('identifier=urn:s|m2');
    expect(res.status).toBe(200);
    expect(ids(res.body)).toHaveLength(1);
  });

  it('deleted resources leave search', async () => {
    const p = await post({ resourceType: 'Patient', identifier: [{ system: 'urn:s', value: 'gone' }], name: [{ family: 'Gone' }], gender: 'male' });
    await t.http().delete(`/fhir/Patient/${p.id}`);
    expect(ids((await get('/fhir/Patient?identifier=urn:s|gone')).body)).toEqual([]);
  });
});
