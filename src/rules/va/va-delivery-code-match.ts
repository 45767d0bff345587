/** Group codes (S9445, H0025) bill group sessions; individual codes (T1012, H0024) bill individual sessions. */
import { defineRule } from '../engine';
import { delivery, isGroupCode } from '../facts';
import { isVaCode, itemPath, sessionLines } from './facts-units';

export const vaDeliveryCodeMatch = defineRule({
  id: 'va-delivery-code-match',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'Group codes only for group sessions, individual codes only for individual sessions (session type).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Service Delivery; billing table',
    quote: 'Peer Support Services and Family Support Partners shall be rendered on an individual basis or in a group.',
    note: 'The billing table gives each delivery its own code: T1012/H0024 individual, S9445/H0025 group.',
  },
  check(ctx) {
    return sessionLines(ctx).flatMap((l) => {
      const how = delivery(l.encounter);
      if (!how || !isVaCode(l.code)) return [];
      const codeIsGroup = isGroupCode(l.code);
      if (codeIsGroup === (how === 'group')) return [];
      return [{
        diagnostics: `Line ${l.index + 1} bills ${l.code}, a${codeIsGroup ? ' group' : 'n individual'} code, for a${how === 'group' ? ' group' : 'n individual'} session`,
        expression: itemPath(l.index, 'productOrService'),
        item: l.index,
      }];
    });
  },
});
