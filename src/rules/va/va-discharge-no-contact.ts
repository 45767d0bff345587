/** Two whole calendar months without a face-to-face session mean discharge: later services need a new assessment. */
import { derive } from '../context';
import { defineRule, type Finding } from '../engine';
import { assessmentsOf, dayOf, isFaceToFace } from '../facts';
import { finishedSessions } from './facts-plan';
import { claimLines, itemPath, monthEnd, monthsBetween } from './facts-units';

export const vaDischargeNoContact = defineRule({
  id: 'va-discharge-no-contact',
  severity: 'error',
  scope: 'history',
  pack: 'US-VA',
  description: 'After two consecutive calendar months without a face-to-face session, discharge must occur: later services are not billable until a new assessment.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Service Delivery; Discharge Criteria',
    quote: 'After two consecutive months of unsuccessful attempts to make face-to-face contact, discharge shall occur.',
    note: 'Counted from the member\'s last face-to-face session before the date (or, with none, the first session): when two whole calendar months pass without one, discharge falls on the last day of the second month, and services after it need an assessment authored after that day.',
  },
  check(ctx) {
    const findings: Finding[] = [];
    // The member's finished service sessions by date of service, once per bag.
    const finished = finishedSessions(ctx);
    const sessions = derive([finished], 'withFaceToFace', () => finished.map(({ session, day }) => ({ session, day, faceToFace: isFaceToFace(session) })));
    const assessments = assessmentsOf(ctx).filter((a) => !['entered-in-error', 'revoked'].includes(a.status) && !!dayOf(a.authoredOn));
    for (const { index, day, encounter } of claimLines(ctx)) {
      if (!day) continue;
      // The last face-to-face session up to the day, else the first session. Sessions without a date
      // never count as prior (they sort first, with day '').
      let anchor: string | undefined;
      let first: string | undefined;
      for (const s of sessions) {
        if (s.session === encounter || s.day === '' || s.day > day) continue;
        first ??= s.day;
        if (s.faceToFace) anchor = s.day;
      }
      anchor ??= first;
      if (!anchor) continue;
      let dischargedOn: string | undefined;
      // A new assessment after a discharge starts a new episode, which is itself judged from that date.
      for (let pass = 0; pass < 2 && anchor && monthsBetween(anchor, day) >= 2; pass++) {
        dischargedOn = monthEnd(anchor, 2);
        const after = dischargedOn;
        const reassessed = assessments.map((a) => dayOf(a.authoredOn)!).filter((d) => d > after && d <= day).sort().at(-1);
        if (!reassessed) break;
        anchor = reassessed;
        dischargedOn = undefined;
      }
      if (!dischargedOn) continue;
      findings.push({
        diagnostics: `No face-to-face session since ${anchor}: after two whole calendar months without one the member is discharged as of ${dischargedOn}, and ${day} is not billable until a new assessment`,
        expression: itemPath(index, 'servicedDate'),
        item: index,
        allowedUnits: 0,
      });
    }
    return findings;
  },
});
