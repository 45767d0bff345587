/** The assessor works, on the assessment's date, at an Organization enrolled as a provider on that date. */
import type { Organization, PractitionerRole, ServiceRequest } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import type { ResourceBag } from '../context';
import { defineRule, type Finding } from '../engine';
import { ext, exts, periodCovers, practitionerOf, rolesOn } from '../facts';
import { assessedLines, at, idOf } from './facts-plan';

/** Whether the Organization is active and has an enrollment (any program) whose period covers the day. */
export const enrolledOn = (org: Organization | undefined, day: string): boolean =>
  !!org && org.active !== false && exts(org, EXT.enrollment).some((en) => periodCovers(ext(en, 'period')?.valuePeriod, day));

/**
 * The assessor's roles in force on the day: every PractitionerRole of the person the requester
 * names (Practitioner or PractitionerRole); a requester role whose practitioner is not on file counts alone.
 */
function assessorRoles(bag: ResourceBag, sr: ServiceRequest, day: string): PractitionerRole[] {
  const person = practitionerOf(bag, sr.requester);
  if (person) return rolesOn(bag, person, day);
  const role = bag.resolve<PractitionerRole>(sr.requester, 'PractitionerRole');
  return role && role.active !== false && (!role.period || periodCovers(role.period, day)) ? [role] : [];
}

export const vaAssessorEnrolled = defineRule({
  id: 'va-assessor-enrolled',
  severity: 'warning',
  scope: 'line',
  pack: 'US-VA',
  description: 'The assessor (`requester`) of the line\'s assessment has, on its `authoredOn`, a PractitionerRole at an Organization whose `enrollment` covers that date (a practitioner\'s own Medicaid enrollment has no element, hence a warning).',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Assessment and Recommendation for Services and Clinical Oversight',
    quote: 'This practitioner shall be an enrolled and credentialed as a Medicaid provider or working in an agency or facility enrolled and credentialed as a provider.',
    note: 'Judged on the assessment\'s authoredOn: one of the assessor\'s PractitionerRoles in force that day (active, its period covering the day) is at an active Organization with an `enrollment` (any program) whose period covers the day. A practitioner\'s own Medicaid enrollment has no element in the domain model, so a missing one is a warning for review, not a denial. The assessment is the one the line relies on (as for va-assessor-credential); a line without one is va-assessment-required\'s finding.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const { line, sr, day } of assessedLines(ctx)) {
      const roles = assessorRoles(ctx.data, sr, day);
      if (roles.some((r) => enrolledOn(ctx.data.resolve<Organization>(r.organization, 'Organization'), day))) continue;
      const assessor = practitionerOf(ctx.data, sr.requester);
      const who = assessor ? idOf(assessor) : `the requester ${sr.requester?.reference ?? '(none)'}`;
      const why = roles.length
        ? `works on that date only at ${roles.map((r) => r.organization?.reference ?? '(no organization)').join(', ')}, with no enrollment covering it`
        : 'has no PractitionerRole in force on that date';
      out.push({
        item: line.index,
        expression: at.service(line),
        diagnostics: `Assessment ${idOf(sr)} of ${day} was made by ${who}, who ${why}: the assessor is not shown working at an enrolled provider.`,
      });
    }
    return out;
  },
});
