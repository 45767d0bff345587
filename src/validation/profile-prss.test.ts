/**
 * Our generated profiles (profiles/*.json) against the shared scenario: every resource meets the
 * profile it claims, and one broken instance per key constraint of the domain model fails with the
 * exact issue.
 */
import { join } from 'node:path';
import type { FhirResource, OperationOutcomeIssue } from 'fhir/r4';
import { buildScenario, type ScenarioOptions, sessionEncounter } from '../prss/scenario';
import { EXT, PROFILE, sd } from '../prss/terminology';
import { loadDefinitionDirectory } from './definitions';
import { createProfileValidator } from './profile-validator';

const definitions = loadDefinitionDirectory(join(__dirname, '..', '..', 'profiles'));
const validator = createProfileValidator({ extraDefinitions: definitions });
const scenario = buildScenario();

const summary = (issues: OperationOutcomeIssue[]) => issues.map((i) => `${i.severity} ${i.code} ${i.expression?.join(',')}`);
const errors = (issues: OperationOutcomeIssue[]) => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
/** A deep copy to break, typed loosely so a test can put wrong shapes in it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const copy = (r: unknown): any => structuredClone(r);

describe('PRSS profiles on the scenario', () => {
  it('knows every profile the domain model names', () => {
    for (const url of Object.values(PROFILE)) expect({ url, known: validator.knowsProfile(url) }).toEqual({ url, known: true });
    for (const url of Object.values(EXT)) expect({ url, known: validator.knowsProfile(url) }).toEqual({ url, known: true });
  });

  const variants: [string, ScenarioOptions][] = [
    ['Virginia ARTS', {}],
    ['Virginia MH', { program: 'mh' }],
    ['Indiana', { jurisdiction: 'US-IN' }],
    ['Connecticut', { jurisdiction: 'US-CT', program: 'mh' }],
  ];
  it.each(variants)('%s: every resource meets the profile it claims, with zero errors and zero warnings', (_name, opts) => {
    for (const r of buildScenario(opts).resources()) {
      expect({ id: r.id, issues: validator.validate(r).filter((i) => i.severity !== 'information') }).toEqual({ id: r.id, issues: [] });
    }
  });

  it('contact attempts, telephone sessions and group sessions meet prss-encounter', () => {
    const base = { member: scenario.member, prsRole: scenario.prsRole, start: '2026-03-11T10:00:00-05:00', minutes: 30, program: 'arts' as const };
    for (const e of [
      sessionEncounter('a', { ...base, kind: 'contact-attempt', mode: 'telephone' }),
      sessionEncounter('b', { ...base, mode: 'telephone' }),
      sessionEncounter('c', { ...base, delivery: 'group', mode: 'telehealth-video' }),
      sessionEncounter('d', { ...base, kind: 'collaboration' }),
    ]) {
      expect({ id: e.id, issues: errors(validator.validate(e)) }).toEqual({ id: e.id, issues: [] });
    }
  });

  it('validates a transaction Bundle of the whole scenario entry by entry', () => {
    const bundle = {
      resourceType: 'Bundle', type: 'transaction',
      entry: scenario.resources().map((r: FhirResource) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
    };
    expect(errors(validator.validate(bundle))).toEqual([]);
    const broken = copy(bundle);
    delete broken.entry[8].resource.birthDate; // the member
    expect(summary(errors(validator.validate(broken)))).toEqual(['error required Bundle.entry[8].resource.birthDate']);
  });
});

describe('PRSS profiles: one broken instance per key constraint', () => {
  const check = (r: unknown, expected: string[]) => expect(summary(validator.validate(r))).toEqual(expected);

  it('prss-member: birthDate is required', () => {
    const p = copy(scenario.member);
    delete p.birthDate;
    check(p, ['error required Patient.birthDate']);
  });

  it('prss-member: a name carries family or given (prss-member-1)', () => {
    const p = copy(scenario.member);
    p.name = [{ text: 'Sam Rivera' }];
    check(p, ['error invariant Patient.name[0]']);
  });

  it('prss-member: an identifier needs a value', () => {
    const p = copy(scenario.member);
    delete p.identifier[0].value;
    check(p, ['error required Patient.identifier[0].value']);
  });

  it('prss-encounter: the contact-mode extension is required', () => {
    const e = copy(scenario.session);
    e.extension = e.extension.filter((x: { url: string }) => x.url !== EXT.contactMode);
    const issues = validator.validate(e);
    expect(summary(issues)).toEqual(['error required Encounter.extension']);
    expect(issues[0].diagnostics).toContain(EXT.contactMode);
  });

  it('prss-encounter: the program extension carries a valueCode from prss-program', () => {
    const e = copy(scenario.session);
    e.extension[0] = { url: EXT.program, valueString: 'arts' };
    check(e, ['error structure Encounter.extension[0].value']);
    e.extension[0] = { url: EXT.program, valueCode: 'dental' };
    check(e, ['error code-invalid Encounter.extension[0].valueCode']);
  });

  it('prss-encounter: the kind type must come from prss-encounter-kind', () => {
    const e = copy(scenario.session);
    e.type[0].coding[0].code = 'visit';
    check(e, ['error code-invalid Encounter.type[0].coding[0].code', 'error code-invalid Encounter.type[0]']);
  });

  it('prss-encounter: the subject must be a Patient', () => {
    const e = copy(scenario.session);
    e.subject = { reference: 'Group/g1' };
    check(e, ['error structure Encounter.subject']);
  });

  it('prss-encounter: a finished session records its time out (prss-encounter-4)', () => {
    const e = copy(scenario.session);
    delete e.period.end;
    check(e, ['error invariant Encounter']);
  });

  it('prss-encounter: an extension is only allowed in its context', () => {
    const p = copy(scenario.member);
    p.extension = [{ url: EXT.contactMode, valueCode: 'in-person' }];
    check(p, ['error extension Patient.extension[0]']);
  });

  it('prss-supervision: has no subject and needs both participants', () => {
    const s = copy(scenario.supervisions[0]);
    s.subject = { reference: `Patient/${scenario.member.id}` };
    s.participant = s.participant.slice(0, 1);
    check(s, ['error structure Encounter.subject', 'error required Encounter.participant']);
  });

  it('prss-rrwp: both the rrwp and the US Core assess-plan categories are required', () => {
    const c = copy(scenario.plan);
    c.category = c.category.slice(0, 1);
    const issues = validator.validate(c);
    expect(summary(issues)).toEqual(['error required CarePlan.category']);
    expect(issues[0].diagnostics).toContain("slice 'AssessPlan'");
  });

  it('prss-rrwp: intent is fixed to plan', () => {
    const c = copy(scenario.plan);
    c.intent = 'order';
    check(c, ['error value CarePlan.intent']);
  });

  it('prss-rrwp: a signature role comes from prss-signer-role and a signature names its party', () => {
    const c = copy(scenario.plan);
    c.extension[1].extension[0].valueCode = 'notary';
    c.extension[2].extension.splice(1, 1);
    check(c, ['error code-invalid CarePlan.extension[1].extension[0].valueCode', 'error required CarePlan.extension[2].extension']);
  });

  it('prss-rrwp: planned-intensity parts have their declared types', () => {
    const c = copy(scenario.plan);
    c.activity[0].detail.extension[0].extension[0] = { url: 'daysPerWeek', valueString: 'three' };
    check(c, ['error structure CarePlan.activity[0].detail.extension[0].extension[0].value']);
  });

  it('prss-claim: type is professional and every line names its session', () => {
    const c = copy(scenario.claim);
    c.type.coding[0].code = 'oral';
    delete c.item[0].encounter;
    check(c, ['error value Claim.type', 'error required Claim.item[0].encounter']);
  });

  it('prss-provider: the NPI identifier slice is required', () => {
    const o = copy(scenario.provider);
    o.identifier[0].system = 'http://example.org/tax-id';
    const issues = validator.validate(o);
    expect(summary(issues)).toEqual(['error required Organization.identifier']);
    expect(issues[0].diagnostics).toContain("slice 'NPI'");
  });

  it('prss-coverage: the jurisdiction extension is required', () => {
    const c = copy(scenario.coverage);
    delete c.extension;
    check(c, ['error required Coverage.extension']);
  });

  it('prss-assessment: intent is fixed to order and the requester is a practitioner', () => {
    const s = copy(scenario.assessment);
    s.intent = 'plan';
    s.requester = { reference: `Patient/${scenario.member.id}` };
    check(s, ['error value ServiceRequest.intent', 'error structure ServiceRequest.requester']);
  });

  it('an unknown profile in our namespace is an error', () => {
    const p = copy(scenario.member);
    p.meta.profile = [sd('prss-nobody')];
    check(p, ['error processing Patient.meta.profile[0]']);
  });
});

describe('PRSS profiles: accepted variants of the wire contract', () => {
  it('accepts HCPCS under the older https:// system URI on a claim line', () => {
    const c = copy(scenario.claim);
    c.item[0].productOrService.coding[0].system = 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
    expect(validator.validate(c)).toEqual([]);
  });
});
