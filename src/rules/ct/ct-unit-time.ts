import { defineRule } from '../engine';
import { unitTimeFindings } from '../va/facts-staff';

export const ctUnitTime = defineRule({
  id: 'ct-unit-time',
  severity: 'error',
  scope: 'line',
  pack: 'US-CT',
  description: 'Units do not exceed the session\'s active minutes / 15.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Unit of Service',
    quote: 'Unit of Service: 15 Minutes',
    note: 'A unit is 15 whole minutes of active service; interruptions are removed (domain model, "Unit").',
  },
  check: (ctx) => unitTimeFindings(ctx),
});
