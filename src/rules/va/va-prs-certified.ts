import { defineRule } from '../engine';
import { missingCredentialFindings } from './facts-staff';

export const vaPrsCertified = defineRule({
  id: 'va-prs-certified',
  severity: 'error',
  scope: 'practitioner',
  pack: 'US-VA',
  description: 'The rendering PRS holds a current certification by a DBHDS-approved body on the date of service.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Registered Peer Recovery Specialists (PRS)',
    quote: 'Has a current certification by a certifying body approved by DBHDS;',
  },
  check: (ctx) => missingCredentialFindings(ctx, 'prs-certification', 'current PRS certification'),
});
