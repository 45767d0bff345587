import { defineRule } from '../engine';
import { concurrencyFindings } from './episodes';

export const ctResidentialConcurrency = defineRule({
  id: 'ct-residential-concurrency',
  severity: 'error',
  scope: 'history',
  pack: 'US-CT',
  description: 'Not billable on a date inside a residential episode, except during the transition to peer support: an episode that ends within 30 days of the member\'s first waiver peer support session.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Limitations (4)',
    quote: 'With the allowable exception of a transition period to Peer Support services (up to 30-days), Peer Support services cannot be provided concurrently with residential care;',
    note: 'The transition is allowed when the residential episode ends no more than 30 days after the first waiver peer support session; an open-ended episode never qualifies.',
  },
  check: (ctx) => concurrencyFindings(ctx, ['residential'], 'residential'),
});
