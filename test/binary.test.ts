/** Issue 18 item 7: Binary with its own content type — raw bytes in (POST, PUT) and out (read, vread, HEAD). */
import type { Response } from 'superagent';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

/** Every byte value, so nothing survives that is not carried byte for byte. */
const BYTES = Buffer.from([...Array(256).keys(), 0x25, 0x50, 0x44, 0x46, 0x0a, 0xff, 0x00]);
const binaryParser = (res: Response & NodeJS.ReadableStream, done: (e: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};
const rawGet = (path: string, accept?: string) => {
  const r = t.http().get(path).buffer(true).parse(binaryParser as never);
  return accept ? r.set('Accept', accept) : r;
};

describe('raw Binary', () => {
  it('stores a POST in a non-FHIR content type as a Binary and gives the same bytes back when that type is accepted', async () => {
    const created = await t.http().post('/fhir/Binary').set('Content-Type', 'application/pdf').send(BYTES);
    expect(created.status).toBe(201);
    expect(created.body.resourceType).toBe('Binary');
    expect(created.body.contentType).toBe('application/pdf');
    expect(created.body.data).toBe(BYTES.toString('base64'));
    const id = created.body.id;
    expect(created.headers.location).toBe(`${t.base}/Binary/${id}/_history/1`);
    const raw = await rawGet(`/fhir/Binary/${id}`, 'application/pdf');
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('application/pdf');
    expect(Buffer.compare(raw.body as Buffer, BYTES)).toBe(0);
    expect(raw.headers.etag).toBe('W/"1"');
    expect(raw.headers['last-modified']).toBeDefined();
    const any = await rawGet(`/fhir/Binary/${id}`, '*/*');
    expect(Buffer.compare(any.body as Buffer, BYTES)).toBe(0);
  });

  it('answers FHIR JSON when FHIR JSON is accepted, when _format asks for it, or when there is no Accept', async () => {
    const created = await t.http().post('/fhir/Binary').set('Content-Type', 'text/csv').send(Buffer.from('a,b\n1,2\n'));
    const id = created.body.id;
    for (const [accept, q] of [['application/fhir+json', ''], ['application/json, */*;q=0.1', ''], ['text/csv', '?_format=json'], [undefined, '']] as const) {
      const req = t.http().get(`/fhir/Binary/${id}${q}`);
      const res = accept ? await req.set('Accept', accept) : await req;
      expect([accept, q, res.status, res.headers['content-type']]).toEqual([accept, q, 200, 'application/fhir+json; charset=utf-8']);
      expect(Buffer.from(res.body.data, 'base64').toString('utf8')).toBe('a,b\n1,2\n');
    }
  });

  it('PUT with a raw body creates with the client id and then versions; vread gives each version its own bytes', async () => {
    const first = await t.http().put('/fhir/Binary/scan-1').set('Content-Type', 'image/png').send(Buffer.from([0x89, 0x50, 0x4e, 0x47, 1]));
    expect(first.status).toBe(201);
    const second = await t.http().put('/fhir/Binary/scan-1').set('Content-Type', 'image/png').send(Buffer.from([0x89, 0x50, 0x4e, 0x47, 2]));
    expect(second.status).toBe(200);
    expect(second.body.meta.versionId).toBe('2');
    const v1 = await rawGet('/fhir/Binary/scan-1/_history/1', 'image/png');
    expect([...(v1.body as Buffer)]).toEqual([0x89, 0x50, 0x4e, 0x47, 1]);
    const now = await rawGet('/fhir/Binary/scan-1', 'image/png');
    expect([...(now.body as Buffer)]).toEqual([0x89, 0x50, 0x4e, 0x47, 2]);
    expect(now.headers.etag).toBe('W/"2"');
  });

  it('keeps X-Security-Context as securityContext and sends it back with the bytes; HEAD has the headers without the body', async () => {
    const created = await t.http().post('/fhir/Binary').set('Content-Type', 'application/octet-stream').set('X-Security-Context', 'Patient/p-1').send(Buffer.from([1, 2, 3]));
    expect(created.body.securityContext).toEqual({ reference: 'Patient/p-1' });
    const raw = await rawGet(`/fhir/Binary/${created.body.id}`, 'application/octet-stream');
    expect(raw.headers['x-security-context']).toBe('Patient/p-1');
    const head = await t.http().head(`/fhir/Binary/${created.body.id}`).set('Accept', 'application/octet-stream');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/octet-stream');
    expect(head.headers['content-length']).toBe('3');
    const bad = await t.http().post('/fhir/Binary').set('Content-Type', 'application/octet-stream').set('X-Security-Context', 'not a reference').send(Buffer.from([1]));
    expect([bad.status, bad.body.resourceType]).toEqual([400, 'OperationOutcome']);
  });

  it('still takes a Binary resource in FHIR JSON, and refuses FHIR XML with 415', async () => {
    const json = await t.http().post('/fhir/Binary').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Binary', contentType: 'text/plain', data: Buffer.from('hello').toString('base64') }));
    expect(json.status).toBe(201);
    const raw = await rawGet(`/fhir/Binary/${json.body.id}`, 'text/plain');
    expect((raw.body as Buffer).toString('utf8')).toBe('hello');
    const xml = await t.http().post('/fhir/Binary').set('Content-Type', 'application/fhir+xml').send('<Binary xmlns="http://hl7.org/fhir"/>');
    expect([xml.status, xml.body.resourceType]).toEqual([415, 'OperationOutcome']);
  });

  it('allows raw content types for Binary only: other types answer 415 and store nothing', async () => {
    const before = await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM resource_version');
    const post = await t.http().post('/fhir/Patient').set('Content-Type', 'application/pdf').send(BYTES);
    expect([post.status, post.body.resourceType]).toEqual([415, 'OperationOutcome']);
    const put = await t.http().put('/fhir/DocumentReference/d-1').set('Content-Type', 'image/png').send(Buffer.from([1, 2]));
    expect(put.status).toBe(415);
    const binarySearch = await t.http().post('/fhir/Binary/_search').set('Content-Type', 'application/pdf').send(BYTES);
    expect(binarySearch.status).toBe(415);
    const after = await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM resource_version');
    expect(Number(after[0].n)).toBe(Number(before[0].n));
  });

  it('answers a read of another type with a non-JSON Accept with 406 as before', async () => {
    const p = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Patient' }));
    const res = await t.http().get(`/fhir/Patient/${p.body.id}`).set('Accept', 'application/pdf');
    expect(res.status).toBe(406);
  });
});
