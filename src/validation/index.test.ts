import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildScenario } from '../prss/scenario';
import { createValidator, type ValidationStage } from './index';
import { DEFINITIONS_DIR } from '../fhir/core-definitions';
import { ensureGeneratedValidators } from './structure-fixtures';

beforeAll(ensureGeneratedValidators);

const validator = createValidator();
const errorsOf = (r: unknown) => validator.validate(r).filter((i) => i.severity === 'error' || i.severity === 'fatal');

describe('validator chain', () => {
  it.each([
    ['Virginia ARTS', {}],
    ['Virginia mental health', { program: 'mh' as const }],
    ['Indiana', { jurisdiction: 'US-IN' as const }],
    ['Connecticut', { jurisdiction: 'US-CT' as const }],
  ])('every resource of the %s scenario validates with no errors', (_label, opts) => {
    for (const r of buildScenario(opts).resources()) {
      expect({ resource: `${r.resourceType}/${r.id}`, issues: errorsOf(r) }).toEqual({ resource: `${r.resourceType}/${r.id}`, issues: [] });
    }
  });

  it('validates the scenario as a transaction Bundle with no errors', () => {
    const entry = buildScenario().resources().map((resource) => ({
      fullUrl: `http://prss.example/fhir/${resource.resourceType}/${resource.id}`,
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    }));
    expect(errorsOf({ resourceType: 'Bundle', type: 'transaction', entry })).toEqual([]);
  });

  it('passes a sample of official R4 conformance resources (ValueSets, CodeSystems, SearchParameters, StructureDefinitions)', () => {
    const read = (f: string) => (JSON.parse(readFileSync(join(DEFINITIONS_DIR, f), 'utf8')) as { entry: { resource: { resourceType: string; fhirVersion?: string } }[] }).entry.map((e) => e.resource);
    const every = (list: unknown[], n: number) => list.filter((_, i) => i % Math.ceil(list.length / n) === 0);
    const sample = [
      ...every(read('valuesets.json'), 60),
      ...every(read('search-parameters.json'), 60),
      // R4 definitions only (the package also carries a few R4B backports, fhirVersion 4.3.0).
      ...every(read('profiles-types.json').filter((r) => r.resourceType === 'StructureDefinition'), 10),
    ];
    const failing = sample.map((r) => ({ r, errors: errorsOf(r) })).filter((x) => x.errors.length > 0);
    expect(failing.map((f) => ({ id: (f.r as { id?: string }).id, errors: f.errors }))).toEqual([]);
    expect(sample.length).toBeGreaterThan(100);
  });

  it('answers a non-resource body with a single issue', () => {
    expect(validator.validate([])).toHaveLength(1);
    expect(validator.validate({ resourceType: 'Nope', foo: '' })).toEqual([
      { severity: 'fatal', code: 'structure', diagnostics: "Unknown resourceType 'Nope': not an R4 resource type", expression: ['resourceType'] },
    ]);
  });

  it('stops after the structure stage when the JSON shape is broken', () => {
    // The contact would fail pat-1 and the date is invalid, but the unknown element comes first.
    const issues = validator.validate({ resourceType: 'Patient', foo: 1, birthDate: '2020-02-30', contact: [{ gender: 'male' }] });
    expect(issues.map((i) => i.expression?.[0])).toEqual(['Patient.foo']);
  });

  it('reports a code with double spaces once, as value, at its path', () => {
    const issues = validator.validate({ resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB  VR' } });
    expect(issues.map((i) => [i.severity, i.code, i.expression?.[0]])).toEqual([['error', 'value', 'Encounter.class.code']]);
  });

  it('reports a missing required element once though two stages find it', () => {
    const issues = validator.validate({ resourceType: 'Encounter', status: 'finished' });
    expect(issues.map((i) => [i.code, i.expression?.[0]])).toEqual([['required', 'Encounter.class']]);
  });

  it('reports problems of every stage together when the shape is sound', () => {
    const issues = validator.validate({ resourceType: 'Observation', code: { text: 'x' }, effectiveDateTime: '2026-02-30', valueString: 'a', valueInteger: 1, component: [] });
    expect(issues.map((i) => [i.code, i.expression?.[0]]).sort()).toEqual([
      ['required', 'Observation.status'],
      ['structure', 'Observation.component'],
      ['structure', 'Observation.value'],
      ['value', 'Observation.effective.ofType(dateTime)'],
    ]);
  });

  it('runs a plugged-in profile stage at level profile only, with the profiles from meta and options', () => {
    const seen: string[][] = [];
    const profileStage: ValidationStage = {
      name: 'profile',
      level: 'profile',
      validate(_r, ctx) {
        seen.push(ctx.profiles);
        return [{ severity: 'error', code: 'invalid', diagnostics: 'profile says no', expression: ['Patient'] }];
      },
    };
    const v = createValidator({ stages: [profileStage] });
    const patient = { resourceType: 'Patient', meta: { profile: ['http://a'] } };
    expect(v.validate(patient, { level: 'structure' })).toEqual([]);
    expect(v.validate(patient, { profiles: ['http://b'] }).map((i) => i.diagnostics)).toEqual(['profile says no']);
    expect(seen).toEqual([['http://b', 'http://a']]);
  });
});
