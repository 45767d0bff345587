/**
 * The search SQL run for real: an in-memory PGlite with the store's schema, resources indexed by
 * extractIndexRows, and `SELECT r.id … WHERE <criteria> ORDER BY <sort>` as the store composes it.
 */
import type { SqlClient } from '../sql';
import { SqlParams } from '../sql';
import { PROFILE } from '../../prss/terminology';
import { criteriaSql } from './search-sql';
import { parseSearch } from '../../fhir/search/parse';
import { insertIndexed, openSearchDb, searchIds } from './search-test-db';

const MEDICAID = 'http://prss.example.org/fhir/sid/medicaid-id';
const UCUM = 'http://unitsofmeasure.org';
const CATEGORY = 'http://prss.example.org/fhir/CodeSystem/prss-careplan-category';

const resources: [Record<string, unknown> & { resourceType: string; id: string }, string][] = [
  [{
    resourceType: 'Patient', id: 'p1', meta: { profile: [PROFILE.member] }, active: true, gender: 'male', birthDate: '1990-05-01',
    name: [{ family: 'Rivera', given: ['Sam'] }], identifier: [{ system: MEDICAID, value: 'MCD1' }],
  }, '2026-01-01T00:00:00Z'],
  [{
    resourceType: 'Patient', id: 'p2', meta: { profile: ['http://prss.example.org/fhir/StructureDefinition/prss-caregiver'] }, gender: 'female',
    birthDate: '1990-05-31', name: [{ family: 'Núñez', given: ['María'] }],
    identifier: [{ system: MEDICAID, value: 'MCD2' }, { value: 'MCD1' }],
  }, '2026-02-01T00:00:00Z'],
  [{ resourceType: 'Patient', id: 'p3', gender: 'male', birthDate: '1985-12-15', name: [{ family: 'Riverside', given: ['Alex'] }] }, '2026-03-01T00:00:00Z'],
  [{ resourceType: 'Patient', id: 'p4' }, '2026-03-15T12:00:00Z'],

  [{ resourceType: 'CarePlan', id: 'cp1', status: 'active', intent: 'plan', subject: { reference: 'Patient/p1' }, category: [{ coding: [{ system: CATEGORY, code: 'rrwp' }] }], period: { start: '2026-01-12' } }, '2026-01-02T00:00:00Z'],
  [{ resourceType: 'CarePlan', id: 'cp2', status: 'completed', intent: 'plan', subject: { reference: 'Patient/p2' }, category: [{ coding: [{ system: 'http://other', code: 'rrwp' }] }], period: { start: '2025-01-01', end: '2025-12-31' } }, '2026-01-03T00:00:00Z'],
  [{ resourceType: 'CarePlan', id: 'cp3', status: 'active', intent: 'plan', subject: { reference: 'https://ehr.example.org/fhir/Patient/p1' } }, '2026-01-04T00:00:00Z'],
  [{ resourceType: 'CarePlan', id: 'cp4', status: 'active', intent: 'plan', subject: { reference: 'Group/p1' } }, '2026-01-05T00:00:00Z'],
  [{ resourceType: 'CarePlan', id: 'cp5', status: 'draft', intent: 'plan' }, '2026-01-06T00:00:00Z'],

  [{ resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, period: { start: '2026-03-10T10:00:00-05:00', end: '2026-03-10T11:00:00-05:00' } }, '2026-04-01T00:00:00Z'],
  [{ resourceType: 'Encounter', id: 'e2', status: 'finished', class: { code: 'AMB' }, period: { start: '2026-03-31T23:00:00Z', end: '2026-04-01T01:00:00Z' } }, '2026-04-01T00:00:00Z'],
  [{ resourceType: 'Encounter', id: 'e3', status: 'finished', class: { code: 'AMB' }, period: { start: '2026-02-15', end: '2026-02-15' } }, '2026-04-01T00:00:00Z'],
  [{ resourceType: 'Encounter', id: 'e4', status: 'planned', class: { code: 'AMB' } }, '2026-04-01T00:00:00Z'],
  [{ resourceType: 'Encounter', id: 'e5', status: 'finished', class: { code: 'AMB' }, period: { start: '2020-01-01T09:00:00Z', end: '2020-01-01T10:00:00Z' } }, '2026-04-01T00:00:00Z'],

  [{ resourceType: 'RiskAssessment', id: 'ra1', status: 'final', subject: { reference: 'Patient/p1' }, prediction: [{ probabilityDecimal: 0.8 }] }, '2026-04-02T00:00:00Z'],
  [{ resourceType: 'RiskAssessment', id: 'ra2', status: 'final', subject: { reference: 'Patient/p1' }, prediction: [{ probabilityDecimal: 0.25 }] }, '2026-04-02T00:00:00Z'],
  [{ resourceType: 'RiskAssessment', id: 'ra3', status: 'final', subject: { reference: 'Patient/p1' }, prediction: [{ probabilityDecimal: 100 }] }, '2026-04-02T00:00:00Z'],

  [{ resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }], text: 'Systolic blood pressure' }, valueQuantity: { value: 120, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } }, '2026-04-03T00:00:00Z'],
  [{ resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'Dose' }, valueQuantity: { value: 5.4, unit: 'milligram', system: UCUM, code: 'mg' } }, '2026-04-03T00:00:00Z'],
  [{ resourceType: 'Observation', id: 'o3', status: 'final', code: { text: 'Dose' }, valueQuantity: { value: 5.4, unit: 'mg' } }, '2026-04-03T00:00:00Z'],
];

let db: SqlClient;
beforeAll(async () => {
  db = await openSearchDb();
  for (const [r, lastUpdated] of resources) await insertIndexed(db, r, lastUpdated);
});
afterAll(async () => {
  await db.close();
});

const ids = (type: string, query: string) => searchIds(db, type, query);
const sorted = async (type: string, query: string) => (await ids(type, query)).sort();

describe('token search', () => {
  it('matches code in any system, system|code, |code (no system) and system|', async () => {
    expect(await sorted('Patient', 'identifier=MCD1')).toEqual(['p1', 'p2']);
    expect(await sorted('Patient', `identifier=${MEDICAID}|MCD1`)).toEqual(['p1']);
    expect(await sorted('Patient', 'identifier=|MCD1')).toEqual(['p2']);
    expect(await sorted('Patient', `identifier=${MEDICAID}|`)).toEqual(['p1', 'p2']);
    expect(await sorted('CarePlan', `category=${CATEGORY}|rrwp`)).toEqual(['cp1']);
    expect(await sorted('CarePlan', 'category=rrwp')).toEqual(['cp1', 'cp2']);
  });

  it('ORs comma values and ANDs repeated parameters', async () => {
    expect(await sorted('Patient', 'gender=male,female')).toEqual(['p1', 'p2', 'p3']);
    expect(await sorted('Patient', 'gender=male&identifier=MCD1')).toEqual(['p1']);
  });

  it(':not excludes matching resources and keeps those without a value', async () => {
    expect(await sorted('Patient', 'gender:not=male')).toEqual(['p2', 'p4']);
    expect(await sorted('CarePlan', 'status:not=active,draft')).toEqual(['cp2']);
  });

  it(':text matches the start of the concept text, case-insensitively', async () => {
    expect(await sorted('Observation', 'code:text=systolic')).toEqual(['o1']);
    expect(await sorted('Observation', 'code:text=DOSE')).toEqual(['o2', 'o3']);
  });
});

describe('reference search', () => {
  it('matches Type/id, a bare id of any type, the type modifier and an absolute URL', async () => {
    expect(await sorted('CarePlan', 'subject=Patient/p1')).toEqual(['cp1']);
    expect(await sorted('CarePlan', 'subject=p1')).toEqual(['cp1', 'cp4']);
    expect(await sorted('CarePlan', 'subject:Patient=p1')).toEqual(['cp1']);
    expect(await sorted('CarePlan', 'subject=https://ehr.example.org/fhir/Patient/p1')).toEqual(['cp1', 'cp3']);
    expect(await sorted('CarePlan', 'subject=Group/p1,Patient/p2')).toEqual(['cp2', 'cp4']);
  });

  it('patient only finds subjects that are Patients', async () => {
    expect(await sorted('CarePlan', 'patient=p1')).toEqual(['cp1']);
  });
});

describe('date search', () => {
  it('eq at day and month precision requires the value to lie within the range', async () => {
    expect(await sorted('Encounter', 'date=2026-03-10')).toEqual(['e1']);
    expect(await sorted('Encounter', 'date=2026-03')).toEqual(['e1']); // e2 runs into April
    expect(await sorted('Patient', 'birthdate=1990-05')).toEqual(['p1', 'p2']);
    expect(await sorted('Patient', 'birthdate=1990-05-01')).toEqual(['p1']);
    expect(await sorted('Encounter', 'date=2026-02-15,2026-03-10')).toEqual(['e1', 'e3']);
  });

  it('ge / le / gt / lt compare the ranges', async () => {
    expect(await sorted('Encounter', 'date=ge2026-03-10')).toEqual(['e1', 'e2']);
    expect(await sorted('Encounter', 'date=le2026-03-10')).toEqual(['e1', 'e3', 'e5']);
    expect(await sorted('Encounter', 'date=gt2026-03-10')).toEqual(['e2']);
    expect(await sorted('Encounter', 'date=lt2026-03-10')).toEqual(['e3', 'e5']);
    expect(await sorted('Encounter', 'date=ge2026-03&date=lt2026-04')).toEqual(['e1', 'e2']);
    expect(await sorted('Patient', 'birthdate=ge1990-05-02')).toEqual(['p2']);
    expect(await sorted('Patient', 'birthdate=le1990-05-01')).toEqual(['p1', 'p3']);
  });

  it('sa / eb need the whole range after or before, ne is outside', async () => {
    expect(await sorted('Encounter', 'date=sa2026-03-10')).toEqual(['e2']);
    expect(await sorted('Encounter', 'date=sa2026-02')).toEqual(['e1', 'e2']);
    expect(await sorted('Encounter', 'date=eb2026-03')).toEqual(['e3', 'e5']);
    expect(await sorted('Encounter', 'date=ne2026-03')).toEqual(['e2', 'e3', 'e5']);
  });

  it('an open-ended period reaches every later date; ap finds nearby values only', async () => {
    expect(await sorted('CarePlan', 'date=ge2030-01-01')).toEqual(['cp1']);
    expect(await sorted('CarePlan', 'date=eb2026-01-01')).toEqual(['cp2']);
    const near = await sorted('Encounter', 'date=ap2026-03-10');
    expect(near).toContain('e1');
    expect(near).not.toContain('e5');
  });

  it(':missing finds resources with and without a value', async () => {
    expect(await sorted('Patient', 'birthdate:missing=true')).toEqual(['p4']);
    expect(await sorted('Encounter', 'date:missing=false')).toEqual(['e1', 'e2', 'e3', 'e5']);
  });
});

describe('string search', () => {
  it('matches the start of a name part, ignoring case and accents', async () => {
    expect(await sorted('Patient', 'name=riv')).toEqual(['p1', 'p3']);
    expect(await sorted('Patient', 'name=RIVERA')).toEqual(['p1']);
    expect(await sorted('Patient', 'family=nunez')).toEqual(['p2']);
    expect(await sorted('Patient', 'given=mar')).toEqual(['p2']);
  });

  it(':exact compares as written, :contains anywhere', async () => {
    expect(await sorted('Patient', 'family:exact=Rivera')).toEqual(['p1']);
    expect(await sorted('Patient', 'family:exact=rivera')).toEqual([]);
    expect(await sorted('Patient', 'family:exact=Núñez')).toEqual(['p2']);
    expect(await sorted('Patient', 'name:contains=VERS')).toEqual(['p3']);
    expect(await sorted('Patient', 'name:contains=ari')).toEqual(['p2']);
  });

  it('treats LIKE wildcards in the value literally', async () => {
    expect(await sorted('Patient', 'name=r%25')).toEqual([]);
    expect(await sorted('Patient', 'name=_ivera')).toEqual([]);
    expect(await sorted('Patient', 'name:missing=true')).toEqual(['p4']);
  });
});

describe('number and quantity search', () => {
  it('matches numbers within their precision and by prefix', async () => {
    expect(await sorted('RiskAssessment', 'probability=0.8')).toEqual(['ra1']);
    expect(await sorted('RiskAssessment', 'probability=100')).toEqual(['ra3']);
    expect(await sorted('RiskAssessment', 'probability=100.00')).toEqual(['ra3']);
    expect(await sorted('RiskAssessment', 'probability=gt0.5')).toEqual(['ra1', 'ra3']);
    expect(await sorted('RiskAssessment', 'probability=le0.25')).toEqual(['ra2']);
    expect(await sorted('RiskAssessment', 'probability=ne0.8')).toEqual(['ra2', 'ra3']);
    expect(await sorted('RiskAssessment', 'probability=ap0.27')).toEqual(['ra2']);
  });

  it('matches quantities by value, system and code (or unit)', async () => {
    expect(await sorted('Observation', 'value-quantity=5.4')).toEqual(['o2', 'o3']);
    expect(await sorted('Observation', `value-quantity=5.4|${UCUM}|mg`)).toEqual(['o2']);
    expect(await sorted('Observation', 'value-quantity=5.4||mg')).toEqual(['o2', 'o3']);
    expect(await sorted('Observation', 'value-quantity=gt100')).toEqual(['o1']);
    expect(await sorted('Observation', `value-quantity=lt10|${UCUM}|mg`)).toEqual(['o2']);
    expect(await sorted('Observation', 'value-quantity=le120||mm[Hg]')).toEqual(['o1']);
  });
});

describe('uri search', () => {
  it('matches exactly, :below by prefix and :above by the value being a prefix', async () => {
    expect(await sorted('Patient', `_profile=${PROFILE.member}`)).toEqual(['p1']);
    expect(await sorted('Patient', '_profile=http://prss.example.org/fhir/')).toEqual([]);
    expect(await sorted('Patient', '_profile:below=http://prss.example.org/fhir/')).toEqual(['p1', 'p2']);
    expect(await sorted('Patient', `_profile:above=${PROFILE.member}/v2`)).toEqual(['p1']);
  });
});

describe('_id and _lastUpdated', () => {
  it('match the resource columns', async () => {
    expect(await sorted('Patient', '_id=p1,p3')).toEqual(['p1', 'p3']);
    expect(await sorted('Patient', '_id:not=p1')).toEqual(['p2', 'p3', 'p4']);
    expect(await sorted('Patient', '_lastUpdated=gt2026-01-15')).toEqual(['p2', 'p3', 'p4']);
    expect(await sorted('Patient', '_lastUpdated=2026-02')).toEqual(['p2']);
    expect(await sorted('Patient', '_lastUpdated=le2026-02-01')).toEqual(['p1', 'p2']);
    expect(await sorted('Patient', '_lastUpdated=sa2026-03-01')).toEqual(['p4']);
  });
});

describe('sorting', () => {
  it('sorts by _id, _lastUpdated, dates and strings in both directions', async () => {
    expect(await ids('Patient', '_sort=-_id')).toEqual(['p4', 'p3', 'p2', 'p1']);
    expect(await ids('Patient', '_sort=-_lastUpdated')).toEqual(['p4', 'p3', 'p2', 'p1']);
    expect(await ids('Patient', 'birthdate:missing=false&_sort=birthdate')).toEqual(['p3', 'p1', 'p2']);
    expect(await ids('Patient', 'birthdate:missing=false&_sort=-birthdate')).toEqual(['p2', 'p1', 'p3']);
    expect(await ids('Patient', 'family:missing=false&_sort=family')).toEqual(['p2', 'p1', 'p3']);
    expect(await ids('Encounter', 'date:missing=false&_sort=date')).toEqual(['e5', 'e3', 'e1', 'e2']);
    expect(await ids('Encounter', 'date:missing=false&_sort=-date')).toEqual(['e2', 'e1', 'e3', 'e5']);
  });

  it('sorts by several keys: token then date descending', async () => {
    expect(await ids('Patient', 'gender:missing=false&_sort=gender,-birthdate')).toEqual(['p2', 'p1', 'p3']);
    expect(await ids('Patient', 'gender:missing=false&_sort=-gender,birthdate')).toEqual(['p3', 'p1', 'p2']);
  });

  it('sorts numbers and quantities numerically', async () => {
    expect(await ids('RiskAssessment', '_sort=-probability')).toEqual(['ra3', 'ra1', 'ra2']);
    expect(await ids('RiskAssessment', '_sort=probability')).toEqual(['ra2', 'ra1', 'ra3']);
    expect(await ids('Observation', '_sort=-value-quantity,_id')).toEqual(['o1', 'o2', 'o3']);
  });
});

describe('criteriaSql', () => {
  it('puts every value through parameters and uses the (type, param) index keys', () => {
    const search = parseSearch('Patient', [['name', "o'brien"], ['birthdate', 'ge1990']], { strict: true, defaultCount: 20, maxCount: 100 });
    const p = new SqlParams();
    const sql = criteriaSql(search, p, 'r').join(' AND ');
    expect(sql).not.toContain("o'brien");
    expect(sql).toContain('t.type = r.type AND t.param = $');
    expect(p.values).toContain("o'brien%");
  });
});
