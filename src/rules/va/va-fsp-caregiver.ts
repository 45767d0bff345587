import type { RelatedPerson } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { refKey } from '../context';
import { defineRule, type Finding } from '../engine';
import { extBool, extString } from '../facts';
import { at, idOf, vaLines } from './facts-plan';

/** FSP is a service to an unpaid caregiver, directed exclusively toward the youth's benefit. */
export const vaFspCaregiver = defineRule({
  id: 'va-fsp-caregiver',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'FSP is delivered to an unpaid caregiver (RelatedPerson with `paid-caregiver` false) and documents how it benefits the youth (`youth-benefit`).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Definitions ("Caregiver"); LIMITATIONS',
    quote: '“Caregiver” does not include individuals who are employed to care for the member.',
    note: 'A caregiver provides unpaid assistance (same definition). LIMITATIONS adds "The applicability to the targeted youth must be documented": read as a non-empty `youth-benefit` on the session. A caregiver whose `paid-caregiver` is absent is not shown to be unpaid.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const session = line.session;
      if (!session || line.service !== 'fsp') continue;
      const refs = (session.participant ?? []).map((p) => p.individual).filter((r) => refKey(r)?.startsWith('RelatedPerson/'));
      const caregivers = refs.map((r) => ctx.data.resolve<RelatedPerson>(r, 'RelatedPerson')).filter((r): r is RelatedPerson => !!r);
      const where = { item: line.index, expression: at.session(line) };
      if (caregivers.length === 0) {
        out.push({ ...where, diagnostics: `FSP session ${idOf(session)} on ${line.day} names no caregiver (RelatedPerson) participant${refs.length ? ` that can be found (${refs.map((r) => r?.reference).join(', ')})` : ''}; Family Support Partners are provided to the youth's caregiver` });
      } else if (!caregivers.some((c) => extBool(c, EXT.paidCaregiver) === false && refKey(c.patient) === refKey(ctx.claim.patient))) {
        const why = caregivers.map((c) => `${idOf(c)}: paid-caregiver ${extBool(c, EXT.paidCaregiver) ?? 'not recorded'}${refKey(c.patient) === refKey(ctx.claim.patient) ? '' : ', not related to this member'}`);
        out.push({ ...where, diagnostics: `FSP session ${idOf(session)} on ${line.day} has no unpaid caregiver of the member (${why.join('; ')}); a caregiver employed to care for the member does not qualify` });
      }
      if (!extString(session, EXT.youthBenefit)?.trim()) {
        out.push({ ...where, diagnostics: `FSP session ${idOf(session)} on ${line.day} does not document how the service benefits the youth (youth-benefit)` });
      }
    }
    return out;
  },
});
