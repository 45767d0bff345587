/** Billing only for services with the member present (for FSP, the caregiver counts too). */
import { defineRule } from '../engine';
import { encounterKind, extBool, serviceOf } from '../facts';
import { refKey } from '../context';
import { EXT } from '../../prss/terminology';
import { itemPath, sessionLines } from './facts-units';

export const vaMemberPresent = defineRule({
  id: 'va-member-present',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'Billing only for services with the member present (member-present = true; for FSP the caregiver participant also counts (reading: FSP is a service to the caregiver)).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Service Delivery',
    quote: 'Billing shall occur only for services provided with the member present.',
    note: 'Reading: Family Support Partners is a service to the caregiver ("provided to the caregiver"), so for an FSP session a caregiver (RelatedPerson) participant counts as presence even when member-present is false; for Peer Support Services only the member counts. Collaborations are judged by va-collaboration-not-billable, other kinds by va-billable-encounter.',
  },
  check(ctx) {
    return sessionLines(ctx).flatMap(({ index, encounter }) => {
      if (encounterKind(encounter) !== 'session') return [];
      if (extBool(encounter, EXT.memberPresent) === true) return [];
      const caregiver = (encounter.participant ?? []).some((p) => refKey(p.individual)?.startsWith('RelatedPerson/'));
      if (serviceOf(encounter) === 'fsp' && caregiver) return [];
      return [{
        diagnostics: `Session ${encounter.id} does not record the member as present (member-present is ${extBool(encounter, EXT.memberPresent) ?? 'missing'})${serviceOf(encounter) === 'fsp' ? ' and no caregiver took part' : ''}`,
        expression: itemPath(index, 'encounter'),
        item: index,
      }];
    });
  },
});
