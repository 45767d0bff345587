import { defineRule, type Finding } from '../engine';
import { at, documentedDiagnoses, isSudCode, vaLines } from './facts-plan';

/** ARTS peer services rest on a documented substance use disorder (ICD-10-CM F10–F19). */
export const vaDxArts = defineRule({
  id: 'va-dx-arts',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'ARTS services need a documented substance use disorder diagnosis (ICD-10-CM F10–F19) for the member.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'MEDICAL NECESSITY (ARTS Peer Support Services)',
    quote: 'Have a documented substance use disorder or co-occurring mental health and substance use disorder diagnoses.',
    note: 'A diagnosis counts when recorded on or before the date of service and neither refuted, entered in error, resolved nor inactive.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      if (line.program !== 'arts') continue;
      const dx = documentedDiagnoses(ctx, line.day);
      if (!dx.some((d) => isSudCode(d.code))) {
        out.push({
          item: line.index,
          expression: at.service(line),
          diagnostics: `${line.code} on ${line.day} is an ARTS service, but the member has no documented substance use disorder diagnosis (ICD-10-CM F10–F19); documented: ${dx.map((d) => d.code).join(', ') || 'none'}`,
        });
      }
    }
    return out;
  },
});
