/**
 * /fhir/openapi.json is generated from the CapabilityStatement and the OperationDefinitions: a valid
 * OpenAPI 3.1 document with a path for every interaction and operation the server advertises, the
 * PRSS operations first with their definitions' documentation; and the page at / that renders it is
 * served from this server alone.
 */
import type { CapabilityStatement, OperationDefinition } from 'fhir/r4';
import { readdirSync, readFileSync } from 'node:fs';
import { validate } from '@readme/openapi-parser';
import { makeClientKey, writeClientsFile } from '../src/auth/testing';
import { projectPath } from '../src/paths';
import { startTestApp, type TestApp } from './support/server';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
// One test starts a second app (AUTH on), which takes long on a busy machine.
jest.setTimeout(180_000);
const definitions = readdirSync(projectPath('capability'))
  .filter((f) => f.startsWith('OperationDefinition-'))
  .map((f) => JSON.parse(readFileSync(projectPath('capability', f), 'utf8')) as OperationDefinition);
const ours = definitions.filter((d) => d.url!.startsWith('http://prss.example.org/'));
/** The URL segment of an operation the CapabilityStatement declares (it may declare $export as patient-export). */
const codeOf = (op: { name: string; definition: string }) => definitions.find((d) => d.url === op.definition)?.code ?? op.name;

let t: TestApp;
let doc: Any;
let cs: CapabilityStatement;
beforeAll(async () => {
  t = await startTestApp();
  const res = await t.http().get('/fhir/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = JSON.parse(res.text);
  cs = (await t.http().get('/fhir/metadata')).body;
});
afterAll(async () => t.close());

describe('/fhir/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document whose server is this FHIR base', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as Parameters<typeof validate>[0]);
    expect(result.valid ? [] : result.errors.map((e) => e.message)).toEqual([]);
    expect(doc.servers).toEqual([{ url: '/fhir', description: 'this server' }]);
    expect(doc.info.title).toBe(cs.title);
    expect(doc.info.version).toBe(cs.software!.version);
  });

  it('has a path and method for every interaction of every type the CapabilityStatement lists', () => {
    const where: Record<string, [string, string]> = {
      read: ['/{T}/{id}', 'get'], update: ['/{T}/{id}', 'put'], patch: ['/{T}/{id}', 'patch'], delete: ['/{T}/{id}', 'delete'],
      vread: ['/{T}/{id}/_history/{vid}', 'get'], 'history-instance': ['/{T}/{id}/_history', 'get'], 'history-type': ['/{T}/_history', 'get'],
      create: ['/{T}', 'post'], 'search-type': ['/{T}', 'get'],
    };
    const missing: string[] = [];
    let checked = 0;
    for (const r of cs.rest![0].resource!) {
      for (const { code } of r.interaction ?? []) {
        const [p, m] = where[code];
        const path = p.replace('{T}', r.type);
        checked++;
        if (!doc.paths[path]?.[m]) missing.push(`${m.toUpperCase()} ${path} (${code})`);
      }
      // Not advertised, not described: a read-only type has no create.
      if (!r.interaction?.some((i) => i.code === 'create')) expect(doc.paths[`/${r.type}`]?.post).toBeUndefined();
    }
    expect(checked).toBeGreaterThan(1000);
    expect(missing).toEqual([]);
    const patientSearch = doc.paths['/Patient'].get.parameters.map((p: Any) => p.name);
    for (const sp of cs.rest![0].resource!.find((r) => r.type === 'Patient')!.searchParam!) expect(patientSearch).toContain(sp.name);
  });

  it('describes every operation the CapabilityStatement lists, at the levels its OperationDefinition allows', () => {
    const paths = Object.keys(doc.paths);
    for (const r of cs.rest![0].resource!) {
      for (const op of r.operation ?? []) expect([r.type, op.name, paths.filter((p) => p.startsWith(`/${r.type}/`) && p.endsWith(`/$${codeOf(op)}`)).length > 0]).toEqual([r.type, op.name, true]);
    }
    for (const op of cs.rest![0].operation ?? []) expect(paths).toContain(`/$${codeOf(op)}`);
  });

  it('puts the PRSS operations first, under their own tag, with their definitions\' titles, descriptions and parameters', () => {
    expect(ours.length).toBeGreaterThanOrEqual(5);
    expect(doc.tags[0].name).toBe('PRSS operations');
    const tagged = Object.entries(doc.paths).flatMap(([p, item]) => Object.entries(item as Any).filter(([, o]) => o.tags?.includes('PRSS operations')).map(([m]) => `${m.toUpperCase()} ${p}`));
    for (const def of ours) {
      const type = def.resource?.[0];
      const levels = (type ? [def.type && `/${type}/$${def.code}`, def.instance && `/${type}/{id}/$${def.code}`] : [def.system && `/$${def.code}`]).filter(Boolean) as string[];
      for (const path of levels) {
        const item = doc.paths[path];
        expect({ path, described: !!item }).toEqual({ path, described: true });
        for (const op of Object.values(item) as Any[]) {
          expect(op.tags).toEqual(['PRSS operations']);
          expect(op.summary).toBe(def.title);
          expect(op.description).toContain(def.description);
          for (const p of def.parameter!.filter((x) => x.use === 'in')) expect(op.description).toContain(`\`${p.name}\``);
        }
      }
    }
    expect(tagged).toEqual(expect.arrayContaining(['POST /Claim/$validate', 'POST /Claim/$submit']));
    const taggedPaths = new Set(tagged.map((x) => x.split(' ')[1]));
    expect(new Set(Object.keys(doc.paths).slice(0, taggedPaths.size))).toEqual(taggedPaths);
    // Without demo data there is no example to offer.
    expect(doc.paths['/Claim/$validate'].post.requestBody.content['application/fhir+json'].examples).toBeUndefined();
  });

  it('is public when AUTH is on (as /metadata is), and says how to authenticate', async () => {
    const key = await makeClientKey();
    const clients = writeClientsFile([{ clientId: 'openapi-test', jwks: { keys: [key.publicJwk] }, scopes: ['system/*.rs'], role: 'admin' }]);
    const secured = await startTestApp({ AUTH: 'on', AUTH_CLIENTS_FILE: clients });
    try {
      const res = await secured.http().get('/fhir/openapi.json');
      expect(res.status).toBe(200);
      const d = JSON.parse(res.text);
      expect(d.components.securitySchemes.smartBackendServices).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(d.security).toEqual([{ smartBackendServices: [] }]);
      expect(d.paths['/metadata'].get.security).toEqual([]);
      expect((await secured.http().get('/')).status).toBe(200);
    } finally {
      await secured.close();
    }
  });
});

describe('the API page at /', () => {
  it('is HTML that loads only this server\'s scripts and styles, and renders /fhir/openapi.json', async () => {
    const res = await t.http().get('/').set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const refs = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const r of refs) expect(r).toMatch(/^\/docs\//);
    for (const r of refs) expect((await t.http().get(r)).status).toBe(200);
    expect((await t.http().get('/docs/init.js')).text).toContain("url: '/fhir/openapi.json'");
  });

  it('serves nothing else of the UI package', async () => {
    for (const p of ['/docs/package.json', '/docs/index.html', '/docs/../package.json', '/docs/swagger-initializer.js']) expect((await t.http().get(p)).status).toBe(404);
  });
});
