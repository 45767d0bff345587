import { EXT } from '../../prss/terminology';
import { defineRule, type Finding } from '../engine';
import { extBool, extCode } from '../facts';
import { at, idOf, vaLines } from './facts-plan';

/** No FSP for a youth in a staffed congregate setting, except to support a reunification transition. */
export const vaFspCongregate = defineRule({
  id: 'va-fsp-congregate',
  severity: 'error',
  scope: 'line',
  pack: 'US-VA',
  description: 'FSP is not billable for a youth living in a congregate setting with paid staff, unless the session supports a documented reunification transition.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'LIMITATIONS',
    quote: 'Family Support Partners shall not be billed for youth who resides in a congregate setting in which there are staff compensated for the care of the youth.',
    note: 'The exception (transition to the caregiver\'s home) counts only when the session records `reunification-transition` = true.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const session = line.session;
      if (!session || line.service !== 'fsp') continue;
      if (extCode(session, EXT.youthResidence) === 'congregate' && extBool(session, EXT.reunificationTransition) !== true) {
        out.push({
          item: line.index,
          expression: at.session(line),
          diagnostics: `FSP session ${idOf(session)} on ${line.day}: the youth resides in a congregate setting and the session does not document support for a reunification transition`,
        });
      }
    }
    return out;
  },
});
