/** No billing for a date after the member's discharge until a new assessment. */
import { defineRule, type Finding } from '../engine';
import { assessmentsOf, codeIn, dayOf, planProgram, plansOf } from '../facts';
import { CS } from '../../prss/terminology';
import { claimLines, itemPath, lineProgram } from './facts-units';

export const vaAfterDischarge = defineRule({
  id: 'va-after-discharge',
  severity: 'error',
  scope: 'history',
  pack: 'US-VA',
  description: "No billing for a date after the member's discharge (the RRWP's status completed or revoked, with period.end before the date) until a new assessment.",
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Discharge Criteria; LIMITATIONS: ARTS AND MH PEER RECOVERY SUPPORT SERVICES',
    quote: 'Discharge criteria for both MH and ARTS Peers Support Services and Family Support Partners shall occur when one or more of the following is met:',
    note: 'Discharge is the period.end of a completed or revoked RRWP (of the line\'s program, or with no program); the discharge date itself is still billable. Services resume only after an assessment authored after the discharge date ("Peer Recovery Support Services shall be rendered following a documented assessment", 000).',
  },
  check(ctx) {
    const findings: Finding[] = [];
    const discharges = plansOf(ctx).filter((p) => ['completed', 'revoked'].includes(p.status) && !!dayOf(p.period?.end));
    const assessments = assessmentsOf(ctx).filter((a) => !['entered-in-error', 'revoked'].includes(a.status) && !!dayOf(a.authoredOn));
    for (const { index, day, code, encounter } of claimLines(ctx)) {
      if (!day) continue;
      const program = lineProgram(code, encounter);
      for (const plan of discharges) {
        const end = dayOf(plan.period!.end)!;
        if (end >= day || (planProgram(plan) && program && planProgram(plan) !== program)) continue;
        const reassessed = assessments.some((a) => {
          const d = dayOf(a.authoredOn)!;
          const p = codeIn(a.category, CS.program);
          return d > end && d <= day && (!p || !program || p === program);
        });
        if (reassessed) continue;
        findings.push({
          diagnostics: `The member was discharged on ${end} (RRWP ${plan.id} ${plan.status}); ${day} is after the discharge and no new assessment was made since`,
          expression: itemPath(index, 'servicedDate'),
          item: index,
          allowedUnits: 0,
        });
        break;
      }
    }
    return findings;
  },
});
