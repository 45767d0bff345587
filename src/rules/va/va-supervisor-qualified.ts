import type { Practitioner, Reference } from 'fhir/r4';
import { CS, EXT } from '../../prss/terminology';
import type { ResourceBag } from '../context';
import { defineRule, type Finding } from '../engine';
import { dayOf, extCode, hasCode, holdsCredential, lineCode, periodCovers, programOfCode, rolesOn } from '../facts';
import { directSupervisor, experienceStart, lineRendering, lineSession, personName, yearsBefore } from './facts-staff';
import { datedLines } from '../common/lines';

/** CATP as for the assessor: the LMHP family counts (they are CATPs under the definition's items). */
const CATP = ['catp', 'lmhp', 'lmhp-r', 'lmhp-rp', 'lmhp-s'];
const LMHP = ['lmhp', 'lmhp-r', 'lmhp-rp', 'lmhp-s'];
/** Who may supervise a CSAC supervisor: a licensed substance use treatment practitioner or an LMHP. */
const LICENSED = ['lmhp', 'catp'];

type Program = 'arts' | 'mh' | undefined;

/** Why the supervisor does not qualify for the program on the day, or undefined when one path holds. */
export function supervisorShortfall(bag: ResourceBag, sup: Practitioner, day: string, program: Program, provider: Reference | undefined): string | undefined {
  if (rolesOn(bag, sup, day, provider).length === 0) return 'has no role with the billing provider (the supervisor must work for the same provider as the PRS)';
  const has = (code: string) => holdsCredential(sup, code, day);
  if (!has('dbhds-prs-supervisor-training')) return 'has not completed the DBHDS PRS supervisor training (dbhds-prs-supervisor-training)';
  const start = experienceStart(sup);
  if (start && start <= yearsBefore(day, 2) && has('prs-certification')) return undefined;
  if (program !== 'mh') {
    if (CATP.some(has)) return undefined;
    if (has('csac')) {
      const own = directSupervisor(bag, sup, day, provider).practitioner;
      if (own && LICENSED.some((c) => holdsCredential(own, c, day))) return undefined;
    }
  }
  if (program !== 'arts') {
    if (LMHP.some(has)) return undefined;
    const qmhpSince = (sup.qualification ?? [])
      .filter((q) => hasCode(q.code, CS.credential, 'qmhp') && periodCovers(q.period, day))
      .map((q) => dayOf(q.period?.start))
      .find((s) => s && s <= yearsBefore(day, 2));
    if (qmhpSince) return undefined;
  }
  const paths = program === 'arts'
    ? 'a PRS with two years\' experience and current certification, a CATP, or a CSAC supervised by a licensed practitioner'
    : program === 'mh'
      ? 'a PRS with two years\' experience and current certification, a QMHP of two years, or an LMHP/-R/-RP/-S'
      : 'a PRS with two years\' experience and current certification, a CATP, a supervised CSAC, a QMHP of two years, or an LMHP/-R/-RP/-S';
  return `is none of: ${paths}`;
}

export const vaSupervisorQualified = defineRule({
  id: 'va-supervisor-qualified',
  severity: 'warning',
  scope: 'practitioner',
  pack: 'US-VA',
  description: 'The direct supervisor works for the same provider and meets the direct supervisor qualifications for the program.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Definitions ("Direct Supervisor in ARTS")',
    quote: 'The direct supervisor: 1) shall have two consecutive years of documented practical experience rendering peer support services or family support services, have certification as a PRS under a certifying body approved by DBHDS, and have completed the DBHDS PRS supervisor training; or 2) shall be a CATP or a CSAC who has documented completion of the DBHDS PRS supervisor training The CSAC shall be acting under the supervision or direction of a licensed substance use treatment practitioner or licensed mental health professional (LMHP).',
    note: 'MH lines use "Direct Supervisor in a Mental Health setting" (PRS path, QMHP with two consecutive years, or LMHP/-R/-RP/-S, each with the supervisor training); a line of unknown program accepts either definition. The same-provider condition is from Supervision of Peer Recovery Specialists. Two years as a QMHP = a current qmhp qualification whose period started two years before the date.',
  },
  check(ctx) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const line of datedLines(ctx)) {
      const { practitioner: prs, expression } = lineRendering(ctx, line);
      const session = lineSession(ctx, line)?.encounter;
      const program = programOfCode(lineCode(line.item), 'US-VA') ?? (session ? extCode(session, EXT.program) as Program : undefined);
      const key = `${prs?.id}|${line.day}|${program}`;
      if (!prs || seen.has(key)) continue;
      seen.add(key);
      const sup = directSupervisor(ctx.data, prs, line.day, ctx.claim.provider);
      let why: string | undefined;
      if (!sup.ref) why = `${personName(prs)} has no direct supervisor named on a role with the billing provider on ${line.day}`;
      else if (!sup.practitioner) why = `the direct supervisor ${sup.ref.reference ?? ''} of ${personName(prs)} does not resolve to a Practitioner`;
      else {
        const shortfall = supervisorShortfall(ctx.data, sup.practitioner, line.day, program, ctx.claim.provider);
        if (shortfall) why = `the direct supervisor ${personName(sup.practitioner)} of ${personName(prs)} ${shortfall} on ${line.day}`;
      }
      if (why) out.push({ diagnostics: `${why[0].toUpperCase()}${why.slice(1)}.`, expression, item: line.index });
    }
    return out;
  },
});
