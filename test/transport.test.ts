/** Issue 18 item 6: br/gzip by Accept-Encoding above COMPRESSION_THRESHOLD, and CORS for CORS_ORIGINS (off by default) with preflight. */
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { makeClientKey, writeClientsFile } from '../src/auth/testing';
import { FHIR_JSON, freePort, startTestApp, type TestApp } from './support/server';

/** Starting an app on PGlite takes a while on a loaded machine: apps start in hooks with room for it. */
const START_MS = 180_000;

/** The raw bytes of a GET, undecoded (supertest and fetch would decompress them). */
async function rawGet(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(`${base.replace(/\/fhir$/, '')}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('compression (default threshold 1 kB)', () => {
  let t: TestApp;
  let base: string;
  let small: string;
  beforeAll(async () => {
    t = await startTestApp({ PORT: String(await freePort()) });
    base = await t.listen();
    small = (await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Patient', gender: 'male' }))).body.id;
  }, START_MS);
  afterAll(async () => t.close());

  it('answers br when asked, and the bytes are Brotli of the JSON', async () => {
    const res = await rawGet(base, '/fhir/metadata', { 'Accept-Encoding': 'br' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers.vary).toMatch(/Accept-Encoding/i);
    const json = JSON.parse(brotliDecompressSync(res.body).toString('utf8'));
    expect(json.resourceType).toBe('CapabilityStatement');
    const plain = await rawGet(base, '/fhir/metadata', {});
    expect(res.body.length).toBeLessThan(plain.body.length / 4);
  });

  it('answers gzip when asked for gzip, and the client preference decides between br and gzip', async () => {
    const gz = await rawGet(base, '/fhir/metadata', { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.body).toString('utf8')).resourceType).toBe('CapabilityStatement');
    const prefersGzip = await rawGet(base, '/fhir/metadata', { 'Accept-Encoding': 'br;q=0.5, gzip;q=1' });
    expect(prefersGzip.headers['content-encoding']).toBe('gzip');
    const both = await rawGet(base, '/fhir/metadata', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(both.headers['content-encoding']).toBe('br');
  });

  it('leaves answers uncompressed below the threshold, without Accept-Encoding, and for identity', async () => {
    const read = await rawGet(base, `/fhir/Patient/${small}`, { 'Accept-Encoding': 'gzip, br' });
    expect(read.body.length).toBeLessThan(1024);
    expect(read.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(read.body.toString('utf8')).id).toBe(small);
    const none = await rawGet(base, '/fhir/metadata', {});
    expect(none.headers['content-encoding']).toBeUndefined();
    const identity = await rawGet(base, '/fhir/metadata', { 'Accept-Encoding': 'identity' });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(identity.body.toString('utf8')).resourceType).toBe('CapabilityStatement');
  });

  it('never compresses the answer to HEAD', async () => {
    const head = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.request(`${base.replace(/\/fhir$/, '')}/fhir/metadata`, { method: 'HEAD', headers: { 'Accept-Encoding': 'br' } }, resolve).on('error', reject).end();
    });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-encoding']).toBeUndefined();
  });
});

describe('COMPRESSION_THRESHOLD', () => {
  let off: TestApp;
  let low: TestApp;
  beforeAll(async () => {
    off = await startTestApp({ COMPRESSION_THRESHOLD: 'off', PORT: String(await freePort()) });
    low = await startTestApp({ COMPRESSION_THRESHOLD: '10', PORT: String(await freePort()) });
  }, START_MS);
  afterAll(async () => {
    await off?.close();
    await low?.close();
  });

  it('off never compresses', async () => {
    const offBase = await off.listen();
    expect((await rawGet(offBase, '/fhir/metadata', { 'Accept-Encoding': 'gzip, br' })).headers['content-encoding']).toBeUndefined();
  });

  it('a lower threshold compresses small answers', async () => {
    const lowBase = await low.listen();
    const p = (await low.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Patient', gender: 'male' }))).body.id;
    const res = await rawGet(lowBase, `/fhir/Patient/${p}`, { 'Accept-Encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(res.body).toString('utf8')).id).toBe(p);
  });
});

describe('CORS', () => {
  const ORIGIN = 'https://app.example.org';

  describe('by default', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    }, START_MS);
    afterAll(async () => t?.close());

    it('is off: no CORS headers, and OPTIONS is 405 with an OperationOutcome', async () => {
      const get = await t.http().get('/fhir/metadata').set('Origin', ORIGIN);
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await t.http().options('/fhir/Patient').set('Origin', ORIGIN).set('Access-Control-Request-Method', 'POST');
      expect(pre.status).toBe(405);
      expect(pre.body.resourceType).toBe('OperationOutcome');
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const cs = await t.http().get('/fhir/metadata');
      expect(cs.body.rest[0].security.cors).toBe(false);
    });
  });

  describe('with CORS_ORIGINS and authentication on', () => {
    let t: TestApp;
    beforeAll(async () => {
      const key = await makeClientKey('ES384', 'cors-1');
      const clientsFile = writeClientsFile([{ clientId: 'cors-admin', jwks: { keys: [key.publicJwk] }, scopes: ['system/*.cruds'], role: 'admin' }]);
      t = await startTestApp({ CORS_ORIGINS: `${ORIGIN},http://localhost:3000`, AUTH: 'on', AUTH_CLIENTS_FILE: clientsFile });
    }, START_MS);
    afterAll(async () => {
      await t.app.close();
      await t.close();
    });

    it('answers a preflight for an allowed origin without a token: methods, Authorization, Prefer, If-Match, If-None-Exist', async () => {
      const pre = await t.http().options('/fhir/Patient/abc')
        .set('Origin', ORIGIN)
        .set('Access-Control-Request-Method', 'PATCH')
        .set('Access-Control-Request-Headers', 'authorization, prefer, if-match, if-none-exist, content-type');
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe(ORIGIN);
      const methods = pre.headers['access-control-allow-methods'].split(',');
      for (const m of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']) expect(methods).toContain(m);
      const headers = pre.headers['access-control-allow-headers'].toLowerCase().split(',');
      for (const h of ['authorization', 'prefer', 'if-match', 'if-none-exist', 'if-none-match', 'content-type']) expect(headers).toContain(h);
      expect(pre.headers['access-control-max-age']).toBe('600');
      expect(pre.headers.vary).toMatch(/Origin/);
    });

    it('exposes Location, ETag, Content-Location, X-Progress and Last-Modified on answers to an allowed origin, errors included', async () => {
      const res = await t.http().get('/fhir/Patient').set('Origin', 'http://localhost:3000');
      expect(res.status).toBe(401);
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
      const exposed = res.headers['access-control-expose-headers'].split(',');
      for (const h of ['Location', 'ETag', 'Content-Location', 'X-Progress', 'Last-Modified']) expect(exposed).toContain(h);
      const cs = await t.http().get('/fhir/metadata').set('Origin', ORIGIN);
      expect(cs.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(cs.body.rest[0].security.cors).toBe(true);
    });

    it('gives an origin not in the list no CORS headers, so the browser refuses it', async () => {
      const pre = await t.http().options('/fhir/Patient').set('Origin', 'https://evil.example.com').set('Access-Control-Request-Method', 'GET');
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const get = await t.http().get('/fhir/metadata').set('Origin', 'https://evil.example.com');
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('with CORS_ORIGINS=*', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ CORS_ORIGINS: '*' });
    }, START_MS);
    afterAll(async () => t?.close());

    it('allows any origin', async () => {
      const get = await t.http().get('/fhir/metadata').set('Origin', 'https://anyone.example.net');
      expect(get.headers['access-control-allow-origin']).toBe('*');
    });
  });
});
