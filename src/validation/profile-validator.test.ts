/**
 * The profile stage against the base R4 definitions and against small profiles built here with
 * real snapshots (profile-testing.ts), one class of failure per test, each asserting the exact
 * severity, issue code and FHIRPath expression.
 */
import type { CodeSystem, FhirResource, OperationOutcomeIssue, ValueSet } from 'fhir/r4';
import { buildScenario } from '../prss/scenario';
import { createProfileStage } from './profile-stage';
import { createProfileValidator } from './profile-validator';
import { complexExtension, deriveProfile, simpleExtension } from './profile-testing';

const T = 'http://test.example.org/fhir';
const PROFILE = `${T}/StructureDefinition/test-encounter`;
const EXT_PROGRAM = `${T}/StructureDefinition/program`;
const EXT_PRESENT = `${T}/StructureDefinition/member-present`;
const EXT_MODE = `${T}/StructureDefinition/contact-mode`;
const EXT_SIGNATURE = `${T}/StructureDefinition/signature`;
const CS_PROGRAM = `${T}/CodeSystem/program`;
const VS_PROGRAM = `${T}/ValueSet/program`;
const CS_KIND = `${T}/CodeSystem/encounter-kind`;

const programCodes: CodeSystem = {
  resourceType: 'CodeSystem', url: CS_PROGRAM, status: 'active', content: 'complete',
  concept: [{ code: 'arts' }, { code: 'mh' }],
};
const programSet: ValueSet = { resourceType: 'ValueSet', url: VS_PROGRAM, status: 'active', compose: { include: [{ system: CS_PROGRAM }] } };
const kindCodes: CodeSystem = {
  resourceType: 'CodeSystem', url: CS_KIND, status: 'active', content: 'complete', concept: [{ code: 'session' }, { code: 'supervision' }],
};

const encounterProfile = deriveProfile({
  url: PROFILE, type: 'Encounter',
  change: {
    Encounter: {
      constraint: [{ key: 'tst-1', severity: 'error', human: 'A finished encounter has an end', expression: "status = 'finished' implies period.end.exists()" }],
    },
    'Encounter.status': { fixedCode: 'finished' },
    'Encounter.subject': { min: 1, type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Patient'] }] },
    'Encounter.extension': { slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' } },
    'Encounter.identifier': { slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'closed' }, max: '2' },
    'Encounter.type': { min: 1, slicing: { discriminator: [{ type: 'pattern', path: '$this' }], rules: 'open' } },
    'Encounter.participant.individual': {
      type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/PractitionerRole'] }],
    },
    'Encounter.serviceType': { binding: { strength: 'extensible', valueSet: VS_PROGRAM } },
    'Encounter.participant': {
      constraint: [{ key: 'tst-2', severity: 'warning', human: 'A participant names someone', expression: 'individual.exists()' }],
    },
  },
  add: [
    { id: 'Encounter.extension:program', path: 'Encounter.extension', sliceName: 'program', min: 1, max: '1', type: [{ code: 'Extension', profile: [EXT_PROGRAM] }] },
    { id: 'Encounter.extension:present', path: 'Encounter.extension', sliceName: 'present', min: 0, max: '1', type: [{ code: 'Extension', profile: [EXT_PRESENT] }] },
    { id: 'Encounter.identifier:mrn', path: 'Encounter.identifier', sliceName: 'mrn', min: 0, max: '1', type: [{ code: 'Identifier' }] },
    { id: 'Encounter.identifier:mrn.system', path: 'Encounter.identifier.system', min: 1, max: '1', type: [{ code: 'uri' }], fixedUri: `${T}/sid/mrn` },
    {
      id: 'Encounter.type:kind', path: 'Encounter.type', sliceName: 'kind', min: 1, max: '1', type: [{ code: 'CodeableConcept' }],
      patternCodeableConcept: { coding: [{ system: CS_KIND }] },
    },
  ],
});

const definitions: FhirResource[] = [
  encounterProfile, programCodes, programSet, kindCodes,
  simpleExtension(EXT_PROGRAM, 'code', ['Encounter', 'CarePlan'], { binding: { strength: 'required', valueSet: VS_PROGRAM } }),
  simpleExtension(EXT_PRESENT, 'boolean', ['Encounter']),
  simpleExtension(EXT_MODE, 'code', ['Encounter'], { binding: { strength: 'extensible', valueSet: VS_PROGRAM } }),
  complexExtension(EXT_SIGNATURE, ['CarePlan', 'CarePlan.activity.detail'], [
    { name: 'role', type: 'code', min: 1 }, { name: 'party', type: 'Reference', min: 1 }, { name: 'date', type: 'date' },
  ]),
];

const validator = createProfileValidator({ extraDefinitions: definitions });
const core = createProfileValidator();

/** An Encounter that meets the test profile. */
function goodEncounter(): Record<string, unknown> & { resourceType: 'Encounter' } {
  return {
    resourceType: 'Encounter',
    meta: { profile: [PROFILE] },
    extension: [{ url: EXT_PROGRAM, valueCode: 'arts' }, { url: EXT_PRESENT, valueBoolean: true }],
    identifier: [{ system: `${T}/sid/mrn`, value: 'A1' }],
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    type: [{ coding: [{ system: CS_KIND, code: 'session' }] }],
    serviceType: { coding: [{ system: CS_PROGRAM, code: 'arts' }] },
    subject: { reference: 'Patient/p1' },
    participant: [{ individual: { reference: 'PractitionerRole/r1' } }],
    period: { start: '2026-03-10T10:00:00-05:00', end: '2026-03-10T11:00:00-05:00' },
  };
}

const summary = (issues: OperationOutcomeIssue[]) => issues.map((i) => `${i.severity} ${i.code} ${i.expression?.join(',')}`);
const errors = (issues: OperationOutcomeIssue[]) => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');

describe('base R4 definitions', () => {
  it('accepts every resource of the clean scenario with zero errors', () => {
    for (const r of buildScenario().resources()) {
      const found = errors(core.validate(r));
      expect({ id: r.id, issues: found }).toEqual({ id: r.id, issues: [] });
    }
  });

  it('reports a missing required element (min) at the element', () => {
    expect(summary(core.validate({ resourceType: 'Encounter', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' } }))).toEqual(['error required Encounter.status']);
  });

  it('reports a missing required element inside a backbone element with its index', () => {
    const issues = core.validate({ resourceType: 'Patient', communication: [{ preferred: true }] });
    expect(summary(issues)).toEqual(['error required Patient.communication[0].language']);
    expect(issues[0].diagnostics).toContain('minimum required = 1, but only found 0');
  });

  it('reports a required element missing inside a datatype (Extension.url)', () => {
    expect(summary(core.validate({ resourceType: 'Patient', extension: [{ valueString: 'x' }] }))).toEqual(['error required Patient.extension[0].url']);
  });

  it('reports an array given for a single element and a single value given for a repeating one', () => {
    expect(summary(core.validate({ resourceType: 'Patient', gender: ['male'], name: { family: 'A' } }))).toEqual([
      'error structure Patient.name',
      'error structure Patient.gender',
    ]);
  });

  it('reports a value of the wrong JSON type', () => {
    const issues = core.validate({ resourceType: 'Patient', active: 'yes', identifier: [{ system: 42 }] });
    expect(summary(issues)).toEqual(['error structure Patient.identifier[0].system', 'error structure Patient.active']);
    expect(issues[1].diagnostics).toBe('Patient.active: expected a boolean value but found string "yes"');
  });

  it('reports an object where a primitive is expected and vice versa', () => {
    expect(summary(core.validate({ resourceType: 'Patient', birthDate: { value: '2000' }, maritalStatus: 'M' }))).toEqual([
      'error structure Patient.birthDate', 'error structure Patient.maritalStatus',
    ]);
  });

  it('reports a choice type suffix that is not allowed, and two suffixes for one choice', () => {
    expect(summary(core.validate({ resourceType: 'Patient', deceasedString: 'yes' }))).toEqual(['error structure Patient.deceased']);
    const two = core.validate({ resourceType: 'Patient', deceasedBoolean: true, deceasedDateTime: '2020-01-01' });
    expect(summary(two)).toEqual(['error structure Patient.deceased']);
    expect(two[0].diagnostics).toContain('only one type of deceased[x]');
  });

  it('reports unknown elements at the root and nested, with indexes', () => {
    expect(summary(core.validate({ resourceType: 'Patient', foo: 1, name: [{ family: 'A' }, { family: 'B', nickname: 'C' }] }))).toEqual([
      'error structure Patient.foo', 'error structure Patient.name[1].nickname',
    ]);
  });

  it('accepts primitive companions (_element) with extensions and rejects unknown keys in them', () => {
    const dar = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
    expect(errors(core.validate({ resourceType: 'Patient', _birthDate: { extension: [{ url: dar, valueCode: 'unknown' }] } }))).toEqual([]);
    expect(summary(core.validate({ resourceType: 'Patient', _birthDate: { bogus: 1 } }))).toEqual(['error structure Patient.birthDate.bogus']);
  });

  it('reports a code outside a required core binding (Patient.gender)', () => {
    const issues = core.validate({ resourceType: 'Patient', gender: 'f' });
    expect(summary(issues)).toEqual(['error code-invalid Patient.gender']);
    expect(issues[0].diagnostics).toContain('http://hl7.org/fhir/ValueSet/administrative-gender');
  });

  it('reports an unknown code of a code system published in full, and warns on an extensible binding', () => {
    const issues = core.validate({
      resourceType: 'Patient',
      maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'ZZ' }] },
    });
    expect(summary(issues)).toEqual(['error code-invalid Patient.maritalStatus.coding[0].code', 'warning code-invalid Patient.maritalStatus']);
  });

  it('leaves codes of systems it cannot enumerate (LOINC, SNOMED) alone', () => {
    expect(core.validate({
      resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: 'not-a-real-code' }] },
    })).toEqual([]);
  });

  it('reports a literal reference to a type the element does not allow', () => {
    const issues = core.validate({ resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: 'Practitioner/1' } });
    expect(summary(issues)).toEqual(['error structure Encounter.subject']);
    expect(issues[0].diagnostics).toContain('must be Patient or Group');
    const ok = core.validate({ resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: 'https://x.org/fhir/Group/1' } });
    expect(ok).toEqual([]);
  });

  it('resolves contained and Bundle references to their types', () => {
    const contained = core.validate({
      resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: '#o' },
      contained: [{ resourceType: 'Organization', id: 'o' }],
    });
    expect(summary(contained)).toEqual(['error structure Encounter.subject']);
    const bundle = core.validate({
      resourceType: 'Bundle', type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:9d1b0c5e-2f0a-4c43-9b1e-1f2d3c4b5a69', resource: { resourceType: 'Practitioner' } },
        { fullUrl: 'urn:uuid:77aa1f3c-5b2d-4e6f-8a9b-0c1d2e3f4a5b', resource: { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: 'urn:uuid:9d1b0c5e-2f0a-4c43-9b1e-1f2d3c4b5a69' } } },
      ],
    });
    expect(summary(bundle)).toEqual(['error structure Bundle.entry[1].resource.subject']);
  });

  it('validates contained resources and Bundle entries recursively', () => {
    expect(summary(core.validate({ resourceType: 'Patient', contained: [{ resourceType: 'Practitioner', id: 'p', active: 1 }] })))
      .toEqual(['error structure Patient.contained[0].active']);
    expect(summary(core.validate({ resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'Patient', gender: 'x' } }] })))
      .toEqual(['error code-invalid Bundle.entry[0].resource.gender']);
    expect(summary(core.validate({ resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'NotAType' } }] })))
      .toEqual(['error structure Bundle.entry[0].resource']);
  });

  it('validates known core extensions against their definitions (value type and context)', () => {
    const birthPlace = 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace';
    expect(summary(core.validate({ resourceType: 'Patient', extension: [{ url: birthPlace, valueString: 'Richmond' }] })))
      .toEqual(['error structure Patient.extension[0].value']);
    expect(summary(core.validate({ resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, extension: [{ url: birthPlace, valueAddress: { city: 'R' } }] })))
      .toEqual(['error extension Encounter.extension[0]']);
  });

  it('notes foreign extensions it has no definition for, without an error', () => {
    expect(summary(core.validate({ resourceType: 'Patient', extension: [{ url: 'http://example.org/x', valueString: 'y' }] })))
      .toEqual(['information extension Patient.extension[0]']);
    expect(summary(core.validate({ resourceType: 'Patient', modifierExtension: [{ url: 'http://example.org/x', valueString: 'y' }] })))
      .toEqual(['error extension Patient.modifierExtension[0]']);
  });
});

describe('profiles', () => {
  it('accepts an instance that meets the profile', () => {
    expect(validator.validate(goodEncounter())).toEqual([]);
  });

  it('tightened cardinality (min): a profile-required element is missing', () => {
    const e = goodEncounter();
    delete e.subject;
    const issues = validator.validate(e);
    expect(summary(issues)).toEqual(['error required Encounter.subject']);
    expect(issues[0].diagnostics).toBe(`Encounter.subject: minimum required = 1, but only found 0 (from ${PROFILE})`);
  });

  it('tightened cardinality (max): more repeats than the profile allows', () => {
    const e = goodEncounter();
    e.identifier = [{ system: `${T}/sid/mrn`, value: 'A1' }, { system: `${T}/sid/mrn`, value: 'A2' }, { system: `${T}/sid/mrn`, value: 'A3' }];
    expect(summary(validator.validate(e))).toEqual(['error structure Encounter.identifier', 'error structure Encounter.identifier']);
    expect(validator.validate(e).map((i) => i.diagnostics)).toEqual([
      `Encounter.identifier: maximum allowed = 2, but found 3 (from ${PROFILE})`,
      `Encounter.identifier: slice 'mrn': maximum allowed = 1, but found 3 (from ${PROFILE})`,
    ]);
  });

  it('reports a problem the base and the profile share only once', () => {
    const e = goodEncounter();
    delete e.status;
    expect(summary(validator.validate(e))).toEqual(['error required Encounter.status']);
  });

  it('fixed value: a different code is rejected', () => {
    const e = goodEncounter();
    e.status = 'in-progress';
    e.period = { start: '2026-03-10T10:00:00-05:00' };
    const issues = validator.validate(e);
    expect(summary(issues)).toEqual(['error value Encounter.status']);
    expect(issues[0].diagnostics).toContain('value must be exactly "finished"');
  });

  it('pattern and pattern slicing: a type without the kind coding misses the required slice', () => {
    const e = goodEncounter();
    e.type = [{ coding: [{ system: 'http://example.org/other', code: 'x' }] }];
    const issues = validator.validate(e);
    expect(summary(issues)).toEqual(['error required Encounter.type']);
    expect(issues[0].diagnostics).toContain("slice 'kind': minimum required = 1, but only found 0");
  });

  it('extensible binding to our value set: warning; code unknown in our code system: error', () => {
    const e = goodEncounter();
    e.serviceType = { coding: [{ system: 'http://example.org/other', code: 'pss' }] };
    expect(summary(validator.validate(e))).toEqual(['warning code-invalid Encounter.serviceType']);
    e.serviceType = { coding: [{ system: CS_PROGRAM, code: 'nope' }] };
    expect(summary(validator.validate(e))).toEqual(['error code-invalid Encounter.serviceType.coding[0].code', 'warning code-invalid Encounter.serviceType']);
  });

  it('extension slice: a required extension is missing', () => {
    const e = goodEncounter();
    e.extension = [{ url: EXT_PRESENT, valueBoolean: true }];
    const issues = validator.validate(e);
    expect(summary(issues)).toEqual(['error required Encounter.extension']);
    expect(issues[0].diagnostics).toContain(`extension ${EXT_PROGRAM} (slice 'program'): minimum required = 1, but only found 0`);
  });

  it('extension slice: one too many', () => {
    const e = goodEncounter();
    e.extension = [{ url: EXT_PROGRAM, valueCode: 'arts' }, { url: EXT_PROGRAM, valueCode: 'mh' }];
    expect(summary(validator.validate(e))).toEqual(['error structure Encounter.extension']);
  });

  it('extension: wrong value type', () => {
    const e = goodEncounter();
    e.extension = [{ url: EXT_PROGRAM, valueCode: 'arts' }, { url: EXT_PRESENT, valueString: 'yes' }];
    const issues = validator.validate(e);
    expect(summary(issues)).toEqual(['error structure Encounter.extension[1].value']);
    expect(issues[0].diagnostics).toBe(`Encounter.extension[1].value: type 'string' is not allowed here; allowed: boolean (from ${EXT_PRESENT})`);
  });

  it('extension: value outside the required binding of its definition', () => {
    const e = goodEncounter();
    e.extension = [{ url: EXT_PROGRAM, valueCode: 'dental' }];
    expect(summary(validator.validate(e))).toEqual(['error code-invalid Encounter.extension[0].valueCode']);
  });

  it('extension: used outside its context', () => {
    const issues = validator.validate({ resourceType: 'Patient', extension: [{ url: EXT_PROGRAM, valueCode: 'arts' }] });
    expect(summary(issues)).toEqual(['error extension Patient.extension[0]']);
    expect(issues[0].diagnostics).toContain('allowed contexts: Encounter, CarePlan; this element is Patient');
  });

  it('extension: an unknown extension in our own namespace is an error', () => {
    const e = goodEncounter();
    (e.extension as unknown[]).push({ url: `${T}/StructureDefinition/no-such-extension`, valueBoolean: true });
    expect(summary(validator.validate(e))).toEqual(['error extension Encounter.extension[2]']);
  });

  it('complex extension: accepted when whole, allowed on a nested element context', () => {
    const plan = {
      resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/1' },
      extension: [{ url: EXT_SIGNATURE, extension: [{ url: 'role', valueCode: 'prs' }, { url: 'party', valueReference: { reference: 'PractitionerRole/r' } }] }],
      activity: [{ detail: { status: 'scheduled', extension: [{ url: EXT_SIGNATURE, extension: [{ url: 'role', valueCode: 'prs' }, { url: 'party', valueReference: { reference: 'Patient/1' } }] }] } }],
    };
    expect(validator.validate(plan)).toEqual([]);
  });

  it('complex extension: missing part, wrong part type, undefined part', () => {
    const plan = {
      resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/1' },
      extension: [{
        url: EXT_SIGNATURE,
        extension: [{ url: 'role', valueCode: 'prs' }, { url: 'date', valueString: 'yesterday' }, { url: 'dat', valueDate: '2026-01-01' }],
      }],
    };
    expect(summary(validator.validate(plan))).toEqual([
      'error required CarePlan.extension[0].extension',
      'error structure CarePlan.extension[0].extension[1].value',
      'error structure CarePlan.extension[0].extension[2]',
    ]);
  });

  it('reference targetProfile narrows the allowed types', () => {
    const e = goodEncounter();
    e.participant = [{ individual: { reference: 'Practitioner/p1' } }];
    const issues = validator.validate(e);
    expect(summary(issues)).toEqual(['error structure Encounter.participant[0].individual']);
    expect(issues[0].diagnostics).toContain('must be PractitionerRole');
  });

  it('closed slicing: an item matching no slice is rejected at its index', () => {
    const e = goodEncounter();
    e.identifier = [{ system: `${T}/sid/mrn`, value: 'A1' }, { system: 'http://example.org/other', value: 'B' }];
    const issues = validator.validate(e);
    expect(summary(issues)).toEqual(['error structure Encounter.identifier[1]']);
    expect(issues[0].diagnostics).toContain('does not match any slice');
  });

  it('profile constraint (FHIRPath) on the resource and on a repeating element', () => {
    const e = goodEncounter();
    e.period = { start: '2026-03-10T10:00:00-05:00' };
    e.participant = [{ type: [{ text: 'observer' }] }];
    const issues = validator.validate(e);
    expect(summary(issues)).toEqual(['warning invariant Encounter.participant[0]', 'error invariant Encounter']);
    expect(issues[1].diagnostics).toBe(`Encounter: constraint failed: tst-1: A finished encounter has an end (from ${PROFILE})`);
  });

  it('an unknown profile asked for explicitly is an error, never ignored', () => {
    const issues = validator.validate({ resourceType: 'Patient' }, { profiles: ['http://example.org/StructureDefinition/nope'] });
    expect(summary(issues)).toEqual(['error processing Patient']);
    expect(issues[0].diagnostics).toBe('Profile http://example.org/StructureDefinition/nope is unknown');
  });

  it('an unknown meta.profile: warning when foreign (as the HL7 validator does), error in our namespace', () => {
    const foreign = validator.validate({ resourceType: 'Patient', meta: { profile: ['http://example.org/StructureDefinition/nope'] } });
    expect(summary(foreign)).toEqual(['warning processing Patient.meta.profile[0]']);
    const ours = validator.validate({ resourceType: 'Patient', meta: { profile: [`${T}/StructureDefinition/nope`] } });
    expect(summary(ours)).toEqual(['error processing Patient.meta.profile[0]']);
  });

  it('a profile for another resource type is an error', () => {
    const issues = validator.validate({ resourceType: 'Patient' }, { profiles: [PROFILE] });
    expect(summary(issues)).toEqual(['error processing Patient']);
    expect(issues[0].diagnostics).toContain('is for Encounter, not Patient');
  });

  it('applies an explicitly requested profile to a resource that does not claim it', () => {
    const e = goodEncounter();
    delete e.meta;
    delete e.subject;
    expect(validator.validate(e)).toEqual([]);
    expect(summary(validator.validate(e, { profiles: [`${PROFILE}|0.1.0`] }))).toEqual(['error required Encounter.subject']);
  });

  it('validates a Bundle entry against the profile it claims', () => {
    const e = goodEncounter();
    delete e.subject;
    expect(summary(validator.validate({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: e }] })))
      .toEqual(['error required Bundle.entry[0].resource.subject']);
  });
});

describe('as a stage of the validator chain', () => {
  const stage = createProfileStage(validator);

  it('runs at the profile level and tells requested profiles from claimed ones', () => {
    expect(stage).toMatchObject({ name: 'profile', level: 'profile' });
    const claimed = { resourceType: 'Patient', meta: { profile: ['http://example.org/StructureDefinition/nope'] } };
    // The chain merges meta.profile into ctx.profiles; an unknown claimed foreign profile stays a warning.
    expect(summary(stage.validate(claimed, { resourceType: 'Patient', level: 'profile', profiles: ['http://example.org/StructureDefinition/nope'] })))
      .toEqual(['warning processing Patient.meta.profile[0]']);
    expect(summary(stage.validate({ resourceType: 'Patient' }, { resourceType: 'Patient', level: 'profile', profiles: ['http://example.org/StructureDefinition/nope'] })))
      .toEqual(['error processing Patient']);
  });
});
