import { CS, EXT } from '../../prss/terminology';
import { defineRule, type Finding } from '../engine';
import { exts } from '../facts';
import { assessmentFor, at, idOf, vaLines } from './facts-plan';

const DOMAINS = new Set(['educational', 'social', 'vocational', 'self-maintenance']);
const FSP_NEEDS = new Set(['wellness-skills', 'self-advocacy', 'work-school-readiness', 'recovery-responsibility']);

/** Codes of a repeating code extension, whether carried as valueCode or as a Coding of the right system. */
const codesOf = (el: Parameters<typeof exts>[0], url: string, system: string, allowed: Set<string>) =>
  [...new Set(exts(el, url)
    .map((e) => e.valueCode ?? (e.valueCoding?.system === system ? e.valueCoding.code : undefined) ?? e.valueCodeableConcept?.coding?.find((c) => c.system === system)?.code)
    .filter((c): c is string => !!c && allowed.has(c)))];

/** PSS: moderate-to-severe impairment in at least one functional domain; FSP: two or more needs. */
export const vaFunctionalImpairment = defineRule({
  id: 'va-functional-impairment',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'PSS: the assessment records moderate-to-severe impairment in ≥ 1 functional domain (the `functional-impairment` extension lists only domains impaired to that degree). FSP: the assessment records ≥ 2 FSP needs.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'MEDICAL NECESSITY',
    quote: 'Demonstrate moderate to severe functional impairment because of the diagnosis that interferes with or limits performance (relative to the person’s ethnic or cultural environment) in at least one of the following domains:',
    note: 'For FSP the caregiver "meets two or more of the following" needs: read as two distinct `fsp-need` codes on the assessment the line relies on.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const sr = assessmentFor(ctx, line);
      if (!sr || !line.service) continue; // va-assessment-required reports a line with no assessment
      const where = { item: line.index, expression: at.service(line) };
      if (line.service === 'pss') {
        const domains = codesOf(sr, EXT.functionalImpairment, CS.functionalDomain, DOMAINS);
        if (domains.length < 1) out.push({ ...where, diagnostics: `Assessment ${idOf(sr)} records no functional domain with moderate to severe impairment; Peer Support Services on ${line.day} need at least 1 (educational, social, vocational, self-maintenance)` });
      } else {
        const needs = codesOf(sr, EXT.fspNeed, CS.fspNeed, FSP_NEEDS);
        if (needs.length < 2) out.push({ ...where, diagnostics: `Assessment ${idOf(sr)} records ${needs.length} FSP need(s)${needs.length ? ` (${needs.join(', ')})` : ''}; Family Support Partners on ${line.day} need at least 2` });
      }
    }
    return out;
  },
});
