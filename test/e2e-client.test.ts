/**
 * A real FHIR client (fhir-kit-client) against the server listening on a port: create, read,
 * versioned update, search with paging, transaction with urn:uuid, history, delete.
 */
import { Client } from 'fhir-kit-client';
import { freePort, startTestApp, type TestApp } from './support/server';

let t: TestApp;
let client: InstanceType<typeof Client>;
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- responses are checked field by field

beforeAll(async () => {
  const port = await freePort();
  t = await startTestApp({ PORT: String(port) });
  const baseUrl = await t.listen();
  client = new Client({ baseUrl });
});
afterAll(async () => t.close());

describe('fhir-kit-client end to end', () => {
  it('reads the CapabilityStatement', async () => {
    const cs = (await client.capabilityStatement()) as Any;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
  });

  it('creates, reads, updates with If-Match, vreads, and sees a stale update refused', async () => {
    const created = (await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family: 'Client', given: ['Kit'] }], gender: 'other', identifier: [{ system: 'urn:kit', value: '1' }] } })) as Any;
    expect(created.meta.versionId).toBe('1');
    const read = (await client.read({ resourceType: 'Patient', id: created.id })) as Any;
    expect(read.name[0].family).toBe('Client');
    const updated = (await client.update({ resourceType: 'Patient', id: created.id, body: { ...read, gender: 'female' }, options: { headers: { 'If-Match': 'W/"1"' } } })) as Any;
    expect(updated.meta.versionId).toBe('2');
    const v1 = (await client.vread({ resourceType: 'Patient', id: created.id, version: '1' })) as Any;
    expect(v1.gender).toBe('other');
    await expect(client.update({ resourceType: 'Patient', id: created.id, body: { ...read, gender: 'male' }, options: { headers: { 'If-Match': 'W/"1"' } } })).rejects.toMatchObject({ response: { status: 412 } });
  });

  it('searches and follows next links through every page', async () => {
    for (let i = 0; i < 7; i++) await client.create({ resourceType: 'Goal', body: { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: `kit goal ${i}` }, subject: { reference: 'Patient/kit' } } });
    let bundle = (await client.search({ resourceType: 'Goal', searchParams: { subject: 'Patient/kit', _count: 3 } })) as Any;
    expect(bundle.total).toBe(7);
    const seen: string[] = bundle.entry.map((e: Any) => e.resource.id);
    while (bundle.link.some((l: Any) => l.relation === 'next')) {
      bundle = (await client.nextPage({ bundle })) as Any;
      seen.push(...bundle.entry.map((e: Any) => e.resource.id));
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    const back = (await client.prevPage({ bundle })) as Any;
    expect(back.entry).toHaveLength(3);
  });

  it('posts a transaction with urn:uuid references, reads the history and deletes', async () => {
    const response = (await client.transaction({
      body: {
        resourceType: 'Bundle', type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Patient', name: [{ family: 'Bundle' }], gender: 'male' }, request: { method: 'POST', url: 'Patient' } },
          { fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222', resource: { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' } }, request: { method: 'POST', url: 'CarePlan' } },
        ],
      },
    })) as Any;
    expect(response.type).toBe('transaction-response');
    const patientId = response.entry[0].resource.id;
    const plan = response.entry[1].resource;
    expect(plan.subject.reference).toBe(`Patient/${patientId}`);
    await client.update({ resourceType: 'CarePlan', id: plan.id, body: { ...plan, status: 'completed' } });
    const history = (await client.history({ resourceType: 'CarePlan', id: plan.id })) as Any;
    expect(history.type).toBe('history');
    expect(history.entry.map((e: Any) => e.resource.status)).toEqual(['completed', 'active']);
    await client.delete({ resourceType: 'CarePlan', id: plan.id });
    await expect(client.read({ resourceType: 'CarePlan', id: plan.id })).rejects.toMatchObject({ response: { status: 410 } });
  });
});
