/** Canonical URLs and external systems of docs/spec/domain-model.md, spelled once. */
export const CANONICAL = 'http://prss.example.org/fhir';
export const sd = (id: string) => `${CANONICAL}/StructureDefinition/${id}`;
export const cs = (id: string) => `${CANONICAL}/CodeSystem/${id}`;
export const vs = (id: string) => `${CANONICAL}/ValueSet/${id}`;

export const PROFILE = {
  member: sd('prss-member'),
  caregiver: sd('prss-caregiver'),
  practitioner: sd('prss-practitioner'),
  practitionerRole: sd('prss-practitioner-role'),
  provider: sd('prss-provider'),
  coverage: sd('prss-coverage'),
  diagnosis: sd('prss-diagnosis'),
  assessment: sd('prss-assessment'),
  otherService: sd('prss-other-service'),
  rrwp: sd('prss-rrwp'),
  goal: sd('prss-goal'),
  supervision: sd('prss-supervision'),
  encounter: sd('prss-encounter'),
  progressNote: sd('prss-progress-note'),
  release: sd('prss-release'),
  claim: sd('prss-claim'),
} as const;

export const EXT = {
  paidCaregiver: sd('paid-caregiver'),
  peerExperienceStart: sd('peer-experience-start'),
  employmentType: sd('employment-type'),
  directSupervisor: sd('direct-supervisor'),
  enrollment: sd('enrollment'),
  jurisdiction: sd('jurisdiction'),
  functionalImpairment: sd('functional-impairment'),
  fspNeed: sd('fsp-need'),
  ableToParticipate: sd('able-to-participate'),
  supervisingPractitioner: sd('supervising-practitioner'),
  program: sd('program'),
  plannedIntensity: sd('planned-intensity'),
  signature: sd('signature'),
  review: sd('review'),
  rrwp: sd('rrwp'),
  contactMode: sd('contact-mode'),
  telephoneJustification: sd('telephone-justification'),
  memberPresent: sd('member-present'),
  groupSize: sd('group-size'),
  interruption: sd('interruption'),
  activity: sd('activity'),
  goalAddressed: sd('goal-addressed'),
  youthResidence: sd('youth-residence'),
  reunificationTransition: sd('reunification-transition'),
  youthBenefit: sd('youth-benefit'),
} as const;

export const CS = {
  program: cs('prss-program'),
  service: cs('prss-service'),
  delivery: cs('prss-delivery'),
  contactMode: cs('prss-contact-mode'),
  encounterKind: cs('prss-encounter-kind'),
  activity: cs('prss-activity'),
  credential: cs('prss-credential'),
  role: cs('prss-role'),
  providerType: cs('prss-provider-type'),
  careplanCategory: cs('prss-careplan-category'),
  wellnessDimension: cs('wellness-dimension'),
  functionalDomain: cs('functional-domain'),
  fspNeed: cs('fsp-need'),
  signerRole: cs('prss-signer-role'),
  otherService: cs('other-service'),
  supportingInfo: cs('prss-supporting-info'),
  rule: cs('prss-rule'),
} as const;

export const SYSTEM = {
  hcpcs: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  hcpcsLegacy: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  cpt: 'http://www.ama-assn.org/go/cpt',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  placeOfService: 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set',
  claimCareTeamRole: 'http://terminology.hl7.org/CodeSystem/claimcareteamrole',
  carinCareTeamRole: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  isoState: 'urn:iso:std:iso:3166:-2',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  usCoreCarePlanCategory: 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category',
} as const;

/** HCPCS under either spelling of its system URI counts as one system. */
export const isHcpcs = (system: string | undefined) => system === SYSTEM.hcpcs || system === SYSTEM.hcpcsLegacy;
