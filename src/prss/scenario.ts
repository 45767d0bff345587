/**
 * A clean, billable PRSS scenario in the shapes of docs/spec/domain-model.md: an enrolled provider,
 * a payer, a PRS with a direct supervisor and an assessing LMHP, and one member with a diagnosis, an
 * assessment, a signed RRWP with a review, sessions with progress notes and a claim for one of them.
 *
 * Every rule of the Virginia pack passes on `buildScenario()` as it is; a test changes one fact and
 * asserts the one finding. Demo data and the benchmark generator build on the same function.
 */
import type {
  CarePlan, Claim, Condition, Consent, Coverage, DocumentReference, Encounter, Extension, FhirResource, Goal,
  Organization, Patient, Practitioner, PractitionerRole, Reference, ServiceRequest,
} from 'fhir/r4';
import { CS, EXT, PROFILE, SYSTEM } from './terminology';

export interface ScenarioOptions {
  /** Suffix making every id unique (several members in one store). */
  key?: string;
  jurisdiction?: 'US-VA' | 'US-IN' | 'US-CT';
  program?: 'arts' | 'mh';
  birthDate?: string;
  /** Date of the session the claim bills (YYYY-MM-DD). */
  serviceDate?: string;
  /** Shared staff and provider ids (several members served by the same PRS). */
  staffKey?: string;
}

export interface Scenario {
  provider: Organization;
  payer: Organization;
  prs: Practitioner;
  prsRole: PractitionerRole;
  supervisor: Practitioner;
  supervisorRole: PractitionerRole;
  assessor: Practitioner;
  assessorRole: PractitionerRole;
  member: Patient;
  coverage: Coverage;
  diagnosis: Condition;
  assessment: ServiceRequest;
  goal: Goal;
  plan: CarePlan;
  release: Consent;
  /** Sessions before the billed one (initiation and monthly contacts), then the billed session last. */
  sessions: Encounter[];
  notes: DocumentReference[];
  supervisions: Encounter[];
  /** The billed session. */
  session: Encounter;
  claim: Claim;
  /** Every resource above, staff and provider first. */
  resources(): FhirResource[];
}

export const ref = (r: { resourceType: string; id?: string }): Reference => ({ reference: `${r.resourceType}/${r.id}` });
const cc = (system: string, code: string, display?: string) => ({ coding: [{ system, code, ...(display ? { display } : {}) }] });
const extCode = (url: string, code: string): Extension => ({ url, valueCode: code });
const meta = (profile: string) => ({ profile: [profile] });

/** A valid NPI (Luhn check digit over 80840 + the first nine digits) from a nine-digit base. */
export function npiFrom(base9: string): string {
  const digits = `80840${base9}`.split('').map(Number);
  let sum = 0;
  for (let i = digits.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = digits[i];
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return base9 + String((10 - (sum % 10)) % 10);
}

const hash9 = (s: string) => {
  let h = 7;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) % 900000000;
  return String(100000000 + h);
};

export function signature(role: string, party: Reference, date: string): Extension {
  return { url: EXT.signature, extension: [{ url: 'role', valueCode: role }, { url: 'party', valueReference: party }, { url: 'date', valueDate: date }] };
}

export function sessionEncounter(id: string, opts: {
  member: Patient; prsRole: PractitionerRole; plan?: CarePlan; assessment?: ServiceRequest; goal?: Goal; diagnosis?: Condition;
  start: string; minutes: number; program: 'arts' | 'mh'; mode?: 'in-person' | 'telehealth-video' | 'telephone';
  kind?: 'session' | 'contact-attempt' | 'collaboration'; delivery?: 'individual' | 'group'; service?: 'pss' | 'fsp';
}): Encounter {
  const kind = opts.kind ?? 'session';
  const mode = opts.mode ?? 'in-person';
  const ex: Extension[] = [extCode(EXT.program, opts.program), extCode(EXT.contactMode, mode)];
  if (kind === 'session') {
    ex.push({ url: EXT.memberPresent, valueBoolean: true }, extCode(EXT.activity, 'recovery-coaching'));
    if (opts.plan) ex.push({ url: EXT.rrwp, valueReference: ref(opts.plan) });
    if (opts.goal) ex.push({ url: EXT.goalAddressed, valueReference: ref(opts.goal) });
  }
  return {
    resourceType: 'Encounter',
    id,
    meta: meta(PROFILE.encounter),
    extension: ex,
    status: kind === 'contact-attempt' ? 'cancelled' : 'finished',
    class: { system: SYSTEM.actCode, code: mode === 'in-person' ? 'AMB' : 'VR' },
    type: [
      cc(CS.encounterKind, kind),
      ...(kind === 'session' ? [cc(CS.delivery, opts.delivery ?? 'individual')] : []),
    ],
    serviceType: cc(CS.service, opts.service ?? 'pss'),
    subject: ref(opts.member),
    participant: [{ type: [cc(SYSTEM.participationType, 'PPRF')], individual: ref(opts.prsRole) }],
    period: { start: opts.start, end: addMinutes(opts.start, opts.minutes) },
    ...(opts.assessment ? { basedOn: [ref(opts.assessment)] } : {}),
    ...(opts.diagnosis ? { reasonReference: [ref(opts.diagnosis)] } : {}),
  };
}

export function progressNote(id: string, session: Encounter, author: Reference, signedOn: string): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    id,
    meta: meta(PROFILE.progressNote),
    status: 'current',
    type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
    category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note' }] }],
    subject: session.subject,
    date: `${signedOn}T17:00:00-05:00`,
    author: [author],
    authenticator: author,
    context: { encounter: [ref(session)], period: session.period },
    content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('Purpose: recovery coaching toward RRWP goal. Content: reviewed relapse-prevention plan. Strategies: peer sharing, goal check-in.').toString('base64') } }],
  };
}

export function buildScenario(opts: ScenarioOptions = {}): Scenario {
  const k = opts.key ?? '1';
  const s = opts.staffKey ?? k;
  const program = opts.program ?? 'arts';
  const jurisdiction = opts.jurisdiction ?? 'US-VA';
  const serviceDate = opts.serviceDate ?? '2026-03-10';
  const code = jurisdiction === 'US-VA' ? (program === 'arts' ? 'T1012' : 'H0024') : 'H0038';

  const payer: Organization = {
    resourceType: 'Organization', id: `payer-${s}`, active: true, name: 'Commonwealth Health Plan (MCO)',
    type: [cc('http://terminology.hl7.org/CodeSystem/organization-type', 'pay')],
  };
  const provider: Organization = {
    resourceType: 'Organization', id: `provider-${s}`, meta: meta(PROFILE.provider), active: true,
    name: 'Blue Ridge Recovery Services',
    identifier: [{ system: SYSTEM.npi, value: npiFrom(hash9(`provider-${s}`)) }],
    type: [cc('http://terminology.hl7.org/CodeSystem/organization-type', 'prov')],
    extension: (['arts', 'mh'] as const).map((p) => ({
      url: EXT.enrollment,
      extension: [
        { url: 'program', valueCode: p },
        { url: 'providerType', valueCode: p === 'arts' ? 'outpatient-1' : 'mh-clinic' },
        { url: 'period', valuePeriod: { start: '2024-01-01' } },
        { url: 'payer', valueReference: ref(payer) },
      ],
    })),
  };
  const qual = (code: string, start = '2024-01-01', end = '2027-12-31') => ({
    code: cc(CS.credential, code), identifier: [{ value: `${code.toUpperCase()}-${hash9(code + s).slice(0, 6)}` }],
    period: { start, end }, issuer: { display: 'Virginia Certification Board' },
  });
  const prs: Practitioner = {
    resourceType: 'Practitioner', id: `prs-${s}`, meta: meta(PROFILE.practitioner), active: true,
    identifier: [{ system: SYSTEM.npi, value: npiFrom(hash9(`prs-${s}`)) }],
    name: [{ family: 'Alvarez', given: ['Jordan'] }], birthDate: '1985-02-11',
    extension: [{ url: EXT.peerExperienceStart, valueDate: '2023-06-01' }],
    qualification: [qual('prs-certification'), qual('prs-registration'), qual('dbhds-prs-training'), qual('fsp-lived-experience'),
      qual('in-crs'), qual('ct-dmhas-peer-certification'), qual('ct-drivers-license'), qual('hs-diploma', '2003-06-01', '2099-12-31')],
  };
  const supervisor: Practitioner = {
    resourceType: 'Practitioner', id: `sup-${s}`, meta: meta(PROFILE.practitioner), active: true,
    identifier: [{ system: SYSTEM.npi, value: npiFrom(hash9(`sup-${s}`)) }],
    name: [{ family: 'Okafor', given: ['Grace'] }], birthDate: '1976-09-30',
    extension: [{ url: EXT.peerExperienceStart, valueDate: '2016-03-01' }],
    qualification: [qual('lmhp', '2015-01-01'), qual('catp', '2015-01-01'), qual('dbhds-prs-supervisor-training', '2020-01-01'), qual('in-licensed-supervisor', '2015-01-01')],
  };
  const assessor: Practitioner = {
    resourceType: 'Practitioner', id: `lmhp-${s}`, meta: meta(PROFILE.practitioner), active: true,
    identifier: [{ system: SYSTEM.npi, value: npiFrom(hash9(`lmhp-${s}`)) }],
    name: [{ family: 'Chen', given: ['Wei'] }], birthDate: '1980-04-18',
    qualification: [qual('lmhp', '2012-01-01')],
  };
  const role = (id: string, p: Practitioner, code: string, supervisorRef?: Reference): PractitionerRole => ({
    resourceType: 'PractitionerRole', id, meta: meta(PROFILE.practitionerRole), active: true,
    practitioner: ref(p), organization: ref(provider), period: { start: '2024-01-01' },
    code: [cc(CS.role, code)],
    telecom: [{ system: 'phone', value: '540-555-0100', use: 'work' }],
    extension: [extCode(EXT.employmentType, 'full-time'), ...(supervisorRef ? [{ url: EXT.directSupervisor, valueReference: supervisorRef }] : [])],
  });
  const supervisorRole = role(`sup-role-${s}`, supervisor, 'direct-supervisor');
  const prsRole = role(`prs-role-${s}`, prs, 'prs', ref(supervisorRole));
  const assessorRole = role(`lmhp-role-${s}`, assessor, 'qualified-practitioner');

  const member: Patient = {
    resourceType: 'Patient', id: `member-${k}`, meta: meta(PROFILE.member), active: true,
    identifier: [{ system: 'http://prss.example.org/fhir/sid/medicaid-id', value: `MCD${hash9(`member-${k}`)}` }],
    name: [{ family: 'Rivera', given: ['Sam'] }], gender: 'unknown', birthDate: opts.birthDate ?? '1990-05-01',
    address: [{ state: jurisdiction.slice(3) }],
  };
  const coverage: Coverage = {
    resourceType: 'Coverage', id: `coverage-${k}`, meta: meta(PROFILE.coverage), status: 'active',
    extension: [{ url: EXT.jurisdiction, valueCodeableConcept: cc(SYSTEM.isoState, jurisdiction) }],
    beneficiary: ref(member), payor: [ref(payer)], period: { start: '2025-01-01', end: '2027-12-31' },
    relationship: cc('http://terminology.hl7.org/CodeSystem/subscriber-relationship', 'self'),
  };
  const diagnosis: Condition = {
    resourceType: 'Condition', id: `dx-${k}`, meta: meta(PROFILE.diagnosis),
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
    verificationStatus: cc('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
    category: [cc('http://terminology.hl7.org/CodeSystem/condition-category', 'encounter-diagnosis')],
    code: program === 'arts'
      ? cc(SYSTEM.icd10cm, 'F11.20', 'Opioid dependence, uncomplicated')
      : cc(SYSTEM.icd10cm, 'F33.1', 'Major depressive disorder, recurrent, moderate'),
    subject: ref(member), recordedDate: '2025-12-20',
  };
  const assessment: ServiceRequest = {
    resourceType: 'ServiceRequest', id: `assessment-${k}`, meta: meta(PROFILE.assessment),
    status: 'active', intent: 'order', subject: ref(member),
    code: cc(CS.service, 'pss'), category: [cc(CS.program, program)],
    authoredOn: '2026-01-05', requester: ref(assessorRole), reasonReference: [ref(diagnosis)],
    extension: [extCode(EXT.functionalImpairment, 'social'), extCode(EXT.functionalImpairment, 'vocational'), { url: EXT.ableToParticipate, valueBoolean: true }],
  };
  const goal: Goal = {
    resourceType: 'Goal', id: `goal-${k}`, meta: meta(PROFILE.goal), lifecycleStatus: 'active',
    category: [cc(CS.wellnessDimension, 'social')],
    description: { text: 'Attend two community recovery meetings each week by June 30' },
    subject: ref(member),
    target: [{ measure: { text: 'community recovery meetings attended per week' }, detailQuantity: { value: 2 }, dueDate: '2026-06-30' }],
  };
  const plan: CarePlan = {
    resourceType: 'CarePlan', id: `rrwp-${k}`, meta: meta(PROFILE.rrwp),
    status: 'active', intent: 'plan',
    category: [cc(CS.careplanCategory, 'rrwp'), cc(SYSTEM.usCoreCarePlanCategory, 'assess-plan')],
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Recovery, Resiliency, and Wellness Plan</div>' },
    subject: ref(member), period: { start: '2026-01-12' }, created: '2026-01-20', author: ref(prsRole),
    goal: [ref(goal)], supportingInfo: [ref(assessment)],
    extension: [
      extCode(EXT.program, program),
      signature('qualified-practitioner', ref(assessorRole), '2026-01-20'),
      signature('prs', ref(prsRole), '2026-01-20'),
      signature('direct-supervisor', ref(supervisorRole), '2026-01-21'),
      signature('member', ref(member), '2026-01-20'),
    ],
    activity: [{
      detail: {
        status: 'in-progress', code: cc(CS.service, 'pss'),
        extension: [{ url: EXT.plannedIntensity, extension: [{ url: 'daysPerWeek', valueInteger: 3 }, { url: 'hoursPerWeek', valueDecimal: 4 }, { url: 'unitsPerDay', valueInteger: 8 }] }],
      },
    }],
  };
  const release: Consent = {
    resourceType: 'Consent', id: `release-${k}`, meta: meta(PROFILE.release), status: 'active',
    scope: cc('http://terminology.hl7.org/CodeSystem/consentscope', 'patient-privacy'),
    category: [cc('http://loinc.org', '59284-0', 'Patient Consent')],
    patient: ref(member), dateTime: '2026-01-12',
    policyRule: cc('http://terminology.hl7.org/CodeSystem/consentpolicycodes', 'hipaa-auth'),
    provision: { period: { start: '2026-01-12', end: '2027-01-12' } },
  };

  const common = { member, prsRole, plan, assessment, goal, diagnosis, program };
  const at = (day: string, hh = '10:00') => `${day}T${hh}:00-05:00`;
  const prior: [string, number][] = [['2026-01-12', 60], ['2026-02-03', 60], ['2026-02-17', 45], ['2026-03-03', 60]];
  const sessions = prior
    .filter(([day]) => day < serviceDate)
    .map(([day, minutes], i) => sessionEncounter(`session-${k}-${i + 1}`, { ...common, start: at(day), minutes }));
  const session = sessionEncounter(`session-${k}-billed`, { ...common, start: at(serviceDate), minutes: 60 });
  sessions.push(session);
  const notes = sessions.map((e) => progressNote(`note-${e.id}`, e, ref(prsRole), e.period!.start!.slice(0, 10)));

  const supervisions: Encounter[] = ['2026-01-15', '2026-02-12', '2026-03-05'].map((day, i) => ({
    resourceType: 'Encounter', id: `supervision-${s}-${k}-${i + 1}`, meta: meta(PROFILE.supervision), status: 'finished',
    class: { system: SYSTEM.actCode, code: 'AMB' }, type: [cc(CS.encounterKind, 'supervision')],
    participant: [
      { type: [cc(SYSTEM.participationType, 'PPRF')], individual: ref(prsRole) },
      { type: [cc(SYSTEM.participationType, 'PPRF')], individual: ref(supervisorRole) },
    ],
    period: { start: at(day, '14:00'), end: at(day, '14:45') },
    extension: [extCode(EXT.contactMode, 'in-person')],
  }));

  const unitPrice = jurisdiction === 'US-CT' ? 12.33 : 25;
  const units = 4;
  const claim: Claim = {
    resourceType: 'Claim', id: `claim-${k}`, meta: meta(PROFILE.claim), status: 'active',
    identifier: [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: `CLM-${k}-${serviceDate}` }],
    type: cc('http://terminology.hl7.org/CodeSystem/claim-type', 'professional'), use: 'claim',
    patient: ref(member), created: dayAfter(serviceDate), provider: ref(provider),
    priority: cc('http://terminology.hl7.org/CodeSystem/processpriority', 'normal'),
    insurance: [{ sequence: 1, focal: true, coverage: ref(coverage), preAuthRef: [`REG-${hash9(k).slice(0, 6)}`] }],
    diagnosis: [{ sequence: 1, diagnosisCodeableConcept: diagnosis.code! }],
    careTeam: [{ sequence: 1, provider: ref(prsRole), role: cc(SYSTEM.claimCareTeamRole, 'primary') }],
    item: [{
      sequence: 1, careTeamSequence: [1], diagnosisSequence: [1],
      productOrService: cc(SYSTEM.hcpcs, code), servicedDate: serviceDate,
      // Connecticut peer support takes place in the home (ct-setting); elsewhere the office is fine.
      locationCodeableConcept: cc(SYSTEM.placeOfService, jurisdiction === 'US-CT' ? '12' : '11'),
      quantity: { value: units }, unitPrice: { value: unitPrice, currency: 'USD' }, net: { value: round2(units * unitPrice), currency: 'USD' },
      encounter: [ref(session)],
    }],
    total: { value: round2(units * unitPrice), currency: 'USD' },
  };

  return {
    provider, payer, prs, prsRole, supervisor, supervisorRole, assessor, assessorRole, member, coverage, diagnosis,
    assessment, goal, plan, release, sessions, notes, supervisions, session, claim,
    resources() {
      return [payer, provider, prs, supervisor, assessor, supervisorRole, prsRole, assessorRole, member, coverage, diagnosis,
        assessment, goal, plan, release, ...sessions, ...notes, ...supervisions, claim];
    },
  };
}

export const round2 = (n: number) => Math.round(n * 100) / 100;
export function dayAfter(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Add minutes to a local dateTime (`YYYY-MM-DDThh:mm:ss±hh:mm`), keeping its offset. */
export function addMinutes(dateTime: string, minutes: number): string {
  const local = dateTime.slice(0, 19);
  const zone = dateTime.slice(19);
  const d = new Date(`${local}Z`);
  d.setUTCMinutes(d.getUTCMinutes() + minutes);
  return d.toISOString().slice(0, 19) + zone;
}
