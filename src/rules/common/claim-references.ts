/** Everything the rules need resolves: patient, provider, coverage, care team, each line's session. */
import type { Encounter, FhirResource, Reference } from 'fhir/r4';
import { defineRule, type Finding } from '../engine';
import { refKey } from '../context';
import { itemPath } from './lines';

const shown = (ref: { reference?: string; display?: string } | undefined) => ref?.reference ?? ref?.display ?? '(no reference)';

export const claimReferences = defineRule({
  id: 'claim-references',
  severity: 'error',
  scope: 'claim',
  pack: 'common',
  description: 'Everything the rules need resolves: patient, provider, coverage, each line\'s session; a dangling reference is reported, not ignored.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'SERVICE AUTHORIZATION AND BILLING: ARTS AND MH PEER RECOVERY SUPPORT SERVICES',
    quote: 'Information supplied by the provider to DMAS or its contractor shall be fully substantiated throughout the member’s record.',
    note: 'A claim whose member, provider, coverage, rendering PRS or sessions cannot be found cannot be substantiated, so the rules that read them are never silently skipped.',
  },
  check(ctx) {
    const { claim, data } = ctx;
    const findings: Finding[] = [];
    const need = (ref: Reference | undefined, types: FhirResource['resourceType'][], what: string, expression: string, item?: number) => {
      const found = types.some((t) => data.resolve(ref, t));
      if (!found) {
        findings.push({
          diagnostics: ref ? `The ${what} ${shown(ref)} does not resolve to a stored ${types.join(' or ')}` : `The claim names no ${what}`,
          expression,
          ...(item !== undefined ? { item } : {}),
        });
      }
      return found;
    };
    need(claim.patient, ['Patient'], 'patient', 'Claim.patient');
    need(claim.provider, ['Organization'], 'billing provider', 'Claim.provider');
    if (!claim.insurance?.length) findings.push({ diagnostics: 'The claim names no coverage', expression: 'Claim.insurance' });
    (claim.insurance ?? []).forEach((ins, i) => need(ins.coverage, ['Coverage'], 'coverage', `Claim.insurance[${i}].coverage`));
    (claim.careTeam ?? []).forEach((m, i) => need(m.provider, ['Practitioner', 'PractitionerRole'], 'care-team member', `Claim.careTeam[${i}].provider`));
    const sequences = new Set((claim.careTeam ?? []).map((m) => m.sequence));
    (claim.item ?? []).forEach((item, index) => {
      for (const seq of item.careTeamSequence ?? []) {
        if (!sequences.has(seq)) findings.push({ diagnostics: `Line ${index + 1} points at care-team member ${seq}, which the claim does not list`, expression: itemPath(index, 'careTeamSequence'), item: index });
      }
      if (!item.encounter?.length) {
        findings.push({ diagnostics: `Line ${index + 1} names no session (Claim.item.encounter): the units cannot be checked against a session`, expression: itemPath(index, 'encounter'), item: index });
      }
      (item.encounter ?? []).forEach((ref, j) => {
        if (!need(ref, ['Encounter'], 'session', itemPath(index, `encounter[${j}]`), index)) return;
        const e = data.resolve<Encounter>(ref, 'Encounter')!;
        // Supervision meetings carry no subject; the billable-encounter rule judges those.
        if (e.subject && refKey(e.subject) !== refKey(claim.patient)) {
          findings.push({ diagnostics: `Line ${index + 1}'s session ${shown(ref)} is for ${shown(e.subject)}, not the claim's patient ${shown(claim.patient)}`, expression: itemPath(index, `encounter[${j}]`), item: index });
        }
      });
    });
    return findings;
  },
});
