import { defineRule } from '../engine';
import { notFaceToFaceFindings } from '../va/facts-staff';

export const ctFaceToFace = defineRule({
  id: 'ct-face-to-face',
  severity: 'error',
  scope: 'line',
  pack: 'US-CT',
  description: 'Only face-to-face service is billable: telephone contact is not, and neither is video.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Covered services',
    quote: 'Peer Support services of at least 15-minutes duration provided face-to-face with the participant in his/her home and in other community settings.',
    note: 'Reading: face to face means in person with the participant "in his/her home and in other community settings"; the waiver allows no telemedicine, so two-way video (contact mode telehealth-video, or a line coded 95/GT or place of service 02/10) is refused as telephone contact is (Non-billable Activities (3): "Telephone contact with the participant").',
  },
  check: (ctx) => notFaceToFaceFindings(ctx),
});
