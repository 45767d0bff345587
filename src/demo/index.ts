/**
 * Demo data: one enrolled Virginia provider (and its payer), its PRSS staff (two PRS, a direct
 * supervisor, an assessing LMHP) and five members — four adults under ARTS or MH and one FSP youth
 * with a caregiver — each with coverage, a diagnosis, an assessment, a signed RRWP with a goal and a
 * review, January–April 2026 sessions with progress notes, and claims for every finished session.
 * The PRS supervision meetings of those months are included.
 *
 * Built on buildScenario (one per member, sharing the staff through `staffKey`), then varied and
 * extended here. Every id is stable, so the transaction (PUT per resource) is idempotent.
 */
import type {
  Bundle, BundleEntry, CarePlan, Group, Claim, ClaimItem, CodeableConcept, Coding, Encounter, EpisodeOfCare, Extension, FhirResource,
  HumanName, Patient, Practitioner, PractitionerRole, Reference, RelatedPerson, ServiceRequest,
} from 'fhir/r4';
import { addMinutes, buildScenario, dayAfter, npiFrom, progressNote, ref, round2, sessionEncounter, signature, type Scenario } from '../prss/scenario';
import { CS, EXT, PROFILE, SYSTEM } from '../prss/terminology';

const STAFF = 'demo';
const cc = (system: string, code: string, display?: string): CodeableConcept => ({ coding: [{ system, code, ...(display ? { display } : {}) }] });
const meta = (profile: string) => ({ profile: [profile] });
const at = (day: string, hhmm: string) => `${day}T${hhmm}:00-05:00`;

interface MemberPlan {
  key: string;
  program: 'arts' | 'mh';
  service: 'pss' | 'fsp';
  name: HumanName;
  gender: Patient['gender'];
  birthDate: string;
  /** Which PRS serves the member: a (full time, experienced) or b (part time, new). */
  prs: 'a' | 'b';
  /** The scenario's billed session date. */
  serviceDate: string;
  /** Time of day of the member's sessions, so one PRS is never in two places at once. */
  hour: string;
}

const MEMBERS: MemberPlan[] = [
  { key: 'demo-1', program: 'arts', service: 'pss', name: { family: 'Whitaker', given: ['Dana'] }, gender: 'female', birthDate: '1988-07-22', prs: 'a', serviceDate: '2026-03-09', hour: '09:00' },
  { key: 'demo-2', program: 'mh', service: 'pss', name: { family: 'Nguyen', given: ['Marcus'] }, gender: 'male', birthDate: '1979-11-03', prs: 'a', serviceDate: '2026-03-10', hour: '11:00' },
  { key: 'demo-3', program: 'arts', service: 'pss', name: { family: 'Brooks', given: ['Tasha'] }, gender: 'female', birthDate: '2005-02-14', prs: 'b', serviceDate: '2026-03-11', hour: '09:00' },
  { key: 'demo-4', program: 'mh', service: 'pss', name: { family: 'Delgado', given: ['Luis'] }, gender: 'male', birthDate: '1994-05-30', prs: 'b', serviceDate: '2026-03-12', hour: '11:00' },
  { key: 'demo-5', program: 'mh', service: 'fsp', name: { family: 'Harper', given: ['Eli'] }, gender: 'male', birthDate: '2011-03-14', prs: 'a', serviceDate: '2026-03-13', hour: '15:00' },
];

/** Replace every reference to one resource inside a resource (e.g. re-assign a member to the second PRS). */
function retarget<T extends FhirResource>(r: T, from: string, to: string): T {
  return JSON.parse(JSON.stringify(r).split(`"reference":"${from}"`).join(`"reference":"${to}"`)) as T;
}

function secondPrs(s: Scenario): { prs: Practitioner; role: PractitionerRole } {
  const prs: Practitioner = {
    ...structuredClone(s.prs),
    id: `prs-${STAFF}-b`,
    identifier: [{ system: SYSTEM.npi, value: npiFrom('472915306') }],
    name: [{ family: 'Boateng', given: ['Ama'] }],
    birthDate: '1991-08-19',
    // New to peer work: under 12 months of experience, so two supervision meetings a month.
    extension: [{ url: EXT.peerExperienceStart, valueDate: '2025-09-01' }],
    qualification: (s.prs.qualification ?? []).map((q) => ({
      ...structuredClone(q),
      identifier: q.identifier?.map((i) => ({ ...i, value: `${i.value}-B` })),
    })),
  };
  const role: PractitionerRole = {
    ...structuredClone(s.prsRole),
    id: `prs-role-${STAFF}-b`,
    practitioner: ref(prs),
    period: { start: '2025-09-01' },
    telecom: [{ system: 'phone', value: '540-555-0142', use: 'work' }],
    extension: [
      { url: EXT.employmentType, valueCode: 'part-time' },
      { url: EXT.directSupervisor, valueReference: ref(s.supervisorRole) },
    ],
  };
  return { prs, role };
}

function supervisionMeeting(prsRole: PractitionerRole, supervisorRole: PractitionerRole, day: string, mode: 'in-person' | 'telehealth-video'): Encounter {
  const start = at(day, '14:00');
  return {
    resourceType: 'Encounter', id: `supervision-${prsRole.id}-${day}`, meta: meta(PROFILE.supervision), status: 'finished',
    class: { system: SYSTEM.actCode, code: mode === 'in-person' ? 'AMB' : 'VR' },
    type: [cc(CS.encounterKind, 'supervision')],
    participant: [
      { type: [cc(SYSTEM.participationType, 'PPRF')], individual: ref(prsRole) },
      { type: [cc(SYSTEM.participationType, 'PPRF')], individual: ref(supervisorRole) },
    ],
    period: { start, end: addMinutes(start, 45) },
    extension: [{ url: EXT.contactMode, valueCode: mode }],
  };
}

/** A claim for one finished session, in the shape of the scenario's claim. */
function claimFor(s: Scenario, session: Encounter, opts: { units: number; code: string; pos?: string; modifier?: Coding }): Claim {
  const day = session.period!.start!.slice(0, 10);
  const unitPrice = s.claim.item![0].unitPrice!.value!;
  const item: ClaimItem = {
    ...structuredClone(s.claim.item![0]),
    productOrService: cc(SYSTEM.hcpcs, opts.code),
    ...(opts.modifier ? { modifier: [{ coding: [opts.modifier] }] } : {}),
    servicedDate: day,
    locationCodeableConcept: cc(SYSTEM.placeOfService, opts.pos ?? '11'),
    quantity: { value: opts.units },
    net: { value: round2(opts.units * unitPrice), currency: 'USD' },
    encounter: [ref(session)],
  };
  const prsRef = session.participant!.find((p) => p.type?.some((t) => t.coding?.some((c) => c.code === 'PPRF')))!.individual!;
  return {
    ...structuredClone(s.claim),
    id: `claim-${session.id}`,
    identifier: [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: `CLM-${session.id}` }],
    created: dayAfter(day),
    careTeam: [{ ...s.claim.careTeam![0], provider: prsRef }],
    item: [item],
    total: { value: item.net!.value, currency: 'USD' },
  };
}

const codeOf = (program: 'arts' | 'mh', group: boolean) => (program === 'arts' ? (group ? 'S9445' : 'T1012') : group ? 'H0025' : 'H0024');
const unitsOf = (e: Encounter) => {
  const minutes = (Date.parse(e.period!.end!) - Date.parse(e.period!.start!)) / 60000;
  const breaks = (e.extension ?? []).filter((x) => x.url === EXT.interruption)
    .reduce((sum, x) => sum + (Date.parse(x.valuePeriod!.end!) - Date.parse(x.valuePeriod!.start!)) / 60000, 0);
  return Math.floor((minutes - breaks) / 15);
};

function memberResources(plan: MemberPlan, index: number, prsB: { prs: Practitioner; role: PractitionerRole }): FhirResource[] {
  const s = buildScenario({ key: plan.key, staffKey: STAFF, program: plan.program, serviceDate: plan.serviceDate, birthDate: plan.birthDate, jurisdiction: 'US-VA' });
  const prsRole = plan.prs === 'a' ? s.prsRole : prsB.role;
  const fsp = plan.service === 'fsp';
  const hour = plan.hour;

  const member: Patient = { ...s.member, name: [plan.name], gender: plan.gender };
  const caregiver: RelatedPerson | undefined = fsp ? {
    resourceType: 'RelatedPerson', id: `caregiver-${plan.key}`, meta: meta(PROFILE.caregiver), active: true,
    patient: ref(member),
    relationship: [cc('http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'MTH', 'mother')],
    name: [{ family: plan.name.family, given: ['Renee'] }],
    telecom: [{ system: 'phone', value: '540-555-0177', use: 'mobile' }],
    extension: [{ url: EXT.paidCaregiver, valueBoolean: false }],
  } : undefined;

  const assessment: ServiceRequest = fsp
    ? {
      ...s.assessment, code: cc(CS.service, 'fsp'),
      extension: [
        { url: EXT.fspNeed, valueCode: 'wellness-skills' }, { url: EXT.fspNeed, valueCode: 'self-advocacy' },
        { url: EXT.fspNeed, valueCode: 'recovery-responsibility' }, { url: EXT.ableToParticipate, valueBoolean: true },
      ],
    }
    : s.assessment;

  // Inside a review the signature part is named by its relative url, like every part of a complex extension.
  const reviewSignature = (role: string, party: Reference): Extension => ({ ...signature(role, party, '2026-04-14'), url: 'signature' });
  const review: Extension = {
    url: EXT.review,
    extension: [
      { url: 'date', valueDate: '2026-04-14' },
      { url: 'documented', valueDate: '2026-04-15' },
      reviewSignature('prs', ref(prsRole)),
      reviewSignature('member', ref(member)),
      ...(caregiver ? [reviewSignature('caregiver', ref(caregiver))] : []),
      { url: 'goalsUpdated', valueBoolean: false },
    ],
  };
  const carePlan: CarePlan = {
    ...s.plan,
    extension: [...(s.plan.extension ?? []), ...(caregiver ? [signature('caregiver', ref(caregiver), '2026-01-20')] : []), review],
    activity: s.plan.activity!.map((a) => ({ ...a, detail: { ...a.detail!, code: cc(CS.service, plan.service) } })),
  };

  // The scenario's sessions (initiation, monthly contacts, the billed one) moved to the member's hour;
  // they are built for the first PRS and re-assigned below when the member is the second PRS's.
  const common = { member, prsRole: s.prsRole, plan: s.plan, assessment, goal: s.goal, diagnosis: s.diagnosis, program: plan.program, service: plan.service };
  const sessions: Encounter[] = s.sessions.map((e) => ({ ...e, period: { start: at(e.period!.start!.slice(0, 10), hour), end: addMinutes(at(e.period!.start!.slice(0, 10), hour), minutesOf(e)) } }));
  const extra: Encounter[] = [];
  const dayShift = (monday: string) => addMinutes(`${monday}T00:00:00Z`, 24 * 60 * (index % 5)).slice(0, 10);
  const extraSession = (suffix: string, monday: string, minutes: number, o: Partial<Parameters<typeof sessionEncounter>[1]> = {}) =>
    sessionEncounter(`session-${plan.key}-${suffix}`, { ...common, start: at(dayShift(monday), hour), minutes, ...o });
  extra.push(extraSession('mar-4', '2026-03-23', 60), extraSession('apr-1', '2026-04-06', 60), extraSession('apr-3', '2026-04-20', 60));

  const claimOpts = new Map<string, { code: string; pos?: string; modifier?: Coding }>();
  switch (index) {
    case 0: {
      // A session with a break that is not peer service, and a care-coordination call (not billed).
      const e = extra[1];
      e.period!.end = addMinutes(e.period!.start!, 70);
      e.extension!.push({ url: EXT.interruption, valuePeriod: { start: addMinutes(e.period!.start!, 30), end: addMinutes(e.period!.start!, 40) } });
      const collab = sessionEncounter(`collaboration-${plan.key}-1`, { ...common, kind: 'collaboration', mode: 'telephone', start: at('2026-03-18', '15:00'), minutes: 20 });
      collab.extension!.push({ url: EXT.memberPresent, valueBoolean: false });
      extra.push(collab);
      break;
    }
    case 1: {
      // A video session: place of service 10 (patient's home) and modifier 95.
      const video = extraSession('apr-1', '2026-04-06', 60, { mode: 'telehealth-video' });
      extra[1] = video;
      claimOpts.set(video.id!, { code: codeOf(plan.program, false), pos: '10', modifier: { system: SYSTEM.cpt, code: '95' } });
      break;
    }
    case 2: {
      // An unsuccessful attempt to reach the member, then a justified telephone session.
      extra.push(sessionEncounter(`attempt-${plan.key}-1`, { ...common, kind: 'contact-attempt', mode: 'telephone', start: at('2026-03-18', hour), minutes: 5 }));
      const phone = extraSession('mar-5', '2026-03-30', 30, { mode: 'telephone' });
      phone.extension!.push({ url: EXT.telephoneJustification, valueString: 'Member without transportation after a car breakdown; in-person visit rescheduled for the next week.' });
      extra.push(phone);
      claimOpts.set(phone.id!, { code: codeOf(plan.program, false), modifier: { system: SYSTEM.hcpcs, code: 'FQ' } });
      break;
    }
    case 3: {
      // A group session of six members led by the PRS.
      const group = extraSession('apr-3', '2026-04-20', 90, { delivery: 'group' });
      group.extension!.push({ url: EXT.groupSize, valueInteger: 6 });
      extra[2] = group;
      claimOpts.set(group.id!, { code: codeOf(plan.program, true) });
      break;
    }
    default:
      break;
  }
  const allSessions = [...sessions, ...extra].map((e) => {
    let out = e;
    if (fsp && caregiver) {
      out = {
        ...out,
        serviceType: cc(CS.service, 'fsp'),
        participant: [...(out.participant ?? []), { type: [cc(SYSTEM.participationType, 'PART')], individual: ref(caregiver) }],
        extension: [
          ...(out.extension ?? []),
          { url: EXT.youthResidence, valueCode: 'home' },
          { url: EXT.youthBenefit, valueString: 'Caregiver practiced de-escalation and school-advocacy steps that keep Eli at home and in school.' },
        ],
      };
    }
    return out;
  });

  const notes = allSessions.filter((e) => e.status === 'finished').map((e) => progressNote(`note-${e.id}`, e, ref(s.prsRole), e.period!.start!.slice(0, 10)));
  const claims = allSessions
    .filter((e) => e.status === 'finished' && e.type?.some((t) => t.coding?.some((c) => c.code === 'session')))
    .map((e) => {
      const group = e.type!.some((t) => t.coding?.some((c) => c.system === CS.delivery && c.code === 'group'));
      const o = claimOpts.get(e.id!) ?? { code: codeOf(plan.program, group) };
      return claimFor(s, e, { ...o, units: unitsOf(e) });
    });

  const otherService: EpisodeOfCare[] = index === 1 ? [{
    resourceType: 'EpisodeOfCare', id: `other-service-${plan.key}`, meta: meta(PROFILE.otherService), status: 'active',
    type: [cc(CS.otherService, 'supported-employment', 'Supported employment')],
    patient: ref(member), managingOrganization: { display: 'Shenandoah Valley Employment Partners' },
    period: { start: '2025-10-01' },
  }] : [];

  let own: FhirResource[] = [
    member, s.coverage, s.diagnosis, assessment, s.goal, carePlan, s.release,
    ...(caregiver ? [caregiver] : []), ...otherService, ...allSessions, ...notes, ...claims,
  ];
  if (plan.prs === 'b') own = own.map((r) => retarget(r, `PractitionerRole/${s.prsRole.id}`, `PractitionerRole/${prsB.role.id}`));
  return own;
}

const minutesOf = (e: Encounter) => (Date.parse(e.period!.end!) - Date.parse(e.period!.start!)) / 60000;

/** Every demo resource: provider, payer and staff first, then each member's records, then supervision. */
export function demoResources(): FhirResource[] {
  const staff = buildScenario({ key: 'demo-1', staffKey: STAFF });
  const prsB = secondPrs(staff);
  const out: FhirResource[] = [
    staff.payer, staff.provider, staff.prs, prsB.prs, staff.supervisor, staff.assessor,
    staff.supervisorRole, staff.prsRole, prsB.role, staff.assessorRole,
  ];
  MEMBERS.forEach((m, i) => out.push(...memberResources(m, i, prsB)));
  // The provider's roster as a Group, so Group/[id]/$export has members to export (e.g. BDT_GROUP_ID=demo-members).
  const members = out.filter((r): r is Patient => r.resourceType === 'Patient');
  const roster: Group = {
    resourceType: 'Group', id: 'demo-members', type: 'person', actual: true,
    name: `${staff.provider.name ?? 'Provider'}: PRSS members`,
    managingEntity: ref(staff.provider),
    quantity: members.length,
    member: members.map((p) => ({ entity: ref(p) })),
  };
  out.push(roster);
  // Supervision: the experienced PRS monthly, the new PRS twice a month (both at least 30 minutes, face to face).
  for (const day of ['2026-01-08', '2026-02-12', '2026-03-12', '2026-04-09']) out.push(supervisionMeeting(staff.prsRole, staff.supervisorRole, day, 'in-person'));
  for (const day of ['2026-01-06', '2026-01-20', '2026-02-03', '2026-02-17', '2026-03-03', '2026-03-17', '2026-04-07', '2026-04-21']) {
    out.push(supervisionMeeting(prsB.role, staff.supervisorRole, day, day === '2026-02-17' ? 'telehealth-video' : 'in-person'));
  }
  return out;
}

/** The demo as a FHIR transaction: one PUT per resource at its stable id, so loading it twice changes nothing. */
export function loadDemoData(): Bundle<FhirResource> {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: demoResources().map((resource): BundleEntry<FhirResource> => ({
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    })),
  };
}

