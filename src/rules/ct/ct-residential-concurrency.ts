import { defineRule } from '../engine';
import { concurrencyFindings } from './episodes';

export const ctResidentialConcurrency = defineRule({
  id: 'ct-residential-concurrency',
  severity: 'error',
  scope: 'history',
  pack: 'US-CT',
  description: 'Not billable on a date inside a residential episode, except during the transition to peer support: dates within 30 days of the member\'s first waiver peer support session, whatever the other episode\'s end.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Limitations (4)',
    quote: 'With the allowable exception of a transition period to Peer Support services (up to 30-days), Peer Support services cannot be provided concurrently with residential care;',
    note: 'Reading: the transition is counted on the peer support side, from the member\'s first waiver peer support session (finished session or billed line) through the 30th day after it (inclusive; day 31 is outside): a line dated in that window is allowed whatever the other episode\'s end (open-ended included); after it, a line dated inside the episode is not billable.',
  },
  check: (ctx) => concurrencyFindings(ctx, ['residential'], 'residential'),
});
