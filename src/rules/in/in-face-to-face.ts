import { defineRule } from '../engine';
import { notFaceToFaceFindings } from '../va/facts-staff';

export const inFaceToFace = defineRule({
  id: 'in-face-to-face',
  severity: 'error',
  scope: 'line',
  pack: 'US-IN',
  description: 'Individual, face-to-face services only (no telephone).',
  citation: {
    seed: '002_a7ddaad70fe13dc0.txt',
    section: 'Indiana Criteria',
    quote: 'PRSS is individual, face-to-face, and provides structured, scheduled activities that promote socialization, recovery, self-advocacy, development of natural supports, and maintenance of community living skills.',
    note: 'Face to face = in person or two-way audio and video (domain model); audio-only is the telephone. Group delivery is in-no-group\'s finding.',
  },
  check: (ctx) => notFaceToFaceFindings(ctx),
});
