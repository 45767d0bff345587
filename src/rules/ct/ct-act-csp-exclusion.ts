import { defineRule } from '../engine';
import { concurrencyFindings } from './episodes';

export const ctActCspExclusion = defineRule({
  id: 'ct-act-csp-exclusion',
  severity: 'error',
  scope: 'history',
  pack: 'US-CT',
  description: 'Not billable on a date inside an ACT or CSP episode, except during the step-down: an episode that ends within 30 days of the member\'s first waiver peer support session.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Limitations (3)',
    quote: 'Individuals receiving Assertive Community Treatment (ACT) or Community Support Program (CSP), both of which have a peer support component, are excluded from waiver Peer Support services, except during a brief transition phase (not to exceed 30 days) between ACT or CSP and Peer Support;',
    note: 'The transition is the overlap of the ACT/CSP episode with peer support: allowed when the episode ends no more than 30 days after the first waiver peer support session; an open-ended episode never qualifies.',
  },
  check: (ctx) => concurrencyFindings(ctx, ['act', 'csp'], 'ACT/CSP'),
});
