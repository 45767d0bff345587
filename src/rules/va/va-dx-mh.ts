import { defineRule, type Finding } from '../engine';
import { at, documentedDiagnoses, isMhCode, vaLines } from './facts-plan';

/** MH peer services rest on a documented mental health diagnosis (ICD-10-CM F20–F69, F90–F99). */
export const vaDxMh = defineRule({
  id: 'va-dx-mh',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'MH services need a documented mental health diagnosis (ICD-10-CM F20–F69, F90–F99).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'MEDICAL NECESSITY (MH Peer Support Services)',
    quote: 'Have a documented mental health disorder diagnosis',
    note: 'Mental health disorders are read as ICD-10-CM F20–F69 and F90–F99: chapter V without substance use (F10–F19), organic (F01–F09) and intellectual/developmental (F70–F89) disorders. A diagnosis counts when recorded on or before the date of service and neither refuted, entered in error, resolved nor inactive.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      if (line.program !== 'mh') continue;
      const dx = documentedDiagnoses(ctx, line.day);
      if (!dx.some((d) => isMhCode(d.code))) {
        out.push({
          item: line.index,
          expression: at.service(line),
          diagnostics: `${line.code} on ${line.day} is a mental health service, but the member has no documented mental health diagnosis (ICD-10-CM F20–F69, F90–F99); documented: ${dx.map((d) => d.code).join(', ') || 'none'}`,
        });
      }
    }
    return out;
  },
});
