/**
 * Where the reference validator accepts what a literal reading of the R4 schema or fhirpath.js
 * would reject: narrative with xml:lang / xml:space (txt-1, txt-2), and codes outside the schema's
 * enumeration where the binding is only extensible (Expression.language). Required bindings stay errors.
 */
import { createValidator } from './index';
import { ensureGeneratedValidators } from './structure-fixtures';

beforeAll(ensureGeneratedValidators);

const structure = createValidator({ level: 'structure' });
const errors = (r: unknown) => structure.validate(r, { level: 'structure' }).filter((i) => i.severity === 'error').map((i) => `${i.expression?.[0]} ${i.diagnostics?.split(':')[0]}`);
const narrative = (div: string) => ({ resourceType: 'Patient', text: { status: 'generated', div } });

describe('reference validator policies', () => {
  it('accepts narrative with xml:lang and xml:space, and still rejects narrative that breaks txt-1/txt-2', () => {
    expect(errors(narrative('<div xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en"><p xml:space="preserve">Hi</p></div>'))).toEqual([]);
    expect(errors(narrative('<div xmlns="http://www.w3.org/1999/xhtml"><script>x</script></div>'))).toContain('Patient.text.div txt-1');
    expect(errors(narrative('<div xmlns="http://www.w3.org/1999/xhtml" xml:lang="en"> </div>'))).toContain('Patient.text.div txt-2');
  });

  it('accepts an Expression.language outside the schema enumeration (extensible binding), not a code outside a required one', () => {
    const plan = (language: string) => ({ resourceType: 'PlanDefinition', status: 'draft', action: [{ condition: [{ kind: 'applicability', expression: { language, expression: 'X' } }] }] });
    expect(errors(plan('text/cql-identifier'))).toEqual([]);
    expect(errors(plan('text/fhirpath'))).toEqual([]);
    expect(errors({ resourceType: 'Patient', gender: 'xx' })).toEqual(['Patient.gender Invalid code a string (\'xx\')']);
  });
});

describe('reference validator rules in the profile stage', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createProfileValidator } = require('./profile-validator') as typeof import('./profile-validator');
  const profiles = createProfileValidator();
  const errs = (r: unknown) => profiles.validate(r).filter((i) => i.severity === 'error').map((i) => i.expression?.[0]);

  it('a canonical must refer to a resource of a type the element allows', () => {
    expect(errs({ resourceType: 'Questionnaire', status: 'draft', derivedFrom: ['http://hl7.org/fhir/ValueSet/administrative-gender'] })).toEqual(['Questionnaire.derivedFrom[0]']);
    expect(errs({ resourceType: 'Questionnaire', status: 'draft', derivedFrom: ['http://example.org/fhir/Questionnaire/intake|2'] })).toEqual([]);
  });

  it('an unknown extension is only a note (the default policy), even in the core namespace, which HL7 extends outside R4', () => {
    const ext = (url: string) => ({ resourceType: 'Patient', extension: [{ url, valueString: 'x' }] });
    expect(errs(ext('http://hl7.org/fhir/StructureDefinition/organization-brand'))).toEqual([]);
    expect(errs(ext('http://example.org/fhir/StructureDefinition/local'))).toEqual([]);
    expect(errs({ resourceType: 'Patient', modifierExtension: [{ url: 'http://example.org/fhir/StructureDefinition/local', valueString: 'x' }] }))
      .toEqual(['Patient.modifierExtension[0]']);
  });

  it('strings over 1 MB are errors (boundary: exactly 1 MB passes)', () => {
    const mb = 1024 * 1024;
    expect(errs({ resourceType: 'Basic', code: { text: 'a'.repeat(mb) } })).toEqual([]);
    expect(errs({ resourceType: 'Basic', code: { text: 'a'.repeat(mb + 1) } })).toEqual(['Basic.code.text']);
  });
});

describe('narrative hyperlinks', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createProfileValidator } = require('./profile-validator') as typeof import('./profile-validator');
  const profiles = createProfileValidator();
  const errs = (r: unknown) => profiles.validate(r).filter((i) => i.severity === 'error').map((i) => i.expression?.[0]);
  const withDiv = (body: string, extra: Record<string, unknown> = {}) =>
    ({ resourceType: 'Patient', text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${body}</div>` }, ...extra });

  it('an internal link must reach an id or name in the narrative, or a contained resource', () => {
    expect(errs(withDiv('<p id="top">x</p><a href="#top">up</a>'))).toEqual([]);
    expect(errs(withDiv('<a name="n1">x</a><a href="#n1">again</a>'))).toEqual([]);
    expect(errs(withDiv('<a href="#org">clinic</a>', { managingOrganization: { reference: '#org' }, contained: [{ resourceType: 'Organization', id: 'org' }] }))).toEqual([]);
    expect(errs(withDiv('<a href="#nowhere">x</a>'))).toEqual(['Patient.text.div']);
    expect(errs(withDiv('<a href="http://example.org/#x">external</a>'))).toEqual([]);
  });
});

describe('conformance resources against the definitions they name', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createProfileValidator } = require('./profile-validator') as typeof import('./profile-validator');
  const profiles = createProfileValidator();
  const found = (r: unknown) => profiles.validate(r).filter((i) => i.severity === 'error' || i.severity === 'warning').map((i) => `${i.severity} ${i.expression?.[0]}`);
  const sp = (o: Record<string, unknown>) => ({ resourceType: 'SearchParameter', url: 'http://example.org/fhir/SearchParameter/g', name: 'g', status: 'active', description: 'd', code: 'g', base: ['Patient'], type: 'token', ...o });
  const GENDER = 'http://hl7.org/fhir/SearchParameter/individual-gender';

  it('a SearchParameter derived from another keeps its type and resource types; an unknown parent is a warning', () => {
    expect(found(sp({ derivedFrom: GENDER }))).toEqual([]);
    expect(found(sp({ derivedFrom: GENDER, type: 'string' }))).toEqual(['error SearchParameter.type']);
    expect(found(sp({ derivedFrom: GENDER, base: ['Observation'] }))).toEqual(['error SearchParameter.base[0]']);
    expect(found(sp({ derivedFrom: 'http://example.org/fhir/SearchParameter/none' }))).toEqual(['warning SearchParameter.derivedFrom']);
  });

  it('a CapabilityStatement search parameter declares the type of the definition it names', () => {
    const cs = (type: string) => ({ resourceType: 'CapabilityStatement', status: 'active', date: '2026-01-01', kind: 'instance', fhirVersion: '4.0.1', format: ['json'],
      implementation: { description: 'x' },
      rest: [{ mode: 'server', resource: [{ type: 'Patient', searchParam: [{ name: 'gender', definition: GENDER, type }] }] }] });
    expect(found(cs('token'))).toEqual([]);
    expect(found(cs('string'))).toEqual(['error CapabilityStatement.rest[0].resource[0].searchParam[0].type']);
  });
});
