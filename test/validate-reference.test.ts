/**
 * $validate as the HL7 reference validator answers it: a Parameters resource posted to
 * /Parameters/$validate is the resource validated (unless it carries the operation's `resource`
 * part); the `profile` parameter names a profile that must be known (an error when it is not);
 * Bundle rules and QuestionnaireResponse-independent checks reach the HTTP answer.
 */
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const post = (url: string, body: unknown) => t.http().post(`/fhir${url}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
const errors = (oo: { issue: { severity: string; expression?: string[] }[] }) =>
  oo.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => i.expression?.[0]);

describe('POST /Parameters/$validate', () => {
  it('validates the posted Parameters resource itself: a valid one has no errors', async () => {
    const res = await post('/Parameters/$validate', { resourceType: 'Parameters', parameter: [{ name: 'anything', valueString: 'x' }] });
    expect(res.status).toBe(200);
    expect(errors(res.body)).toEqual([]);
  });

  it('reports what is wrong in the posted Parameters resource (a part with no name)', async () => {
    const res = await post('/Parameters/$validate', { resourceType: 'Parameters', parameter: [{ valueString: 'x' }] });
    expect(res.status).toBe(200);
    expect(errors(res.body)).toContain('Parameters.parameter[0].name');
  });

  it('still reads a Parameters body with a `resource` part as the operation input', async () => {
    const inner = { resourceType: 'Parameters', parameter: [{ valueString: 'x' }] };
    const res = await post('/Parameters/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: inner }] });
    expect(res.status).toBe(200);
    expect(errors(res.body)).toContain('Parameters.parameter[0].name');
  });
});

describe('$validate with the reference validator\'s rules', () => {
  it('an explicitly requested profile that is not known is an error', async () => {
    const res = await post('/Patient/$validate?profile=http://example.org/fhir/StructureDefinition/nowhere', { resourceType: 'Patient' });
    expect(res.status).toBe(200);
    expect(res.body.issue.some((i: { severity: string; diagnostics?: string }) => i.severity === 'error' && /nowhere/.test(i.diagnostics ?? ''))).toBe(true);
  });

  it('a document Bundle whose entries refer to something it does not hold is an error at the reference', async () => {
    const doc = {
      resourceType: 'Bundle', type: 'document', timestamp: '2026-01-01T00:00:00Z',
      identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:9d1b0c5e-2f0a-4c43-9b1e-1f2d3c4b5a69' },
      entry: [{ fullUrl: 'http://example.org/fhir/Composition/c1', resource: {
        resourceType: 'Composition', id: 'c1', status: 'final', type: { text: 'note' }, date: '2026-01-01', author: [{ display: 'A' }], title: 'T',
        subject: { reference: 'Patient/missing' },
      } }],
    };
    const res = await post('/Bundle/$validate', doc);
    expect(res.status).toBe(200);
    expect(errors(res.body)).toContain('Bundle.entry[0].resource.subject');
  });
});
