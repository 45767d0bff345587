import type { Encounter } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { defineRule } from '../engine';
import { encounterKind, extBool, exts } from '../facts';
import { isTelephoneContact, lineSession } from '../va/facts-staff';
import { datedLines } from '../common/lines';

/** Activities the waiver does not pay for on their own (Limitations (7), Non-billable Activities). */
const NONBILLABLE: Record<string, string> = {
  transportation: 'time spent solely transporting',
  documentation: 'progress notes or billing documentation',
  'case-management': 'coordination with other service providers',
  'health-monitoring': 'day-to-day monitoring of the participant\'s health and welfare',
  social: 'services solely for social purposes',
  recreational: 'services solely for recreational purposes',
  educational: 'services solely for educational purposes',
  vocational: 'services solely for vocational purposes',
  'on-the-job-training': 'services solely for vocational purposes',
  'room-and-board': 'room and board',
};

/** Why the session is not a billable peer support service, or undefined. */
function reason(e: Encounter, telephone: boolean): string | undefined {
  const kind = encounterKind(e);
  if (kind === 'supervision') return 'it is a supervision or team consultation meeting';
  if (kind === 'collaboration') return 'it is coordination with other service providers';
  if (kind === 'contact-attempt' || e.status === 'cancelled') return 'it is a no-show, missed or cancelled visit';
  if (extBool(e, EXT.memberPresent) === false) return 'the participant was unavailable (not present)';
  if (telephone) return 'it is telephone contact with the participant';
  const activities = exts(e, EXT.activity).map((x) => x.valueCode ?? '').filter(Boolean);
  if (activities.length && activities.every((a) => a in NONBILLABLE)) {
    return `its only activities are non-billable: ${activities.map((a) => NONBILLABLE[a]).join('; ')}`;
  }
  return undefined;
}

export const ctNonbillable = defineRule({
  id: 'ct-nonbillable',
  severity: 'error',
  scope: 'line',
  pack: 'US-CT',
  description: 'Not billable (the activity codes `transportation`, `health-monitoring`, `social`, `recreational`, `educational`, `vocational`, `documentation`, `room-and-board` and the rest of the non-covered list name them): time spent solely transporting, supervision and team consultation, coordination with other providers, day-to-day monitoring, telephone contact, authorization calls, no-shows and missed or cancelled visits, documentation and oversight-data work, services solely social, recreational, educational or vocational, room and board.',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Limitations (7); Non-billable Activities (1)-(9)',
    quote: 'The following activities are not billable, but have been factored into payment rates:',
    note: 'Judged from the session: its kind (supervision, collaboration, contact attempt), status, member presence, contact mode, and activities (a session whose every activity is non-billable). The prss-activity codes `health-monitoring` (day-to-day monitoring), `social`, `educational` and `vocational` are covered elsewhere but not billable in Connecticut (Limitations (7)(E), Non-billable Activities (1)). Authorization calls and oversight-data work have no element of their own; their time is recorded as `interruption` and never reaches the units.',
  },
  check(ctx) {
    return datedLines(ctx).flatMap((line) => {
      const session = lineSession(ctx, line);
      if (!session) return [];
      const why = reason(session.encounter, isTelephoneContact(line.item, session.encounter));
      return why ? [{ diagnostics: `Line ${line.index + 1} (${line.day}) is not billable: ${why}.`, expression: session.expression, item: line.index }] : [];
    });
  },
});
