/** The terminology operations over HTTP, on the R4 core and PRSS code systems and value sets the server holds. */
import type { Parameters, ValueSet } from 'fhir/r4';
import { FHIR_JSON, startTestApp, type TestApp } from './support/server';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const get = (url: string) => t.http().get(`/fhir${url}`).set('Accept', FHIR_JSON);
const post = (url: string, body: unknown) => t.http().post(`/fhir${url}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
const param = (p: Parameters, name: string) => p.parameter?.find((x) => x.name === name);
const params = (...pairs: [string, Record<string, unknown>][]) => ({ resourceType: 'Parameters', parameter: pairs.map(([name, v]) => ({ name, ...v })) });

const CATEGORY_VS = 'http://prss.example.org/fhir/ValueSet/prss-careplan-category';
const CATEGORY_CS = 'http://prss.example.org/fhir/CodeSystem/prss-careplan-category';
const ACTIVITY_VS = 'http://prss.example.org/fhir/ValueSet/prss-activity';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ABSENT = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
const enc = encodeURIComponent;

describe('ValueSet/$expand', () => {
  it('expands the PRSS CarePlan category value set by url (GET)', async () => {
    const res = await get(`/ValueSet/$expand?url=${enc(CATEGORY_VS)}`);
    expect(res.status).toBe(200);
    const vs = res.body as ValueSet;
    expect(vs.resourceType).toBe('ValueSet');
    expect(vs.url).toBe(CATEGORY_VS);
    expect(vs.expansion?.total).toBe(1);
    expect(vs.expansion?.contains).toEqual([{ system: CATEGORY_CS, version: '0.1.0', code: 'rrwp', display: 'Recovery, Resiliency, and Wellness Plan' }]);
    expect(vs.expansion?.timestamp).toBeDefined();
  });

  it('expands the stored value set at instance level and by a Parameters body (POST)', async () => {
    const byId = await get('/ValueSet/prss-careplan-category/$expand');
    expect(byId.status).toBe(200);
    expect(byId.body.expansion.contains.map((c: { code: string }) => c.code)).toEqual(['rrwp']);
    const byPost = await post('/ValueSet/$expand', params(['url', { valueUri: CATEGORY_VS }]));
    expect(byPost.status).toBe(200);
    expect(byPost.body.expansion.total).toBe(1);
  });

  it('filter, count and offset: total is the filtered count, pages are slices of it', async () => {
    const whole = (await get(`/ValueSet/$expand?url=${enc(ACTIVITY_VS)}`)).body as ValueSet;
    const codes = whole.expansion!.contains!.map((c) => c.code);
    expect(whole.expansion!.total).toBe(codes.length);
    expect(codes.length).toBeGreaterThan(5);
    const page = (await get(`/ValueSet/$expand?url=${enc(ACTIVITY_VS)}&offset=2&count=3`)).body as ValueSet;
    expect(page.expansion!.contains!.map((c) => c.code)).toEqual(codes.slice(2, 5));
    expect(page.expansion!.total).toBe(codes.length);
    expect(page.expansion!.offset).toBe(2);
    const filtered = (await get(`/ValueSet/$expand?url=${enc(ACTIVITY_VS)}&filter=CRISIS`)).body as ValueSet;
    expect(filtered.expansion!.contains!.map((c) => c.code)).toEqual(['crisis-support']);
    expect(filtered.expansion!.total).toBe(1);
  });

  it('expands an R4 core value set built from an is-a filter on a hierarchical code system', async () => {
    const vs: ValueSet = {
      resourceType: 'ValueSet', status: 'active',
      compose: { include: [{ system: ACT_CODE, filter: [{ property: 'concept', op: 'is-a', value: '_ActEncounterCode' }] }] },
    };
    const res = await post('/ValueSet/$expand', params(['valueSet', { resource: vs }]));
    expect(res.status).toBe(200);
    const codes = res.body.expansion.contains.map((c: { code: string }) => c.code);
    expect(codes).toEqual(expect.arrayContaining(['_ActEncounterCode', 'AMB', 'EMER', 'IMP']));
    expect(codes).not.toContain('_ActAccountCode');
  });

  it('refuses with an OperationOutcome: unknown value set 404, SNOMED CT too costly 422, bad count 400, no value set 400', async () => {
    const unknown = await get(`/ValueSet/$expand?url=${enc('http://example.org/ValueSet/none')}`);
    expect([unknown.status, unknown.body.resourceType, unknown.body.issue[0].code]).toEqual([404, 'OperationOutcome', 'not-found']);
    const snomed = await post('/ValueSet/$expand', params(['valueSet', { resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: 'http://snomed.info/sct' }] } } }]));
    expect([snomed.status, snomed.body.issue[0].code]).toEqual([422, 'too-costly']);
    const badCount = await get(`/ValueSet/$expand?url=${enc(CATEGORY_VS)}&count=-1`);
    expect([badCount.status, badCount.body.resourceType]).toEqual([400, 'OperationOutcome']);
    const nothing = await get('/ValueSet/$expand');
    expect(nothing.status).toBe(400);
    const unknownParam = await get(`/ValueSet/$expand?url=${enc(CATEGORY_VS)}&colour=red`);
    expect(unknownParam.status).toBe(400);
    const missing = await get('/ValueSet/no-such-value-set/$expand');
    expect(missing.status).toBe(404);
    const both = await post('/ValueSet/prss-careplan-category/$expand', params(['valueSet', { resource: { resourceType: 'ValueSet', status: 'active' } }]));
    expect([both.status, both.body.resourceType]).toEqual([400, 'OperationOutcome']);
  });
});

describe('CodeSystem/$lookup', () => {
  it('looks up a PRSS code: name, version, display', async () => {
    const res = await get(`/CodeSystem/$lookup?system=${enc(CATEGORY_CS)}&code=rrwp`);
    expect(res.status).toBe(200);
    expect(param(res.body, 'name')?.valueString).toBe('PrssCareplanCategory');
    expect(param(res.body, 'version')?.valueString).toBe('0.1.0');
    expect(param(res.body, 'display')?.valueString).toBe('Recovery, Resiliency, and Wellness Plan');
  });

  it('reports the hierarchy as parent/child properties (POST with a coding)', async () => {
    const props = async (code: string) => {
      const res = await post('/CodeSystem/$lookup', params(['coding', { valueCoding: { system: ABSENT, code } }]));
      expect(res.status).toBe(200);
      return (res.body as Parameters).parameter!.filter((p) => p.name === 'property').map((p) => [p.part![0].valueCode, p.part![1].valueCode]);
    };
    expect(await props('asked-unknown')).toContainEqual(['parent', 'unknown']);
    expect(await props('unknown')).toContainEqual(['child', 'asked-unknown']);
    expect(await props('unknown')).not.toContainEqual(['parent', expect.anything()]);
  });

  it('404 for an unknown code or system, 400 without a code', async () => {
    const code = await get(`/CodeSystem/$lookup?system=${enc(CATEGORY_CS)}&code=nope`);
    expect([code.status, code.body.issue[0].code]).toEqual([404, 'not-found']);
    const system = await get(`/CodeSystem/$lookup?system=${enc('http://snomed.info/sct')}&code=22298006`);
    expect(system.status).toBe(404);
    const none = await get(`/CodeSystem/$lookup?system=${enc(CATEGORY_CS)}`);
    expect([none.status, none.body.resourceType]).toEqual([400, 'OperationOutcome']);
  });

  it('at instance level the stored code system is the system', async () => {
    const res = await get('/CodeSystem/prss-careplan-category/$lookup?code=rrwp');
    expect(res.status).toBe(200);
    expect(param(res.body, 'display')?.valueString).toBe('Recovery, Resiliency, and Wellness Plan');
  });
});

describe('CodeSystem/$subsumes', () => {
  it('on the nested concepts of v3 ActCode', async () => {
    const outcome = async (a: string, b: string) => param((await get(`/CodeSystem/$subsumes?system=${enc(ACT_CODE)}&codeA=${a}&codeB=${b}`)).body, 'outcome')?.valueCode;
    expect(await outcome('_ActEncounterCode', 'AMB')).toBe('subsumes');
    expect(await outcome('_ActCareProvisionCode', 'EMER')).toBe('subsumes'); // two levels up
    expect(await outcome('AMB', '_ActEncounterCode')).toBe('subsumed-by');
    expect(await outcome('AMB', 'AMB')).toBe('equivalent');
    expect(await outcome('AMB', 'EMER')).toBe('not-subsumed');
  });

  it('with two codings (POST); 400 for an unknown code or mixed systems', async () => {
    const ok = await post('/CodeSystem/$subsumes', params(['codingA', { valueCoding: { system: ABSENT, code: 'unknown' } }], ['codingB', { valueCoding: { system: ABSENT, code: 'asked-declined' } }]));
    expect(param(ok.body, 'outcome')?.valueCode).toBe('subsumes');
    const bad = await get(`/CodeSystem/$subsumes?system=${enc(ACT_CODE)}&codeA=AMB&codeB=NOT-A-CODE`);
    expect([bad.status, bad.body.issue[0].code]).toEqual([400, 'code-invalid']);
    const mixed = await post('/CodeSystem/$subsumes', params(['codingA', { valueCoding: { system: ABSENT, code: 'unknown' } }], ['codingB', { valueCoding: { system: ACT_CODE, code: 'AMB' } }]));
    expect(mixed.status).toBe(400);
  });
});

describe('$validate-code', () => {
  it('ValueSet: a PRSS code in the value set is true with its display; another code is false with a message', async () => {
    const yes = await get(`/ValueSet/$validate-code?url=${enc(CATEGORY_VS)}&system=${enc(CATEGORY_CS)}&code=rrwp`);
    expect(yes.status).toBe(200);
    expect(param(yes.body, 'result')?.valueBoolean).toBe(true);
    expect(param(yes.body, 'display')?.valueString).toBe('Recovery, Resiliency, and Wellness Plan');
    const no = await get(`/ValueSet/$validate-code?url=${enc(CATEGORY_VS)}&system=${enc(CATEGORY_CS)}&code=other`);
    expect(param(no.body, 'result')?.valueBoolean).toBe(false);
    expect(param(no.body, 'message')?.valueString).toMatch(/other/);
  });

  it('ValueSet: a wrong display is false; a CodeableConcept is true when one coding is (instance level, POST)', async () => {
    const wrong = await post('/ValueSet/prss-careplan-category/$validate-code', params(['coding', { valueCoding: { system: CATEGORY_CS, code: 'rrwp', display: 'Something else' } }]));
    expect(param(wrong.body, 'result')?.valueBoolean).toBe(false);
    const cc = await post('/ValueSet/prss-careplan-category/$validate-code', params(['codeableConcept', { valueCodeableConcept: { coding: [{ system: CATEGORY_CS, code: 'nope' }, { system: CATEGORY_CS, code: 'rrwp' }] } }]));
    expect(param(cc.body, 'result')?.valueBoolean).toBe(true);
  });

  it('ValueSet: a SNOMED CT code is not checked (true, with a message), never an error', async () => {
    const vs = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: 'http://snomed.info/sct' }] } };
    const res = await post('/ValueSet/$validate-code', params(['valueSet', { resource: vs }], ['coding', { valueCoding: { system: 'http://snomed.info/sct', code: '22298006' } }]));
    expect(res.status).toBe(200);
    expect(param(res.body, 'result')?.valueBoolean).toBe(true);
    expect(param(res.body, 'message')?.valueString).toMatch(/^Not checked/);
  });

  it('CodeSystem: true for a code of the system, false for another; 400 without a code', async () => {
    const yes = await get(`/CodeSystem/$validate-code?url=${enc(ACT_CODE)}&code=AMB`);
    expect(param(yes.body, 'result')?.valueBoolean).toBe(true);
    expect(param(yes.body, 'display')?.valueString).toBe('ambulatory');
    const no = await get(`/CodeSystem/$validate-code?url=${enc(ACT_CODE)}&code=NOT-A-CODE`);
    expect(param(no.body, 'result')?.valueBoolean).toBe(false);
    const none = await get(`/CodeSystem/$validate-code?url=${enc(ACT_CODE)}`);
    expect(none.status).toBe(400);
  });
});

describe('the CapabilityStatement', () => {
  it('declares the terminology operations with their definitions, which are served', async () => {
    const cs = (await get('/metadata')).body;
    const ops = (type: string) => cs.rest[0].resource.find((r: { type: string }) => r.type === type).operation.map((o: { name: string }) => o.name);
    expect(ops('CodeSystem')).toEqual(expect.arrayContaining(['lookup', 'subsumes', 'validate-code']));
    expect(ops('ValueSet')).toEqual(expect.arrayContaining(['expand', 'validate-code']));
    const od = await get('/OperationDefinition/ValueSet-expand');
    expect([od.status, od.body.code, od.body.base]).toEqual([200, 'expand', 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand']);
  });
});
