import { checkInvariants, precompileInvariants } from './invariants';

const found = (resource: Record<string, unknown>, warnings = false) =>
  checkInvariants(resource, { warnings }).map((i) => ({ severity: i.severity, code: i.code, key: i.diagnostics?.split(':')[0], expression: i.expression?.[0] }));

describe('base R4 invariants', () => {
  it('compiles every evaluable base constraint with fhirpath.js', () => {
    const { compiled, failed } = precompileInvariants();
    expect(failed).toEqual([]);
    expect(compiled).toBeGreaterThan(150);
  });

  it('dom-3: a contained resource nothing refers to', () => {
    const base = { resourceType: 'Patient', contained: [{ resourceType: 'Organization', id: 'org', name: 'Clinic' }] };
    expect(found(base)).toEqual([{ severity: 'error', code: 'invariant', key: 'dom-3', expression: 'Patient' }]);
    expect(found({ ...base, managingOrganization: { reference: '#org' } })).toEqual([]);
  });

  it('dom-2 and dom-4: nested contained resources, versionId on a contained resource', () => {
    const r = { resourceType: 'Patient', managingOrganization: { reference: '#o' }, contained: [{ resourceType: 'Organization', id: 'o', meta: { versionId: '2' }, contained: [{ resourceType: 'Organization', id: 'p' }] }] };
    const keys = found(r).map((i) => i.key);
    expect(keys).toEqual(expect.arrayContaining(['dom-2', 'dom-4']));
  });

  it('ref-1: a local reference to a contained resource that does not exist', () => {
    expect(found({ resourceType: 'Patient', managingOrganization: { reference: '#missing' } }))
      .toEqual([{ severity: 'error', code: 'invariant', key: 'ref-1', expression: 'Patient.managingOrganization' }]);
  });

  it('per-1 on a Period anywhere, compared as instants across time zones', () => {
    const enc = (start: string, end: string) => ({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, period: { start, end } });
    expect(found(enc('2026-03-10T10:00:00-05:00', '2026-03-10T15:30:00Z'))).toEqual([]);
    // As text 10:00 < 14:30; as instants 15:00Z > 14:30Z.
    expect(found(enc('2026-03-10T10:00:00-05:00', '2026-03-10T14:30:00Z')))
      .toEqual([{ severity: 'error', code: 'invariant', key: 'per-1', expression: 'Encounter.period' }]);
  });

  it('per-1: a start and end whose comparison has no answer (a date against a dateTime) fails, as the reference validator counts it', () => {
    const enc = (start: string, end: string) => ({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, period: { start, end } });
    expect(found(enc('2026-03-10', '2026-03-10T15:30:00Z')))
      .toEqual([{ severity: 'error', code: 'invariant', key: 'per-1', expression: 'Encounter.period' }]);
    expect(found(enc('2026-03-10', '2026-03-11'))).toEqual([]);
  });

  it('an empty antecedent of `implies` does not fail the rule (ras-2 with no probability)', () => {
    expect(found({ resourceType: 'RiskAssessment', status: 'final', subject: { reference: 'Patient/p' }, prediction: [{ outcome: { text: 'x' } }] })).toEqual([]);
  });

  it('%rootResource of a Bundle entry resource is that resource: its contained resources resolve (dom-3, ref-1)', () => {
    const patient = { resourceType: 'Patient', managingOrganization: { reference: '#org' }, contained: [{ resourceType: 'Organization', id: 'org', name: 'Clinic' }] };
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520', resource: patient }] };
    expect(found(bundle)).toEqual([]);
    const orphan = { ...patient, managingOrganization: undefined };
    expect(found({ ...bundle, entry: [{ ...bundle.entry[0], resource: orphan }] }).map((i) => [i.key, i.expression])).toEqual([['dom-3', 'Bundle.entry[0].resource']]);
  });

  it('pat-1 on each Patient.contact instance', () => {
    expect(found({ resourceType: 'Patient', contact: [{ name: { family: 'Doe' } }, { gender: 'male' }] }))
      .toEqual([{ severity: 'error', code: 'invariant', key: 'pat-1', expression: 'Patient.contact[1]' }]);
  });

  it('ext-1: an extension with both a value and nested extensions, or with neither', () => {
    expect(found({ resourceType: 'Patient', extension: [{ url: 'http://e', valueString: 'x', extension: [{ url: 'a', valueBoolean: true }] }] }))
      .toEqual([{ severity: 'error', code: 'invariant', key: 'ext-1', expression: 'Patient.extension[0]' }]);
    expect(found({ resourceType: 'Patient', extension: [{ url: 'http://e', valueString: 'x' }, { url: 'http://f' }] }))
      .toEqual([{ severity: 'error', code: 'invariant', key: 'ext-1', expression: 'Patient.extension[1]' }]);
  });

  it('qty-3: a Quantity with a code needs a system (and only then can fail)', () => {
    const obs = (valueQuantity: Record<string, unknown>) => ({ resourceType: 'Observation', status: 'final', code: { text: 'weight' }, valueQuantity });
    expect(found(obs({ value: 70, unit: 'kg', code: 'kg' })))
      .toEqual([{ severity: 'error', code: 'invariant', key: 'qty-3', expression: 'Observation.value.ofType(Quantity)' }]);
    expect(found(obs({ value: 70, unit: 'kg', code: 'kg', system: 'http://unitsofmeasure.org' }))).toEqual([]);
    expect(found(obs({ value: 70, unit: 'kg' }))).toEqual([]);
  });

  it('Bundle-level invariants: bdl-3 (request in a transaction) and bdl-7 (duplicate fullUrl)', () => {
    const patient = { resourceType: 'Patient' };
    expect(found({ resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520', resource: patient }] }).map((i) => i.key))
      .toEqual(['bdl-3']);
    const dup = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'http://x/Patient/1', resource: patient }, { fullUrl: 'http://x/Patient/1', resource: patient }] };
    expect(found(dup)).toEqual([{ severity: 'error', code: 'invariant', key: 'bdl-7', expression: 'Bundle' }]);
  });

  it('invariants of resources inside a Bundle carry the entry path', () => {
    const b = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', contact: [{ gender: 'other' }] } }] };
    expect(found(b)).toEqual([{ severity: 'error', code: 'invariant', key: 'pat-1', expression: 'Bundle.entry[0].resource.contact[0]' }]);
  });

  it('txt-1: narrative with a script element', () => {
    const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div>' };
    expect(found({ resourceType: 'Patient', text }).map((i) => i.key)).toContain('txt-1');
  });

  it('reports warning-level constraints (dom-6) only when asked', () => {
    expect(found({ resourceType: 'Patient' })).toEqual([]);
    expect(found({ resourceType: 'Patient' }, true)).toEqual([{ severity: 'warning', code: 'invariant', key: 'dom-6', expression: 'Patient' }]);
  });

  it('diagnostics read "<key>: <human>"', () => {
    const [i] = checkInvariants({ resourceType: 'Patient', contact: [{ gender: 'male' }] });
    expect(i.diagnostics).toBe("pat-1: SHALL at least contain a contact's details or a reference to an organization");
  });
});
