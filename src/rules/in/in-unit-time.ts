import { defineRule } from '../engine';
import { unitTimeFindings } from '../va/facts-staff';

export const inUnitTime = defineRule({
  id: 'in-unit-time',
  severity: 'error',
  scope: 'line',
  pack: 'US-IN',
  description: 'Units do not exceed the session\'s active minutes / 15 (H0038 is per 15 minutes).',
  citation: {
    seed: '002_a7ddaad70fe13dc0.txt',
    section: 'Coding Requirements (H0038)',
    quote: 'Self-help/peer services, per 15 minutes.',
    note: 'A unit is 15 whole minutes of active service; interruptions are removed (domain model, "Unit").',
  },
  check: (ctx) => unitTimeFindings(ctx),
});
