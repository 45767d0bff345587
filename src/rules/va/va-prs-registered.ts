import { defineRule } from '../engine';
import { missingCredentialFindings } from './facts-staff';

export const vaPrsRegistered = defineRule({
  id: 'va-prs-registered',
  severity: 'error',
  scope: 'practitioner',
  pack: 'US-VA',
  description: 'The rendering PRS holds a current Board of Counseling registration on the date of service.',
  citation: {
    seed: '000_d62176fc8cbdb475.txt',
    section: 'Provider and Setting Requirements',
    quote: 'In order for Peer Recovery Support Services to be reimbursed by Medicaid, the Peer Recovery Specialist (PRS) must be registered with the VA Dept. of Health Professions Board of Counseling.',
    note: '001 (Registered Peer Recovery Specialists) says the same: "Is registered with the Board of Counseling at the Department of Health Professions".',
  },
  check: (ctx) => missingCredentialFindings(ctx, 'prs-registration', 'Board of Counseling registration'),
});
