/** The CapabilityStatement and the served routes agree, in both directions. */
import type { CapabilityStatement } from 'fhir/r4';
import { declaredName, registeredOperations, registeredRoutes } from '../src/fhir/registry';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
let cs: CapabilityStatement;
beforeAll(async () => {
  t = await startTestApp();
  cs = (await t.http().get('/fhir/metadata')).body;
});
afterAll(async () => t.close());

const notServed = (res: { status: number; body: { issue?: { diagnostics?: string }[] } }) =>
  res.status === 405 || (res.status === 404 && /No FHIR endpoint|not supported/.test(res.body.issue?.[0]?.diagnostics ?? ''));

describe('CapabilityStatement', () => {
  it('is an R4 server statement for JSON', () => {
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.kind).toBe('instance');
    expect(cs.format).toContain('application/fhir+json');
    expect(cs.rest?.[0].resource?.length).toBe(146);
  });

  it('advertises nothing it does not serve: every advertised interaction answers', async () => {
    const rest = cs.rest![0];
    for (const r of rest.resource!) {
      const codes = new Set(r.interaction!.map((i) => i.code));
      const calls: [string, () => Promise<{ status: number; body: { issue?: { diagnostics?: string }[] } }>][] = [];
      if (codes.has('search-type')) calls.push(['search-type', () => t.http().get(`/fhir/${r.type}?_count=1`)]);
      if (codes.has('read')) calls.push(['read', () => t.http().get(`/fhir/${r.type}/cap-probe`)]);
      if (codes.has('vread')) calls.push(['vread', () => t.http().get(`/fhir/${r.type}/cap-probe/_history/1`)]);
      if (codes.has('history-type')) calls.push(['history-type', () => t.http().get(`/fhir/${r.type}/_history?_count=1`)]);
      if (codes.has('history-instance')) calls.push(['history-instance', () => t.http().get(`/fhir/${r.type}/cap-probe/_history`)]);
      if (codes.has('delete')) calls.push(['delete', () => t.http().delete(`/fhir/${r.type}/cap-probe`)]);
      if (codes.has('create')) calls.push(['create', () => t.http().post(`/fhir/${r.type}`).set('Content-Type', FHIR_JSON).send('{}')]);
      if (codes.has('update')) calls.push(['update', () => t.http().put(`/fhir/${r.type}/cap-probe`).set('Content-Type', FHIR_JSON).send('{}')]);
      if (codes.has('patch')) calls.push(['patch', () => t.http().patch(`/fhir/${r.type}/cap-probe`).set('Content-Type', 'application/json-patch+json').send('[]')]);
      for (const [code, call] of calls) {
        const res = await call();
        expect([r.type, code, notServed(res)]).toEqual([r.type, code, false]);
      }
      for (const op of r.operation ?? []) {
        const def = registeredOperations().find((o) => declaredName(o) === op.name && o.definition === op.definition)!;
        const path = def.type ? `/fhir/${r.type}/$${def.name}` : `/fhir/${r.type}/cap-probe/$${def.name}`;
        const res = def.methods.includes('POST')
          ? await t.http().post(path).set('Content-Type', FHIR_JSON).send('{}')
          : await t.http().get(path);
        expect([r.type, op.name, notServed(res)]).toEqual([r.type, op.name, false]);
      }
    }
    for (const code of rest.interaction!.map((i) => i.code)) {
      const res = code === 'history-system'
        ? await t.http().get('/fhir/_history?_count=1')
        : code === 'search-system'
          ? await t.http().get('/fhir?_count=1')
          : await t.http().post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify({ resourceType: 'Bundle', type: code, entry: [] }));
      expect([code, res.status]).toEqual([code, 200]);
    }
  }, 180000);

  it('serves nothing it does not advertise: every registered route and operation is in the statement', () => {
    const rest = cs.rest![0];
    const typeLevel = new Set(rest.resource!.flatMap((r) => r.interaction!.map((i) => i.code as string)));
    const system = new Set(rest.interaction!.map((i) => i.code as string));
    for (const route of registeredRoutes()) {
      for (const code of Array.isArray(route.interaction) ? route.interaction : [route.interaction]) {
        if (code === 'capabilities') continue;
        expect([code, typeLevel.has(code) || system.has(code)]).toEqual([code, true]);
      }
    }
    for (const op of registeredOperations()) {
      const types = op.resourceTypes === '*' ? rest.resource!.map((r) => r.type) : op.resourceTypes;
      for (const type of types) {
        const r = rest.resource!.find((x) => x.type === type)!;
        // An operation that writes is offered only on types the server writes (those with update).
        const offered = !op.writes || r.interaction!.some((i) => i.code === 'update');
        expect([type, op.name, (r.operation ?? []).some((o) => o.name === declaredName(op))]).toEqual([type, op.name, offered]);
      }
      if (op.system) expect((rest.operation ?? []).some((o) => o.name === declaredName(op))).toBe(true);
    }
  });

  it('declares Bulk Data export as export (system), patient-export (Patient) and group-export (Group), each with its canonical OperationDefinition', () => {
    const rest = cs.rest![0];
    const of = (type: string) => rest.resource!.find((r) => r.type === type)!.operation ?? [];
    expect(rest.operation).toContainEqual({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' });
    expect(of('Patient')).toContainEqual({ name: 'patient-export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' });
    expect(of('Group')).toContainEqual({ name: 'group-export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' });
    expect(of('Patient').some((o) => o.name === 'export')).toBe(false);
  });

  it('lists the official search parameters of a type, e.g. CarePlan subject/category/status/date', () => {
    const careplan = cs.rest![0].resource!.find((r) => r.type === 'CarePlan')!;
    const names = careplan.searchParam!.map((p) => p.name);
    for (const n of ['subject', 'patient', 'category', 'status', 'date', '_id', '_lastUpdated']) expect(names).toContain(n);
  });

  it('serves our OperationDefinitions and profiles read-only', async () => {
    const od = await t.http().get('/fhir/OperationDefinition/Claim-validate');
    expect(od.status).toBe(200);
    const sd = await t.http().get('/fhir/StructureDefinition?url=http://prss.example.org/fhir/StructureDefinition/prss-claim');
    expect(sd.body.total).toBe(1);
  });
});
