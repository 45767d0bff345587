/**
 * A PRS's standing on a date (PractitionerRole/$caseload): the members on the caseload, its count
 * against the limit, this month's supervision and the practitioner rules' findings. The members and
 * the qualifying meetings come from the rules' own helpers (caseloadOn, qualifyingMeetings); the
 * limit and the number of meetings required are the rules' answers to synthetic questions (the
 * smallest caseload va-caseload flags, the fewest meetings that satisfy va-supervision-frequency),
 * so neither number is restated here.
 */
import type { CarePlan, Encounter, Organization, Practitioner, PractitionerRole, Reference } from 'fhir/r4';
import { CS, EXT, SYSTEM } from '../../prss/terminology';
import { ResourceBag, type RuleOptions } from '../context';
import type { RuleResult } from '../engine';
import { activeMinutes, encounterKind, extCode, isFaceToFace, practitionerOf, primaryPerformer, sessionDay } from '../facts';
import { caseloadOn, directSupervisor, employmentTypeOn, experienceStart, monthsBetween } from '../va/facts-staff';
import { vaCaseload } from '../va/va-caseload';
import { qualifyingMeetings, vaSupervisionFrequency } from '../va/va-supervision-frequency';
import { vaSupervisorQualified } from '../va/va-supervisor-qualified';
import { addDays } from '../facts';
import { PROBE_PREFIX, contextFor, probeClaim } from './probe';

export interface MeetingStanding { encounter: string; date: string; minutes: number; faceToFace: boolean; qualifies: boolean }

export interface Caseload {
  role: PractitionerRole;
  practitioner: Practitioner;
  date: string;
  employmentType: 'full-time' | 'part-time';
  /** Member references (`Patient/<id>`), sorted. */
  members: string[];
  limit?: number;
  overLimit: boolean;
  supervision: {
    month: string;
    experienceMonths?: number;
    required?: number;
    meetings: MeetingStanding[];
    qualifying: number;
    qualifyingMinutes: number;
    met: boolean;
    supervisor?: string;
  };
  findings: RuleResult[];
}

const ref = (r: { resourceType: string; id?: string }): Reference => ({ reference: `${r.resourceType}/${r.id}` });
const cc = (system: string, code: string) => ({ coding: [{ system, code }] });

/** A synthetic provider, PRS and role (and supervisor), as bare as the rules allow. */
function syntheticStaff(type: 'full-time' | 'part-time', experience?: string) {
  const org: Organization = { resourceType: 'Organization', id: PROBE_PREFIX };
  const prs: Practitioner = {
    resourceType: 'Practitioner', id: PROBE_PREFIX,
    ...(experience ? { extension: [{ url: EXT.peerExperienceStart, valueDate: experience }] } : {}),
  };
  const supervisor: Practitioner = { resourceType: 'Practitioner', id: `${PROBE_PREFIX}-supervisor` };
  const role: PractitionerRole = {
    resourceType: 'PractitionerRole', id: PROBE_PREFIX, active: true, practitioner: ref(prs), organization: ref(org),
    extension: [{ url: EXT.employmentType, valueCode: type }],
  };
  return { org, prs, supervisor, role, bag: new ResourceBag([org, prs, supervisor, role]) };
}

const limitCache = new Map<string, number | undefined>();
/** The caseload limit: one less than the smallest caseload va-caseload flags for a PRS of the type. */
export function caseloadLimit(type: 'full-time' | 'part-time', day: string, options: RuleOptions): number | undefined {
  if (limitCache.has(type)) return limitCache.get(type);
  const s = syntheticStaff(type);
  const claim = probeClaim({ careTeam: ref(s.role), provider: ref(s.org), lines: [{ code: 'T1012', day, units: 0 }] });
  let limit: number | undefined;
  for (let n = 1; n <= 1000 && limit === undefined; n++) {
    const plan: CarePlan = {
      resourceType: 'CarePlan', id: `${PROBE_PREFIX}-${n}`, status: 'active', intent: 'plan',
      category: [cc(CS.careplanCategory, 'rrwp')], subject: { reference: `Patient/${PROBE_PREFIX}-${n}` }, author: ref(s.role), period: { start: day },
    };
    s.bag.add(plan);
    if (vaCaseload.check(contextFor('US-VA', claim, s.bag, options)).length) limit = n - 1;
  }
  limitCache.set(type, limit);
  return limit;
}

const requiredCache = new Map<string, number | undefined>();
/** Meetings required in the month: the fewest qualifying meetings after which va-supervision-frequency is satisfied. */
export function supervisionRequired(experience: string | undefined, day: string, options: RuleOptions): number | undefined {
  const key = `${experience ?? ''}|${day}`;
  if (requiredCache.has(key)) return requiredCache.get(key);
  const s = syntheticStaff('full-time', experience);
  const claim = probeClaim({ careTeam: ref(s.role), provider: ref(s.org), lines: [{ code: 'T1012', day, units: 0 }] });
  const month = day.slice(0, 7);
  let required: number | undefined;
  for (let k = 0; k <= 28 && required === undefined; k++) {
    if (k > 0) {
      const start = `${month}-${String(k).padStart(2, '0')}T09:00:00Z`;
      s.bag.add({
        resourceType: 'Encounter', id: `${PROBE_PREFIX}-meeting-${k}`, status: 'finished', class: { system: SYSTEM.actCode, code: 'AMB' },
        type: [cc(CS.encounterKind, 'supervision')], period: { start, end: `${month}-${String(k).padStart(2, '0')}T10:00:00Z` },
        participant: [{ individual: ref(s.role) }, { individual: ref(s.supervisor) }],
        extension: [{ url: EXT.contactMode, valueCode: 'in-person' }],
      });
    }
    if (!vaSupervisionFrequency.check(contextFor('US-VA', claim, s.bag, options)).length) required = k;
  }
  requiredCache.set(key, required);
  return required;
}

/** Programs the PRS serves on the day: of the members' sessions rendered in the caseload window. */
function programsServed(bag: ResourceBag, prs: Practitioner, day: string): ('arts' | 'mh' | undefined)[] {
  const from = addDays(day, -30);
  const found = new Set<'arts' | 'mh'>();
  for (const e of bag.all<Encounter>('Encounter')) {
    const d = sessionDay(e);
    if (encounterKind(e) !== 'session' || !d || d < from || d > day || practitionerOf(bag, primaryPerformer(e)) !== prs) continue;
    const p = extCode(e, EXT.program);
    if (p === 'arts' || p === 'mh') found.add(p);
  }
  return found.size ? [...found].sort() : [undefined];
}

export function computeCaseload(bag: ResourceBag, role: PractitionerRole, day: string, options: RuleOptions): Caseload | { problem: string } {
  const practitioner = bag.resolve<Practitioner>(role.practitioner, 'Practitioner');
  if (!practitioner) return { problem: `PractitionerRole/${role.id} names no Practitioner that can be found (${role.practitioner?.reference ?? 'none'})` };
  const employmentType = employmentTypeOn(bag, practitioner, day, role.organization);
  const members = [...caseloadOn(bag, practitioner, day)].sort();
  const limit = caseloadLimit(employmentType, day, options);

  // The rules, asked about a service by the PRS at the role's provider on the day (one line per program served).
  const codes = programsServed(bag, practitioner, day).map((p) => (p === 'arts' ? 'T1012' : p === 'mh' ? 'H0024' : 'H0038'));
  const claim = probeClaim({ careTeam: ref(role), provider: role.organization, lines: codes.map((code) => ({ code, day, units: 0 })) });
  const ctx = contextFor('US-VA', claim, bag, options);
  const findings = [vaCaseload, vaSupervisionFrequency, vaSupervisorQualified]
    .flatMap((rule) => rule.check(ctx).map((finding) => ({ rule, finding })))
    .filter((f, i, all) => all.findIndex((g) => g.rule === f.rule && g.finding.diagnostics === f.finding.diagnostics) === i);

  const month = day.slice(0, 7);
  const qualifying = qualifyingMeetings(bag, practitioner, month);
  const meetings = bag.all<Encounter>('Encounter')
    .filter((e) => encounterKind(e) === 'supervision' && e.status === 'finished' && sessionDay(e)?.startsWith(month))
    .filter((e) => (e.participant ?? []).some((p) => practitionerOf(bag, p.individual) === practitioner))
    .sort((a, b) => (a.period?.start ?? '').localeCompare(b.period?.start ?? ''))
    .map((e): MeetingStanding => ({ encounter: `Encounter/${e.id}`, date: sessionDay(e)!, minutes: activeMinutes(e), faceToFace: isFaceToFace(e), qualifies: qualifying.includes(e) }));
  const start = experienceStart(practitioner);
  const supervisor = directSupervisor(bag, practitioner, day, role.organization);
  return {
    role, practitioner, date: day, employmentType, members, limit,
    overLimit: findings.some((f) => f.rule === vaCaseload),
    supervision: {
      month,
      experienceMonths: start ? Math.max(0, monthsBetween(start, day)) : undefined,
      required: supervisionRequired(start, day, options),
      meetings,
      qualifying: qualifying.length,
      qualifyingMinutes: qualifying.reduce((s, e) => s + activeMinutes(e), 0),
      met: !findings.some((f) => f.rule === vaSupervisionFrequency),
      supervisor: supervisor.ref?.reference,
    },
    findings,
  };
}

