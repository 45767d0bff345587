import { defineRule } from '../engine';
import { notFaceToFaceFindings } from '../va/facts-staff';

export const inFaceToFace = defineRule({
  id: 'in-face-to-face',
  severity: 'error',
  scope: 'line',
  pack: 'US-IN',
  description: 'Individual, face-to-face services only: no telephone, and no video.',
  citation: {
    seed: '002_a7ddaad70fe13dc0.txt',
    section: 'Indiana Criteria',
    quote: 'PRSS is individual, face-to-face, and provides structured, scheduled activities that promote socialization, recovery, self-advocacy, development of natural supports, and maintenance of community living skills.',
    note: 'Reading: face to face means in person here. Neither telephone nor two-way video counts: unlike Virginia, which defers telemedicine to its Telehealth Services Supplement, the Indiana guide allows no telemedicine. A session by video (contact mode telehealth-video, or a line coded 95/GT or place of service 02/10) is refused like a telephone one. Group delivery is in-no-group\'s finding.',
  },
  check: (ctx) => notFaceToFaceFindings(ctx),
});
