import { checkPrimitive, checkPrimitives } from './primitives';

const found = (resource: Record<string, unknown>) => checkPrimitives(resource).map((i) => ({ code: i.code, expression: i.expression?.[0] }));

describe('R4 primitive formats', () => {
  it.each([
    ['id', 'abc-1.2', true], ['id', 'a_b', false], ['id', 'x'.repeat(65), false],
    ['date', '2026', true], ['date', '2026-02', true], ['date', '2024-02-29', true], ['date', '2026-02-29', false], ['date', '2026-13-01', false], ['date', '2026-1-01', false],
    ['dateTime', '2026-03-10T09:00:00-05:00', true], ['dateTime', '2026-03-10T09:00:00', false], ['dateTime', '2026-04-31T09:00:00Z', false],
    ['instant', '2026-03-10T09:00:00.123Z', true], ['instant', '2026-03-10', false],
    ['time', '23:59:60', true], ['time', '24:00:00', false],
    ['code', 'a b', true], ['code', 'a  b', false], ['code', ' a', false], ['code', 'a\u00a0b', true],
    ['uri', 'urn:x', true], ['uri', 'has space', false], ['uri', '', false],
    ['oid', 'urn:oid:2.16.840.1', true], ['oid', 'urn:oid:3.1', false],
    ['uuid', 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520', true], ['uuid', 'urn:uuid:C757873D-EC9A-4326-A141-556F43239520', false],
    ['base64Binary', 'aGVsbG8=', true], ['base64Binary', 'not base64!', false],
    ['string', 'x', true], ['string', '', false], ['markdown', '**x**', true],
    ['integer', -2147483648, true], ['integer', 2147483648, false], ['integer', 1.5, false],
    ['positiveInt', 1, true], ['positiveInt', 0, false], ['unsignedInt', 0, true], ['unsignedInt', -1, false],
    ['decimal', 1.25, true], ['decimal', '1.25', false], ['boolean', false, true], ['boolean', 'true', false],
    ['xhtml', '<div xmlns="http://www.w3.org/1999/xhtml">x</div>', true], ['xhtml', '<p>x</p>', false],
  ])('%s %j valid=%s', (type, value, valid) => {
    expect(checkPrimitive(type, value) === undefined).toBe(valid);
  });
});

describe('primitives stage', () => {
  it('reports a calendar-invalid date with code value at its path, also inside a Bundle entry', () => {
    expect(found({ resourceType: 'Patient', birthDate: '2023-02-30' })).toEqual([{ code: 'value', expression: 'Patient.birthDate' }]);
    expect(found({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, period: { start: '2026-06-31' } } }] }))
      .toEqual([{ code: 'value', expression: 'Bundle.entry[0].resource.period.start' }]);
  });

  it('reports an integer out of range and a non-integer positiveInt', () => {
    expect(found({ resourceType: 'Patient', multipleBirthInteger: 3000000000 })).toEqual([{ code: 'value', expression: 'Patient.multipleBirth.ofType(integer)' }]);
    expect(found({ resourceType: 'Claim', status: 'active', type: { text: 't' }, use: 'claim', patient: { reference: 'Patient/1' }, created: '2026-01-01', provider: { reference: 'Organization/1' }, priority: { text: 'normal' }, insurance: [{ sequence: 1, focal: true, coverage: { reference: 'Coverage/1' } }], item: [{ sequence: 1.5, productOrService: { text: 'x' } }] }))
      .toEqual([{ code: 'value', expression: 'Claim.item[0].sequence' }]);
  });

  it('reports empty strings, arrays and objects', () => {
    const sorted = found({ resourceType: 'Patient', gender: '', name: [], telecom: [{}], maritalStatus: { id: 'only-id' } })
      .sort((a, b) => a.expression!.localeCompare(b.expression!));
    expect(sorted).toEqual([
      { code: 'value', expression: 'Patient.gender' },
      { code: 'invariant', expression: 'Patient.maritalStatus' },
      { code: 'structure', expression: 'Patient.name' },
      { code: 'invariant', expression: 'Patient.telecom[0]' },
    ]);
  });

  it('reports two variants of one choice element', () => {
    const issues = checkPrimitives({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueString: 'a', valueBoolean: true });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'structure', expression: ['Observation.value'] });
    expect(issues[0].diagnostics).toMatch(/valueString, valueBoolean/);
  });

  it('reports a missing required primitive (Observation.status) but accepts it present only as _status', () => {
    expect(found({ resourceType: 'Observation', code: { text: 'x' } })).toEqual([{ code: 'required', expression: 'Observation.status' }]);
    const ext = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };
    expect(found({ resourceType: 'Observation', code: { text: 'x' }, _status: ext })).toEqual([]);
  });

  it('accepts _x siblings aligned with null placeholders, and rejects unaligned nulls', () => {
    const ext = { extension: [{ url: 'http://example.org/x', valueString: 'v' }] };
    expect(found({ resourceType: 'Patient', name: [{ given: ['Ana', null], _given: [null, ext] }] })).toEqual([]);
    expect(found({ resourceType: 'Patient', name: [{ given: ['Ana', null] }] })).toEqual([{ code: 'structure', expression: 'Patient.name[0].given[1]' }]);
    expect(found({ resourceType: 'Patient', birthDate: '2000-01-01', _birthDate: { extension: [{ url: 'http://e', valueDateTime: '2000-01-01T25:00:00Z' }] } }))
      .toEqual([{ code: 'value', expression: 'Patient.birthDate.extension[0].value.ofType(dateTime)' }]);
  });

  it('checks ids of contained resources', () => {
    expect(found({ resourceType: 'Patient', contained: [{ resourceType: 'Organization', id: 'bad id!' }] }))
      .toEqual([{ code: 'value', expression: 'Patient.contained[0].id' }]);
  });
});
