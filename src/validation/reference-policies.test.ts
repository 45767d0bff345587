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
