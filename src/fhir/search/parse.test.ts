import { OutcomeError } from '../../outcomes';
import type { Criterion } from './criteria';
import { parseSearch } from './parse';
import type { ParseOptions } from './types';

const lenient: ParseOptions = { strict: false, defaultCount: 20, maxCount: 100 };
const strict: ParseOptions = { ...lenient, strict: true };
const q = (query: string): [string, string][] => [...new URLSearchParams(query).entries()];
const parse = (type: string, query: string, options = lenient) => parseSearch(type, q(query), options);
const criteria = (type: string, query: string) => parse(type, query).criteria as Criterion[];

/** The 400 thrown for a query, with its message. */
function rejection(type: string, query: string, options = lenient): OutcomeError {
  try {
    parse(type, query, options);
  } catch (e) {
    if (e instanceof OutcomeError) return e;
    throw e;
  }
  throw new Error(`expected ${query} to be rejected`);
}

describe('parseSearch: criteria by type', () => {
  it('reads token forms: code, system|code, |code, system|', () => {
    expect(criteria('Patient', 'identifier=abc,http://sys|123,|nosys,http://only|')).toEqual([{
      kind: 'token', param: 'identifier', not: false,
      values: [{ code: 'abc' }, { system: 'http://sys', code: '123' }, { system: null, code: 'nosys' }, { system: 'http://only' }],
    }]);
    expect(criteria('Encounter', 'status:not=cancelled')).toEqual([{ kind: 'token', param: 'status', not: true, values: [{ code: 'cancelled' }] }]);
    expect(criteria('Condition', 'code:text=Opioid')).toEqual([{ kind: 'token-text', param: 'code', values: ['opioid'] }]);
  });

  it('keeps escaped commas and pipes inside one value', () => {
    expect(criteria('Patient', 'identifier=a\\,b|c\\|d')).toEqual([{ kind: 'token', param: 'identifier', not: false, values: [{ system: 'a,b', code: 'c|d' }] }]);
  });

  it('reads string modifiers and normalises for starts-with and contains but not exact', () => {
    expect(criteria('Patient', 'name=Núñez')).toEqual([{ kind: 'string', param: 'name', mode: 'starts', values: ['nunez'] }]);
    expect(criteria('Patient', 'family:exact=Núñez')).toEqual([{ kind: 'string', param: 'family', mode: 'exact', values: ['Núñez'] }]);
    expect(criteria('Patient', 'name:contains=IVE')).toEqual([{ kind: 'string', param: 'name', mode: 'contains', values: ['ive'] }]);
  });

  it.each(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'])('reads the date prefix %s with the value range', (prefix) => {
    const [c] = criteria('Patient', `birthdate=${prefix}1990-05`);
    expect(c).toMatchObject({ kind: 'date', param: 'birthdate', values: [{ prefix, range: { lo: '1990-05-01T00:00:00.000Z', hi: '1990-05-31T23:59:59.999999Z' } }] });
  });

  it('takes a date without prefix as eq, and a dateTime with a zone as that instant', () => {
    expect(criteria('Encounter', 'date=2026-03-10T10:00:00-05:00')).toMatchObject([{ kind: 'date', values: [{ prefix: 'eq', range: { lo: '2026-03-10T15:00:00.000Z' } }] }]);
  });

  it.each(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'])('reads the number prefix %s with the implicit precision', (prefix) => {
    expect(criteria('RiskAssessment', `probability=${prefix}0.80`)).toEqual([{ kind: 'number', param: 'probability', values: [{ prefix, value: '0.80', halfUnit: '5e-3' }] }]);
  });

  it('reads quantities with and without system and code', () => {
    expect(criteria('Observation', 'value-quantity=gt5.4|http://unitsofmeasure.org|mg,100||mmHg,7')).toEqual([{
      kind: 'quantity', param: 'value-quantity', values: [
        { prefix: 'gt', value: '5.4', halfUnit: '5e-2', system: 'http://unitsofmeasure.org', code: 'mg' },
        { prefix: 'eq', value: '100', halfUnit: '5e-1', code: 'mmHg' },
        { prefix: 'eq', value: '7', halfUnit: '5e-1' },
      ],
    }]);
  });

  it('reads references: id, Type/id, absolute URL, type modifier', () => {
    expect(criteria('CarePlan', 'subject=123,Patient/456,https://ehr.example.org/fhir/Patient/789')).toEqual([{
      kind: 'reference', param: 'subject', values: [
        { targetId: '123' },
        { targetType: 'Patient', targetId: '456' },
        { targetType: 'Patient', targetId: '789', url: 'https://ehr.example.org/fhir/Patient/789' },
      ],
    }]);
    expect(criteria('CarePlan', 'subject:Patient=123')).toEqual([{ kind: 'reference', param: 'subject', values: [{ targetType: 'Patient', targetId: '123' }] }]);
    expect(criteria('CarePlan', 'instantiates-canonical=http://example.org/fhir/StructureDefinition/x')).toEqual([{
      kind: 'reference', param: 'instantiates-canonical', values: [{ url: 'http://example.org/fhir/StructureDefinition/x' }],
    }]);
    expect(criteria('PlanDefinition', 'derived-from=http://example.org/Questionnaire/q|2.0')).toEqual([{
      kind: 'reference', param: 'derived-from', values: [{ targetType: 'Questionnaire', targetId: 'q', url: 'http://example.org/Questionnaire/q' }],
    }]);
  });

  it('reads uri with :below and :above, and :missing on any type', () => {
    expect(criteria('Patient', '_profile:below=http://prss.example.org/fhir/')).toEqual([{ kind: 'uri', param: '_profile', mode: 'below', values: ['http://prss.example.org/fhir/'] }]);
    expect(criteria('Patient', 'birthdate:missing=true')).toEqual([{ kind: 'missing', param: 'birthdate', table: 'sp_date', missing: true }]);
    expect(criteria('CarePlan', 'subject:missing=false')).toEqual([{ kind: 'missing', param: 'subject', table: 'sp_reference', missing: false }]);
  });

  it('keeps commas as OR within one parameter and repeated parameters as AND', () => {
    const cs = criteria('Encounter', 'date=ge2026-01-01&date=lt2026-04-01&status=finished,in-progress');
    expect(cs).toHaveLength(3);
    expect(cs[0]).toMatchObject({ kind: 'date', values: [{ prefix: 'ge' }] });
    expect(cs[1]).toMatchObject({ kind: 'date', values: [{ prefix: 'lt' }] });
    expect(cs[2]).toMatchObject({ kind: 'token', values: [{ code: 'finished' }, { code: 'in-progress' }] });
  });

  it('handles _id and _lastUpdated natively', () => {
    expect(criteria('Patient', '_id=a,b')).toEqual([{ kind: 'id', values: ['a', 'b'], not: false }]);
    expect(criteria('Patient', '_lastUpdated=gt2026-01-01')).toMatchObject([{ kind: 'lastUpdated', values: [{ prefix: 'gt' }] }]);
  });
});

describe('parseSearch: result parameters', () => {
  it('bounds _count, accepts 0, and defaults from the options', () => {
    expect(parse('Patient', '').count).toBe(20);
    expect(parse('Patient', '_count=5').count).toBe(5);
    expect(parse('Patient', '_count=0').count).toBe(0);
    expect(parse('Patient', '_count=5000').count).toBe(100);
  });

  it('reads _sort keys with direction', () => {
    expect(parse('Encounter', '_sort=-date,_id,status').sort).toEqual([
      { param: 'date', descending: true }, { param: '_id', descending: false }, { param: 'status', descending: false },
    ]);
    expect(parse('Patient', '_sort=-_lastUpdated').sort).toEqual([{ param: '_lastUpdated', descending: true }]);
  });

  it('reads every _include / _revinclude form', () => {
    const s = parse('CarePlan', '_include=CarePlan:subject&_include=CarePlan:subject:Patient&_include:iterate=Patient:organization&_include=*&_revinclude=Encounter:based-on&_revinclude=Claim:*');
    expect(s.include).toEqual([
      { sourceType: 'CarePlan', param: 'subject', iterate: false },
      { sourceType: 'CarePlan', param: 'subject', targetType: 'Patient', iterate: false },
      { sourceType: 'Patient', param: 'organization', iterate: true },
      { sourceType: 'CarePlan', param: '*', iterate: false },
    ]);
    expect(s.revinclude).toEqual([
      { sourceType: 'Encounter', param: 'based-on', iterate: false },
      { sourceType: 'Claim', param: '*', iterate: false },
    ]);
  });

  it('reads _summary, _elements, _total and _cursor, and ignores _format quietly', () => {
    const s = parse('Patient', '_summary=count&_elements=name,birthDate&_total=accurate&_cursor=abc123&_format=json&name=x');
    expect(s).toMatchObject({ summary: 'count', elements: ['name', 'birthDate'], total: 'accurate', cursor: 'abc123', ignored: [] });
    expect(s.selfParams).toEqual([['_summary', 'count'], ['_elements', 'name,birthDate'], ['_total', 'accurate'], ['name', 'x']]);
  });

  it('keeps the normalised request in selfParams, with _count as applied', () => {
    expect(parse('Encounter', 'status=finished&_count=500&_sort=-date').selfParams).toEqual([['status', 'finished'], ['_count', '100'], ['_sort', '-date']]);
  });
});

describe('parseSearch: chains and _has', () => {
  it('parses a chain into one branch per way its target types read the rest, and lists the types read', () => {
    const s = parse('Encounter', 'subject.identifier=urn:x|1');
    expect(s.criteria).toEqual([{
      kind: 'chain', param: 'subject',
      branches: [{ types: ['Group', 'Patient'], criteria: [{ kind: 'token', param: 'identifier', values: [{ system: 'urn:x', code: '1' }], not: false }] }],
    }]);
    expect(s.related).toEqual(['Group', 'Patient']);
    expect(s.selfParams).toEqual([['subject.identifier', 'urn:x|1']]);
  });

  it('leaves out target types the chained parameter does not apply to', () => {
    const s = parse('Encounter', 'subject.name=x');
    expect((s.criteria[0] as { branches: { types: string[] }[] }).branches.map((b) => b.types)).toEqual([['Patient']]);
  });

  it('parses nested _has and lists every type read', () => {
    const s = parse('Patient', '_has:Encounter:subject:_has:Claim:encounter:status=active');
    expect(s.criteria).toEqual([{
      kind: 'has', type: 'Encounter', param: 'subject',
      criteria: [{ kind: 'has', type: 'Claim', param: 'encounter', criteria: [{ kind: 'token', param: 'status', values: [{ code: 'active' }], not: false }] }],
    }]);
    expect(s.related).toEqual(['Claim', 'Encounter']);
  });

  it('rejects malformed chains and _has with 400', () => {
    for (const [type, query] of [['Claim', 'status.name=x'], ['Patient', '_has=Observation:patient:code=1'], ['Patient', '_has:Observation:code:code=1'], ['Encounter', 'subject:Claim.status=x']]) {
      expect([query, rejection(type, query, lenient).status]).toEqual([query, 400]);
    }
  });
});

describe('parseSearch: unknown and unsupported parameters', () => {
  it('ignores them with a reason when lenient', () => {
    const s = parse('Patient', 'foo=bar&general-practitioner.shoe=x&_has:Observation:patient:shoe=1&name=');
    expect(s.criteria).toEqual([]);
    expect(s.ignored.map((i) => i.name)).toEqual(['foo', 'general-practitioner.shoe', '_has:Observation:patient:shoe', 'name']);
    expect(s.ignored[0].reason).toMatch(/unknown/);
    expect(s.selfParams).toEqual([]);
  });

  it('reads a composite value part by part, each as its component type', () => {
    const s = parse('Observation', 'code-value-quantity=http://loinc.org|8480-6$gt100');
    expect(s.ignored).toEqual([]);
    expect(s.criteria).toEqual([{
      kind: 'composite', param: 'code-value-quantity', table: 'sp_token',
      values: [[
        { kind: 'token', param: 'code-value-quantity#0', values: [{ system: 'http://loinc.org', code: '8480-6' }], not: false },
        { kind: 'quantity', param: 'code-value-quantity#1', values: [{ prefix: 'gt', value: '100', halfUnit: '5e-1' }] },
      ]],
    }]);
  });

  it('rejects them with 400 when strict', () => {
    const e = rejection('Patient', 'foo=bar', strict);
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/'foo'/);
    expect(rejection('Observation', 'code-value-quantity=x', strict).status).toBe(400);
    expect(rejection('Location', 'near=1|2|3|km', strict).status).toBe(400);
  });
});

describe('parseSearch: values of the wrong form are 400s naming the parameter', () => {
  it.each([
    ['Patient', 'birthdate=not-a-date', 'birthdate'],
    ['Patient', 'birthdate=2026-13-01', 'birthdate'],
    ['Patient', 'birthdate=xx2026', 'birthdate'],
    ['Patient', '_lastUpdated=yesterday', '_lastUpdated'],
    ['RiskAssessment', 'probability=abc', 'probability'],
    ['Observation', 'value-quantity=5|mg', 'value-quantity'],
    ['Observation', 'value-quantity=zz5', 'value-quantity'],
    ['Patient', 'name:fuzzy=x', 'name:fuzzy'],
    ['Patient', 'identifier:exact=x', 'identifier:exact'],
    ['Patient', 'birthdate:not=2026', 'birthdate:not'],
    ['Patient', 'name:missing=maybe', 'name:missing'],
    ['Patient', '_count=-1', '_count'],
    ['Patient', '_count=ten', '_count'],
    ['Patient', '_sort=shoe-size', '_sort'],
    ['Patient', '_summary=everything', '_summary'],
    ['Patient', '_total=some', '_total'],
    ['CarePlan', 'subject=Spaceship/1', 'subject'],
    ['CarePlan', 'subject:Practitioner=1', 'subject:Practitioner'],
    ['CarePlan', 'subject:Patient=Group/1', 'subject:Patient'],
    ['CarePlan', 'subject=a b', 'subject'],
    ['CarePlan', '_include=CarePlan:status', '_include'],
    ['CarePlan', '_include=Spaceship:subject', '_include'],
    ['CarePlan', '_include=CarePlan', '_include'],
    ['CarePlan', '_include:deep=CarePlan:subject', '_include:deep'],
    ['Patient', '_id=bad id!', '_id'],
  ])('%s?%s', (type, query, name) => {
    const e = rejection(type, query);
    expect(e.status).toBe(400);
    expect(e.message).toContain(name);
  });

  it('tells an unsupported spec modifier (ignored, a 400 when strict) from an unknown one (a 400)', () => {
    expect(parse('Condition', 'code:in=http://vs').ignored).toEqual([{ name: 'code:in', reason: expect.stringMatching(/terminology service/) }]);
    expect(rejection('Condition', 'code:in=http://vs', strict).message).toMatch(/terminology service/);
    expect(rejection('Condition', 'code:nonsense=1').message).toMatch(/Unknown modifier/);
    expect(rejection('Condition', 'code:exact=1').message).toMatch(/does not apply/);
  });
});
