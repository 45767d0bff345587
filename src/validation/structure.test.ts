import { ensureGeneratedValidators } from './structure-fixtures';
import { checkEnvelope, checkStructure, pointerToExpression } from './structure';

beforeAll(ensureGeneratedValidators);

const only = (issues: ReturnType<typeof checkStructure>) => issues.map((i) => ({ code: i.code, expression: i.expression?.[0] }));

describe('structure stage (official R4 JSON schema)', () => {
  it('reports an unknown element once, at its FHIRPath, with code structure', () => {
    const issues = checkStructure({ resourceType: 'Patient', foo: 1, name: [{ family: 'Doe', bar: true }] });
    expect(only(issues)).toEqual([
      { code: 'structure', expression: 'Patient.foo' },
      { code: 'structure', expression: 'Patient.name[0].bar' },
    ]);
    expect(issues[0].diagnostics).toBe("Unknown element 'foo'");
  });

  it('reports a wrong JSON type as structure without the pattern noise for the same value', () => {
    const issues = checkStructure({ resourceType: 'Patient', active: 'yes', identifier: [{ system: 42 }], name: { family: 'x' } });
    expect(only(issues)).toEqual([
      { code: 'structure', expression: 'Patient.identifier[0].system' },
      { code: 'structure', expression: 'Patient.active' },
      { code: 'structure', expression: 'Patient.name' },
    ]);
    expect(issues[1].diagnostics).toMatch(/expected boolean, found a string/);
  });

  it('reports a missing required complex element (Encounter.class) with code required', () => {
    expect(only(checkStructure({ resourceType: 'Encounter', status: 'finished' }))).toEqual([
      { code: 'required', expression: 'Encounter.class' },
    ]);
  });

  it('reports a code outside its required enum and a bad id pattern as value', () => {
    const issues = checkStructure({ resourceType: 'Patient', id: 'has space', gender: 'M' });
    expect(only(issues)).toEqual([
      { code: 'value', expression: 'Patient.id' },
      { code: 'value', expression: 'Patient.gender' },
    ]);
  });

  it('reports an error inside a Bundle entry once (no oneOf cascade over every resource type)', () => {
    const issues = checkStructure({
      resourceType: 'Bundle', type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', bogus: 1 } }, { resource: { resourceType: 'NotAType' } }],
    });
    expect(only(issues)).toEqual([
      { code: 'structure', expression: 'Bundle.entry[0].resource.bogus' },
      { code: 'structure', expression: 'Bundle.entry[1].resource' },
    ]);
    expect(issues[1].diagnostics).toMatch(/Unknown resourceType 'NotAType'/);
  });

  it('accepts R4 content the published schema gets wrong: fhirVersion 4.0.1, _canonical, NBSP in a string', () => {
    expect(checkStructure({ resourceType: 'CapabilityStatement', status: 'active', date: '2026-01-01', kind: 'instance', fhirVersion: '4.0.1', format: ['json'] })).toEqual([]);
    expect(checkStructure({ resourceType: 'StructureDefinition', url: 'http://x', name: 'X', status: 'draft', kind: 'resource', abstract: false, type: 'Patient', _baseDefinition: { extension: [{ url: 'http://e', valueString: 'x' }] } })).toEqual([]);
    expect(checkStructure({ resourceType: 'Patient', name: [{ text: 'Ana\u00a0Lopez' }] })).toEqual([]);
  });

  it('writes choice elements and _x siblings as FHIRPath', () => {
    const obs = { resourceType: 'Observation', valueQuantity: { value: 1 }, _status: { extension: [{}] } };
    expect(pointerToExpression(obs, ['valueQuantity', 'value'])).toBe('Observation.value.ofType(Quantity).value');
    expect(pointerToExpression(obs, ['_status', 'extension', '0'])).toBe('Observation.status.extension[0]');
    const bundle = { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Observation', valueString: 'x' } }] };
    expect(pointerToExpression(bundle, ['entry', '0', 'resource', 'valueString'])).toBe('Bundle.entry[0].resource.value.ofType(string)');
  });
});

describe('envelope', () => {
  it.each([
    ['a string', 'x', /found a string/],
    ['an array', [{ resourceType: 'Patient' }], /found an array/],
    ['null', null, /found null/],
    ['no resourceType', { id: 'a' }, /Missing 'resourceType'/],
    ['an unknown resourceType', { resourceType: 'Patients' }, /Unknown resourceType 'Patients'/],
    ['a data type as resourceType', { resourceType: 'HumanName' }, /Unknown resourceType 'HumanName'/],
  ])('rejects %s with exactly one issue', (_label, body, text) => {
    const issues = checkEnvelope(body);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'fatal', code: 'structure' });
    expect(issues[0].diagnostics).toMatch(text);
  });

  it('accepts a known resource type', () => {
    expect(checkEnvelope({ resourceType: 'Encounter' })).toEqual([]);
  });
});
