/**
 * Snapshot generation for differential-only profiles (snapshot.ts) and its use by the profile
 * validator: validating against such profiles, and checking a StructureDefinition's differential.
 */
import type { StructureDefinition } from 'fhir/r4';
import { DefinitionRegistry, FHIR_SD } from './definitions';
import { createProfileValidator } from './profile-validator';
import { generateSnapshot, type SnapshotProblem, SnapshotError, UnknownBaseError } from './snapshot';

const diffOnly = (url: string, base: string, element: StructureDefinition['differential'] extends infer D ? D extends { element: infer E } ? E : never : never,
  type = 'Patient'): StructureDefinition => ({
  resourceType: 'StructureDefinition', url, name: 'T', status: 'active', kind: 'resource', abstract: false, type,
  baseDefinition: base, derivation: 'constraint', differential: { element },
});

const BORN = diffOnly('http://example.org/sd/born', `${FHIR_SD}Patient`, [{ id: 'Patient.birthDate', path: 'Patient.birthDate', min: 1 }]);
const HOME = diffOnly('http://example.org/sd/home', 'http://example.org/sd/born', [
  { id: 'Patient.address', path: 'Patient.address', slicing: { discriminator: [{ type: 'pattern', path: '$this' }], rules: 'open' } },
  { id: 'Patient.address:home', path: 'Patient.address', sliceName: 'home', min: 1, max: '1', patternAddress: { use: 'home' } },
  { id: 'Patient.address:home.line', path: 'Patient.address.line', min: 1 },
]);
const registry = new DefinitionRegistry([BORN, HOME]);
const resolve = (u: string) => registry.structureDefinition(u);
const errors = (issues: { severity: string; expression?: string[] }[]) => issues.filter((i) => i.severity === 'error').map((i) => i.expression?.[0]);

describe('snapshot generation', () => {
  it('copies the base snapshot and applies the differential over it', () => {
    const els = generateSnapshot(BORN, resolve);
    expect(els.length).toBe(registry.baseType('Patient')!.snapshot!.element.length);
    expect(els.find((e) => e.id === 'Patient.birthDate')?.min).toBe(1);
  });

  it('builds profiles of profiles, slices, and datatype children under a slice', () => {
    const els = generateSnapshot(HOME, resolve);
    expect(els.find((e) => e.id === 'Patient.birthDate')?.min).toBe(1); // from the base profile
    const slice = els.find((e) => e.id === 'Patient.address:home');
    expect(slice).toMatchObject({ sliceName: 'home', min: 1, patternAddress: { use: 'home' } });
    expect(els.find((e) => e.id === 'Patient.address:home.line')).toMatchObject({ path: 'Patient.address.line', min: 1, base: { path: 'Address.line' } });
    // the slice sits after its slicing entry, its children after it
    expect(els.findIndex((e) => e.id === 'Patient.address:home')).toBeGreaterThan(els.findIndex((e) => e.id === 'Patient.address'));
    expect(els.findIndex((e) => e.id === 'Patient.address:home.line')).toBeGreaterThan(els.findIndex((e) => e.id === 'Patient.address:home'));
  });

  it('reports a differential element that names nothing, or skips it when asked to collect problems', () => {
    const bad = diffOnly('http://example.org/sd/bad', `${FHIR_SD}Patient`, [{ path: 'Patient.dateOfBirth', min: 1 }, { path: 'Patient.gender', min: 1 }]);
    expect(() => generateSnapshot(bad, resolve)).toThrow(SnapshotError);
    const problems: SnapshotProblem[] = [];
    const els = generateSnapshot(bad, resolve, [], problems);
    expect(problems.map((p) => p.element)).toEqual([0]);
    expect(els.find((e) => e.id === 'Patient.gender')?.min).toBe(1);
  });

  it('treats a definition that derives from itself as one whose base cannot be found', () => {
    const circle = diffOnly('http://example.org/sd/circle', 'http://example.org/sd/circle', [{ path: 'Patient.gender', min: 1 }]);
    expect(() => generateSnapshot(circle, resolve)).toThrow(UnknownBaseError);
  });
});

describe('the profile validator with differential-only profiles', () => {
  const validator = createProfileValidator({ extraDefinitions: [BORN, HOME] });

  it('validates against the generated snapshot (boundary: exactly what the slice asks for passes)', () => {
    const ok = { resourceType: 'Patient', meta: { profile: ['http://example.org/sd/home'] }, birthDate: '1990-01-01', address: [{ use: 'home', line: ['1 Main St'] }] };
    expect(errors(validator.validate(ok))).toEqual([]);
    const noLine = { ...ok, address: [{ use: 'home' }] };
    expect(errors(validator.validate(noLine))).toEqual(['Patient.address[0].line']);
    const noBirth = { ...ok, birthDate: undefined };
    expect(errors(validator.validate(noBirth))).toEqual(['Patient.birthDate']);
  });

  it('rejects a StructureDefinition whose differential names an element its base does not have', () => {
    const bad = diffOnly('http://example.org/sd/bad', `${FHIR_SD}Patient`, [{ id: 'Patient.gender', path: 'Patient.gender', min: 1 }, { id: 'Patient.dateOfBirth', path: 'Patient.dateOfBirth', min: 1 }]);
    expect(errors(validator.validate(bad))).toEqual(['StructureDefinition.differential.element[1]']);
    expect(errors(validator.validate(BORN))).toEqual([]);
  });
});

describe('target profiles between resources that refer to each other', () => {
  it('terminates, judging each resource once per profile', () => {
    const orgProfile = diffOnly('http://example.org/sd/org', `${FHIR_SD}Organization`, [
      { id: 'Organization.partOf', path: 'Organization.partOf', type: [{ code: 'Reference', targetProfile: ['http://example.org/sd/org'] }] },
    ], 'Organization');
    const validator = createProfileValidator({ extraDefinitions: [orgProfile] });
    const org = {
      resourceType: 'Organization', id: 'a', meta: { profile: ['http://example.org/sd/org'] }, partOf: { reference: '#b' },
      contained: [{ resourceType: 'Organization', id: 'b', partOf: { reference: '#' } }],
    };
    expect(errors(validator.validate(org))).toEqual([]);
  });
});
