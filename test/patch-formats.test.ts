/** Issue 18 item 7: FHIRPath Patch (a Parameters body) beside JSON Patch, and conditional patch (PATCH [type]?criteria). */
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

const SYS = 'http://prss.example.org/fhir/sid/medicaid-id';
type Part = Record<string, unknown>;
const op = (type: string, path: string, extra: Part[] = []) => ({ name: 'operation', part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...extra] });
const fhirPathPatch = (...operation: ReturnType<typeof op>[]) => ({ resourceType: 'Parameters', parameter: operation });

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

async function newPatient(extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.http().post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(JSON.stringify({
    resourceType: 'Patient',
    identifier: [{ system: SYS, value: `A${Math.random().toString(36).slice(2, 9)}` }],
    name: [{ use: 'official', family: 'Rivera' }, { use: 'old', family: 'Stone' }],
    gender: 'female',
    birthDate: '1990-01-01',
    ...extra,
  }));
  expect(res.status).toBe(201);
  return res.body.id;
}
const patch = (path: string, body: unknown, type = FHIR_JSON) => t.http().patch(path).set('Content-Type', type).send(JSON.stringify(body));

describe('FHIRPath Patch', () => {
  it('applies replace, add, insert, delete and move in order, as one new version', async () => {
    const id = await newPatient();
    const res = await patch(`/fhir/Patient/${id}`, fhirPathPatch(
      op('replace', 'Patient.birthDate', [{ name: 'value', valueDate: '1991-02-03' }]),
      op('add', 'Patient', [{ name: 'name', valueString: 'telecom' }, { name: 'value', valueContactPoint: { system: 'phone', value: '555-0100' } }]),
      op('insert', 'Patient.identifier', [{ name: 'index', valueInteger: 0 }, { name: 'value', valueIdentifier: { system: 'http://example.org/mrn', value: 'MRN-1' } }]),
      op('delete', "Patient.name.where(use = 'old')"),
      op('move', 'Patient.identifier', [{ name: 'source', valueInteger: 0 }, { name: 'destination', valueInteger: 1 }]),
    ));
    expect(res.status).toBe(200);
    expect(res.body.meta.versionId).toBe('2');
    expect(res.body.birthDate).toBe('1991-02-03');
    expect(res.body.telecom).toEqual([{ system: 'phone', value: '555-0100' }]);
    expect(res.body.name).toEqual([{ use: 'official', family: 'Rivera' }]);
    expect(res.body.identifier.map((i: { system: string }) => i.system)).toEqual([SYS, 'http://example.org/mrn']);
    const read = await t.http().get(`/fhir/Patient/${id}`);
    expect(read.body).toEqual(res.body);
  });

  it('builds an element without a datatype from the value parts (a Patient.contact), and adds a single-valued element as a value', async () => {
    const id = await newPatient();
    const res = await patch(`/fhir/Patient/${id}`, fhirPathPatch(
      op('add', 'Patient', [{ name: 'name', valueString: 'contact' }, { name: 'value', part: [{ name: 'name', valueHumanName: { family: 'Rivera', given: ['Ana'] } }, { name: 'gender', valueCode: 'female' }] }]),
      op('add', 'Patient', [{ name: 'name', valueString: 'active' }, { name: 'value', valueBoolean: true }]),
      op('add', 'Patient.contact[0]', [{ name: 'name', valueString: 'telecom' }, { name: 'value', valueContactPoint: { system: 'email', value: 'ana@example.org' } }]),
    ));
    expect(res.status).toBe(200);
    expect(res.body.contact).toEqual([{ name: { family: 'Rivera', given: ['Ana'] }, gender: 'female', telecom: [{ system: 'email', value: 'ana@example.org' }] }]);
    expect(res.body.active).toBe(true);
  });

  it('is taken as application/json too, and a delete whose path matches nothing is no error', async () => {
    const id = await newPatient();
    const res = await patch(`/fhir/Patient/${id}`, fhirPathPatch(op('delete', 'Patient.deceased')), 'application/json');
    expect(res.status).toBe(200);
    expect(res.body.gender).toBe('female');
  });

  it('answers a patch that does not fit the resource with 422, and stores nothing of it', async () => {
    const id = await newPatient();
    const cases: [string, unknown][] = [
      ['replace matching nothing', fhirPathPatch(op('replace', 'Patient.deceased', [{ name: 'value', valueBoolean: true }]))],
      ['delete matching two', fhirPathPatch(op('delete', 'Patient.name'))],
      ['insert beyond the end', fhirPathPatch(op('insert', 'Patient.identifier', [{ name: 'index', valueInteger: 5 }, { name: 'value', valueIdentifier: { value: 'x' } }]))],
      ['add to a single-valued element already set', fhirPathPatch(op('add', 'Patient', [{ name: 'name', valueString: 'gender' }, { name: 'value', valueCode: 'male' }]))],
      ['the second operation failing after the first applied', fhirPathPatch(op('replace', 'Patient.gender', [{ name: 'value', valueCode: 'male' }]), op('move', 'Patient.identifier', [{ name: 'source', valueInteger: 0 }, { name: 'destination', valueInteger: 3 }]))],
    ];
    for (const [what, body] of cases) {
      const res = await patch(`/fhir/Patient/${id}`, body);
      expect([what, res.status, res.body.resourceType]).toEqual([what, 422, 'OperationOutcome']);
    }
    const read = await t.http().get(`/fhir/Patient/${id}`);
    expect(read.body.meta.versionId).toBe('1');
    expect(read.body.gender).toBe('female');
  });

  it('answers a malformed patch with 400 and a result that is not valid FHIR with 400, storing nothing', async () => {
    const id = await newPatient();
    const cases: [string, unknown][] = [
      ['a resource that is not Parameters', { resourceType: 'Patient' }],
      ['no operation', { resourceType: 'Parameters' }],
      ['a parameter that is not an operation', { resourceType: 'Parameters', parameter: [{ name: 'op', valueString: 'x' }] }],
      ['an unknown type', fhirPathPatch(op('upsert', 'Patient.gender', [{ name: 'value', valueCode: 'male' }]))],
      ['replace without a value', fhirPathPatch(op('replace', 'Patient.gender'))],
      ['add without a name', fhirPathPatch(op('add', 'Patient', [{ name: 'value', valueBoolean: true }]))],
      ['an unknown part', fhirPathPatch(op('delete', 'Patient.gender', [{ name: 'where', valueString: 'x' }]))],
      ['a path that is not FHIRPath', fhirPathPatch(op('delete', 'Patient.name.where(use = '))],
      ['a code that is not in its value set', fhirPathPatch(op('replace', 'Patient.gender', [{ name: 'value', valueCode: 'banana' }]))],
    ];
    for (const [what, body] of cases) {
      const res = await patch(`/fhir/Patient/${id}`, body);
      expect([what, res.status, res.body.resourceType]).toEqual([what, 400, 'OperationOutcome']);
    }
    expect((await t.http().get(`/fhir/Patient/${id}`)).body.meta.versionId).toBe('1');
  });

  it('is applied from a Parameters resource in a transaction PATCH entry', async () => {
    const id = await newPatient();
    const res = await t.http().post('/fhir').set('Content-Type', FHIR_JSON).send(JSON.stringify({
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ resource: fhirPathPatch(op('replace', 'Patient.gender', [{ name: 'value', valueCode: 'other' }])), request: { method: 'PATCH', url: `Patient/${id}` } }],
    }));
    expect(res.status).toBe(200);
    expect((await t.http().get(`/fhir/Patient/${id}`)).body.gender).toBe('other');
  });

  it('is named in the CapabilityStatement patchFormat beside JSON Patch', async () => {
    const cs = await t.http().get('/fhir/metadata');
    expect(cs.body.patchFormat).toEqual(expect.arrayContaining(['application/json-patch+json', 'application/fhir+json']));
  });
});

describe('conditional patch', () => {
  it('patches the single match of the criteria, with a JSON Patch or a FHIRPath Patch', async () => {
    const value = `C${Math.random().toString(36).slice(2, 9)}`;
    const id = await newPatient({ identifier: [{ system: SYS, value }] });
    const json = await patch(`/fhir/Patient?identifier=${encodeURIComponent(`${SYS}|${value}`)}`, [{ op: 'replace', path: '/gender', value: 'male' }], 'application/json-patch+json');
    expect(json.status).toBe(200);
    expect(json.body.id).toBe(id);
    expect(json.body.gender).toBe('male');
    const fp = await patch(`/fhir/Patient?identifier=${encodeURIComponent(`${SYS}|${value}`)}`, fhirPathPatch(op('replace', 'Patient.birthDate', [{ name: 'value', valueDate: '1980-05-05' }])));
    expect(fp.status).toBe(200);
    expect(fp.body.meta.versionId).toBe('3');
    expect(fp.headers.location).toBe(`${t.base}/Patient/${id}/_history/3`);
  });

  it('answers no match with 404 and several with 412, changing nothing', async () => {
    const family = `Twin${Math.random().toString(36).slice(2, 8)}`;
    const a = await newPatient({ name: [{ family }] });
    const b = await newPatient({ name: [{ family }] });
    const several = await patch(`/fhir/Patient?family=${family}`, [{ op: 'replace', path: '/gender', value: 'male' }], 'application/json-patch+json');
    expect([several.status, several.body.resourceType]).toEqual([412, 'OperationOutcome']);
    const none = await patch('/fhir/Patient?family=Nobody-at-all', [{ op: 'replace', path: '/gender', value: 'male' }], 'application/json-patch+json');
    expect([none.status, none.body.resourceType]).toEqual([404, 'OperationOutcome']);
    for (const id of [a, b]) expect((await t.http().get(`/fhir/Patient/${id}`)).body.meta.versionId).toBe('1');
  });

  it('refuses criteria with an unknown parameter (400) and a body in another media type (415)', async () => {
    const unknown = await patch('/fhir/Patient?shoe-size=9', [{ op: 'replace', path: '/gender', value: 'male' }], 'application/json-patch+json');
    expect(unknown.status).toBe(400);
    const text = await t.http().patch('/fhir/Patient?family=x').set('Content-Type', 'text/plain').send('[{"op":"remove","path":"/gender"}]');
    expect(text.status).toBe(415);
  });
});
