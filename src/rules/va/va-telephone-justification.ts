/** A telephone session documents why it was by telephone. */
import { defineRule } from '../engine';
import { contactMode, extString } from '../facts';
import { EXT } from '../../prss/terminology';
import { itemPath, sessionLines } from './facts-units';

export const vaTelephoneJustification = defineRule({
  id: 'va-telephone-justification',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'A telephone session documents its justification.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Service Delivery',
    quote: 'Justification for services rendered with the member via telephone shall be documented.',
  },
  check(ctx) {
    return sessionLines(ctx)
      .filter(({ encounter }) => contactMode(encounter) === 'telephone' && !extString(encounter, EXT.telephoneJustification)?.trim())
      .map(({ index, encounter }) => ({
        diagnostics: `Session ${encounter.id} was by telephone but documents no justification (telephone-justification)`,
        expression: itemPath(index, 'encounter'),
        item: index,
      }));
  },
});
