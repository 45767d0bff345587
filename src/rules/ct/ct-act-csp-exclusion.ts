import { defineRule } from '../engine';
import { concurrencyFindings } from './episodes';

export const ctActCspExclusion = defineRule({
  id: 'ct-act-csp-exclusion',
  severity: 'error',
  scope: 'history',
  pack: 'US-CT',
  description: 'Not billable on a date inside an ACT or CSP episode, except during the step-down: dates within 30 days of the member\'s first waiver peer support session, whatever the other episode\'s end.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Limitations (3)',
    quote: 'Individuals receiving Assertive Community Treatment (ACT) or Community Support Program (CSP), both of which have a peer support component, are excluded from waiver Peer Support services, except during a brief transition phase (not to exceed 30 days) between ACT or CSP and Peer Support;',
    note: 'Reading: the transition is counted on the peer support side, from the member\'s first waiver peer support session (finished session or billed line) through the 30th day after it (inclusive; day 31 is outside): a line dated in that window is allowed whatever the other episode\'s end (open-ended included); after it, a line dated inside the episode is not billable.',
  },
  check: (ctx) => concurrencyFindings(ctx, ['act', 'csp'], 'ACT/CSP'),
});
