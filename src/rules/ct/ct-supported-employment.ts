import { defineRule } from '../engine';
import { dayOf } from '../facts';
import { dateExpression } from '../va/facts-staff';
import { datedLines } from '../common/lines';
import { episodesOn } from './episodes';

export const ctSupportedEmployment = defineRule({
  id: 'ct-supported-employment',
  severity: 'warning',
  scope: 'history',
  pack: 'US-CT',
  description: 'Peer support during an active supported-employment episode may duplicate it.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Limitations (5)',
    quote: 'Peer Support services must exclude services that are duplicative of Supported Employment services;',
    note: 'Concurrent supported employment is not itself excluded, only duplicated services: a reviewer must see the overlap, so it is a warning.',
  },
  check(ctx) {
    return datedLines(ctx).flatMap((line) => {
      const episode = episodesOn(ctx, ['supported-employment'], line.day)[0];
      if (!episode) return [];
      return [{
        diagnostics: `${line.day} (line ${line.index + 1}) falls inside the member's supported-employment episode (EpisodeOfCare/${episode.id}, from ${dayOf(episode.period?.start) ?? 'open'}): the peer support must not duplicate it.`,
        expression: dateExpression(line),
        item: line.index,
      }];
    });
  },
});
