import { defineRule } from '../engine';
import { notFaceToFaceFindings } from '../va/facts-staff';

export const ctFaceToFace = defineRule({
  id: 'ct-face-to-face',
  severity: 'error',
  scope: 'line',
  pack: 'US-CT',
  description: 'Only face-to-face service is billable; telephone contact is not.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Covered services',
    quote: 'Peer Support services of at least 15-minutes duration provided face-to-face with the participant in his/her home and in other community settings.',
    note: 'Non-billable Activities (3): "Telephone contact with the participant". Face to face = in person or two-way audio and video (domain model).',
  },
  check: (ctx) => notFaceToFaceFindings(ctx),
});
