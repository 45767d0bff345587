/** Virginia eligibility, assessment, plan and documentation rules: importing this module registers them. */
import { vaAgePss } from './va-age-pss';
import { vaAgeFsp } from './va-age-fsp';
import { vaFspCaregiver } from './va-fsp-caregiver';
import { vaFspCongregate } from './va-fsp-congregate';
import { vaDxArts } from './va-dx-arts';
import { vaDxMh } from './va-dx-mh';
import { vaDxExclusion } from './va-dx-exclusion';
import { vaFunctionalImpairment } from './va-functional-impairment';
import { vaAssessmentRequired } from './va-assessment-required';
import { vaAssessorCredential } from './va-assessor-credential';
import { vaAssessorEnrolled } from './va-assessor-enrolled';
import { vaAssessmentWindow } from './va-assessment-window';
import { vaRrwpRequired } from './va-rrwp-required';
import { vaRrwpSignatures } from './va-rrwp-signatures';
import { vaRrwpIntensity } from './va-rrwp-intensity';
import { vaRrwpGoals } from './va-rrwp-goals';
import { vaRrwpReviewDue } from './va-rrwp-review-due';
import { vaRrwpReviewDocumented } from './va-rrwp-review-documented';
import { vaProgressNote } from './va-progress-note';
import { vaDocumentationTimely } from './va-documentation-timely';
import { vaContactMinimum } from './va-contact-minimum';

export const vaPlanRules = [
  vaAgePss, vaAgeFsp, vaFspCaregiver, vaFspCongregate, vaDxArts, vaDxMh, vaDxExclusion, vaFunctionalImpairment,
  vaAssessmentRequired, vaAssessorCredential, vaAssessorEnrolled, vaAssessmentWindow, vaRrwpRequired, vaRrwpSignatures, vaRrwpIntensity,
  vaRrwpGoals, vaRrwpReviewDue, vaRrwpReviewDocumented, vaProgressNote, vaDocumentationTimely, vaContactMinimum,
];
