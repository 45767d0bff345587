import { buildScenario } from '../../prss/scenario';
import { CS, PROFILE, SYSTEM } from '../../prss/terminology';
import { parseDateRange } from './dates';
import { getSearchParam, resourceTypes, searchParamsOf } from './definitions';
import { extractIndexRows, normalizeString } from './extract';
import { isCompiledFast } from './path-evaluator';
import { parseReference } from './references';
import type { IndexRows } from './types';

type R = { resourceType: string } & Record<string, unknown>;
const rows = (r: unknown) => extractIndexRows(r as R);
/** The rows of one parameter in one table, without the `param` key. */
const of = (ix: IndexRows, table: keyof IndexRows, param: string): Record<string, unknown>[] =>
  (ix[table] as { param: string }[]).filter((x) => x.param === param).map(({ param: _p, ...rest }) => rest);

describe('search parameter definitions', () => {
  it('loads the official R4 bundle for every resource type, including Resource-level parameters', () => {
    // R4 4.0.1 defines 146 concrete resource types; the abstract Resource/DomainResource are not searchable.
    expect(resourceTypes()).toHaveLength(146);
    expect(resourceTypes()).not.toContain('DomainResource');
    expect(getSearchParam('Patient', 'birthdate')).toMatchObject({ type: 'date', expression: expect.stringContaining('Patient.birthDate') });
    expect(getSearchParam('CarePlan', 'subject')?.target).toEqual(expect.arrayContaining(['Patient', 'Group']));
    expect(getSearchParam('Binary', '_id')?.type).toBe('token');
    expect(getSearchParam('Encounter', '_profile')?.type).toBe('uri');
    expect(getSearchParam('Encounter', 'nonexistent')).toBeUndefined();
    expect(searchParamsOf('Claim').map((d) => d.code)).toEqual(expect.arrayContaining(['patient', 'created', 'provider', 'status', 'use']));
  });

  it('compiles every R4 expression member to the fast path except the two that need full FHIRPath', () => {
    const slow: string[] = [];
    for (const t of resourceTypes()) {
      for (const d of searchParamsOf(t)) {
        if (!d.expression || d.type === 'composite') continue;
        for (const part of d.expression.split(' | ')) {
          const root = /^\(*([A-Za-z]+)/.exec(part)?.[1];
          if ((root === t || root === 'Resource') && !isCompiledFast(t, part)) slow.push(`${t}.${d.code}`);
        }
      }
    }
    // Patient.deceased uses exists()/!=; DeviceDefinition.classification names an element R4 does not have.
    expect(slow.sort()).toEqual(['DeviceDefinition.classification', 'Patient.deceased']);
  });
});

describe('dates as ranges', () => {
  it('covers the whole unit written, taking a value without a zone as UTC', () => {
    expect(parseDateRange('2026')).toMatchObject({ lo: '2026-01-01T00:00:00.000Z', hi: '2026-12-31T23:59:59.999999Z' });
    expect(parseDateRange('2026-02')).toMatchObject({ lo: '2026-02-01T00:00:00.000Z', hi: '2026-02-28T23:59:59.999999Z' });
    expect(parseDateRange('2026-03-10')).toMatchObject({ lo: '2026-03-10T00:00:00.000Z', hi: '2026-03-10T23:59:59.999999Z' });
    expect(parseDateRange('2026-03-10T10:00:00-05:00')).toMatchObject({ lo: '2026-03-10T15:00:00.000Z', hi: '2026-03-10T15:00:00.999999Z' });
    expect(parseDateRange('2026-03-10T10:00')).toMatchObject({ lo: '2026-03-10T10:00:00.000Z', hi: '2026-03-10T10:00:59.999999Z' });
    expect(parseDateRange('2026-03-10T10:00:00.25Z')).toMatchObject({ lo: '2026-03-10T10:00:00.250Z', hi: '2026-03-10T10:00:00.259999Z' });
  });

  it('rejects impossible dates', () => {
    for (const bad of ['2026-13', '2026-02-30', '2026-3-1', '20260310', '2026-03-10T25:00', 'yesterday', '2026-03-10T10:00+15:00']) {
      expect(parseDateRange(bad)).toBeUndefined();
    }
  });
});

describe('references', () => {
  it('reads relative, versioned, absolute, URN and contained references', () => {
    expect(parseReference('Patient/123')).toEqual({ targetType: 'Patient', targetId: '123', url: null });
    expect(parseReference('Patient/123/_history/4')).toEqual({ targetType: 'Patient', targetId: '123', url: null });
    expect(parseReference('https://ehr.example.org/fhir/Patient/9')).toEqual({ targetType: 'Patient', targetId: '9', url: 'https://ehr.example.org/fhir/Patient/9' });
    expect(parseReference('urn:uuid:6f1c')).toEqual({ targetType: null, targetId: null, url: 'urn:uuid:6f1c' });
    expect(parseReference('#contained')).toBeUndefined();
    expect(parseReference('Nonsense/1')).toBeUndefined();
  });
});

describe('extractIndexRows', () => {
  const s = buildScenario();

  it('indexes a Patient: names normalised, identifier as system|value, birthdate as the whole day', () => {
    const ix = rows({ ...s.member, name: [{ family: 'Núñez', given: ['María', 'José'], prefix: ['Ms'], text: 'María José Núñez' }] });
    expect(of(ix, 'string', 'family')).toEqual([{ value: 'nunez', exact: 'Núñez' }]);
    expect(of(ix, 'string', 'given')).toEqual([{ value: 'maria', exact: 'María' }, { value: 'jose', exact: 'José' }]);
    expect(of(ix, 'string', 'name').map((r) => String(r.exact)).sort()).toEqual(['José', 'María', 'María José Núñez', 'Ms', 'Núñez']);
    expect(of(ix, 'token', 'identifier')).toEqual([{ system: 'http://prss.example.org/fhir/sid/medicaid-id', code: s.member.identifier![0].value, text: null }]);
    expect(of(ix, 'date', 'birthdate')).toEqual([{ lo: '1990-05-01T00:00:00.000Z', hi: '1990-05-01T23:59:59.999999Z' }]);
    expect(of(ix, 'token', 'gender')).toEqual([{ system: null, code: 'unknown', text: null }]);
    expect(of(ix, 'token', 'active')).toEqual([{ system: null, code: 'true', text: null }]);
    expect(of(ix, 'string', 'address-state')).toEqual([{ value: 'va', exact: 'VA' }]);
    expect(of(ix, 'uri', '_profile')).toEqual([{ value: PROFILE.member }]);
  });

  it('indexes a CarePlan: subject and patient, both categories, status, date from the period', () => {
    const ix = rows(s.plan);
    expect(of(ix, 'reference', 'subject')).toEqual([{ targetType: 'Patient', targetId: 'member-1', url: null }]);
    expect(of(ix, 'reference', 'patient')).toEqual([{ targetType: 'Patient', targetId: 'member-1', url: null }]);
    expect(of(ix, 'token', 'category')).toEqual([
      { system: CS.careplanCategory, code: 'rrwp', text: null },
      { system: SYSTEM.usCoreCarePlanCategory, code: 'assess-plan', text: null },
    ]);
    expect(of(ix, 'token', 'status')).toEqual([{ system: null, code: 'active', text: null }]);
    // An open-ended period runs to infinity.
    expect(of(ix, 'date', 'date')).toEqual([{ lo: '2026-01-12T00:00:00.000Z', hi: 'infinity' }]);
    expect(of(ix, 'reference', 'goal')).toEqual([{ targetType: 'Goal', targetId: 'goal-1', url: null }]);
  });

  it('indexes patient only for subjects that are Patients (where(resolve() is Patient))', () => {
    const ix = rows({ ...s.plan, subject: { reference: 'Group/g1' } });
    expect(of(ix, 'reference', 'subject')).toEqual([{ targetType: 'Group', targetId: 'g1', url: null }]);
    expect(of(ix, 'reference', 'patient')).toEqual([]);
  });

  it('indexes an Encounter: date from the period in UTC, type codings, participant, based-on', () => {
    const ix = rows(s.session);
    expect(of(ix, 'date', 'date')).toEqual([{ lo: '2026-03-10T15:00:00.000Z', hi: '2026-03-10T16:00:00.999999Z' }]);
    expect(of(ix, 'token', 'type').map((t) => t.code)).toEqual(['session', 'individual']);
    expect(of(ix, 'token', 'class')).toEqual([{ system: SYSTEM.actCode, code: 'AMB', text: null }]);
    expect(of(ix, 'reference', 'participant')).toEqual([{ targetType: 'PractitionerRole', targetId: 'prs-role-1', url: null }]);
    expect(of(ix, 'reference', 'based-on')).toEqual([{ targetType: 'ServiceRequest', targetId: 'assessment-1', url: null }]);
    expect(of(ix, 'reference', 'patient')).toEqual([{ targetType: 'Patient', targetId: 'member-1', url: null }]);
  });

  it('indexes a Claim: created, patient, provider, status, use, identifier', () => {
    const ix = rows(s.claim);
    expect(of(ix, 'date', 'created')).toEqual([{ lo: '2026-03-11T00:00:00.000Z', hi: '2026-03-11T23:59:59.999999Z' }]);
    expect(of(ix, 'reference', 'patient')).toEqual([{ targetType: 'Patient', targetId: 'member-1', url: null }]);
    expect(of(ix, 'reference', 'provider')).toEqual([{ targetType: 'Organization', targetId: 'provider-1', url: null }]);
    expect(of(ix, 'token', 'use')).toEqual([{ system: null, code: 'claim', text: null }]);
    expect(of(ix, 'token', 'identifier')).toEqual([{ system: 'http://prss.example.org/fhir/sid/claim-number', code: 'CLM-1-2026-03-10', text: null }]);
  });

  it('indexes choice elements by their JSON type: value-quantity, value-concept, effective as dateTime or Period', () => {
    const quantity = rows({
      resourceType: 'Observation', status: 'final', subject: { reference: 'https://ehr.example.org/fhir/Patient/9' },
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic BP' }], text: 'Systolic' },
      valueQuantity: { value: 120.5, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      effectiveDateTime: '2026-03',
    });
    expect(of(quantity, 'quantity', 'value-quantity')).toEqual([{ value: '120.5', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' }]);
    expect(of(quantity, 'token', 'value-concept')).toEqual([]);
    expect(of(quantity, 'date', 'date')).toEqual([{ lo: '2026-03-01T00:00:00.000Z', hi: '2026-03-31T23:59:59.999999Z' }]);
    expect(of(quantity, 'token', 'code')).toEqual([{ system: 'http://loinc.org', code: '8480-6', text: 'Systolic' }]);
    expect(of(quantity, 'reference', 'subject')).toEqual([{ targetType: 'Patient', targetId: '9', url: 'https://ehr.example.org/fhir/Patient/9' }]);

    const concept = rows({
      resourceType: 'Observation', status: 'final', code: { text: 'smoking' },
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '8517006' }], text: 'Ex-smoker' },
      effectivePeriod: { start: '2026-01-01', end: '2026-01-31' },
    });
    expect(of(concept, 'token', 'value-concept')).toEqual([{ system: 'http://snomed.info/sct', code: '8517006', text: 'Ex-smoker' }]);
    expect(of(concept, 'string', 'value-string')).toEqual([{ value: 'ex-smoker', exact: 'Ex-smoker' }]);
    expect(of(concept, 'quantity', 'value-quantity')).toEqual([]);
    expect(of(concept, 'date', 'date')).toEqual([{ lo: '2026-01-01T00:00:00.000Z', hi: '2026-01-31T23:59:59.999999Z' }]);
    expect(of(concept, 'token', 'code')).toEqual([{ system: null, code: null, text: 'smoking' }]);
  });

  it('indexes Condition onset as dateTime or Age, and MedicationRequest medication as concept or reference', () => {
    expect(of(rows({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, onsetDateTime: '2025-12-20' }), 'date', 'onset-date'))
      .toEqual([{ lo: '2025-12-20T00:00:00.000Z', hi: '2025-12-20T23:59:59.999999Z' }]);
    expect(of(rows({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, onsetAge: { value: 30, system: 'http://unitsofmeasure.org', code: 'a' } }), 'quantity', 'onset-age'))
      .toEqual([{ value: '30', system: 'http://unitsofmeasure.org', code: 'a' }]);
    const byCode = rows({ resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/1' }, medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1010600' }] } });
    expect(of(byCode, 'token', 'code')).toEqual([{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1010600', text: null }]);
    expect(of(byCode, 'reference', 'medication')).toEqual([]);
    const byRef = rows({ resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/1' }, medicationReference: { reference: 'Medication/m1' } });
    expect(of(byRef, 'reference', 'medication')).toEqual([{ targetType: 'Medication', targetId: 'm1', url: null }]);
  });

  it('indexes telecom filtered by system, deceased via full FHIRPath, and Money amounts as quantities', () => {
    const ix = rows({
      resourceType: 'Patient', deceasedDateTime: '2020-01-01',
      telecom: [{ system: 'phone', value: '540-555-0100' }, { system: 'email', value: 'sam@example.org' }],
    });
    expect(of(ix, 'token', 'phone')).toEqual([{ system: 'phone', code: '540-555-0100', text: null }]);
    expect(of(ix, 'token', 'email')).toEqual([{ system: 'email', code: 'sam@example.org', text: null }]);
    expect(of(ix, 'token', 'deceased')).toEqual([{ system: null, code: 'true', text: null }]);
    expect(of(ix, 'date', 'death-date')).toEqual([{ lo: '2020-01-01T00:00:00.000Z', hi: '2020-01-01T23:59:59.999999Z' }]);
    expect(of(rows({ resourceType: 'Patient' }), 'token', 'deceased')).toEqual([{ system: null, code: 'false', text: null }]);

    const invoice = rows({ resourceType: 'Invoice', status: 'issued', totalNet: { value: 100, currency: 'USD' } });
    expect(of(invoice, 'quantity', 'totalnet')).toEqual([{ value: '100', system: 'urn:iso:std:iso:4217', code: 'USD' }]);
  });

  it('leaves the resource untouched when full FHIRPath is used', () => {
    const patient = { resourceType: 'Patient', deceasedBoolean: true };
    const before = JSON.stringify(patient);
    rows(patient);
    expect(JSON.stringify(patient)).toBe(before);
  });

  it('deduplicates rows and skips _id/_lastUpdated (handled natively)', () => {
    const ix = rows({
      ...s.member, meta: { lastUpdated: '2026-01-01T00:00:00Z', profile: [PROFILE.member] },
      identifier: [s.member.identifier![0], s.member.identifier![0]], name: [{ family: 'Rivera' }, { family: 'Rivera' }],
    });
    expect(of(ix, 'token', 'identifier')).toHaveLength(1);
    expect(of(ix, 'string', 'family')).toHaveLength(1);
    expect(of(ix, 'token', '_id')).toEqual([]);
    expect(of(ix, 'date', '_lastUpdated')).toEqual([]);
  });

  it('normalises strings: lower case, no diacritics', () => {
    expect(normalizeString('ÅNGSTRÖM Çelik')).toBe('angstrom celik');
  });
});
