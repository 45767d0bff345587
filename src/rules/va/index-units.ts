/** Virginia "Codes, units and limits" rules: importing this module registers them. */
import { vaProcedureCode } from './va-procedure-code';
import { vaClaimForm } from './va-claim-form';
import { vaDeliveryCodeMatch } from './va-delivery-code-match';
import { vaUnitTime } from './va-unit-time';
import { vaBillableEncounter } from './va-billable-encounter';
import { vaRenderingPrs } from './va-rendering-prs';
import { vaDailyUnits } from './va-daily-units';
import { vaAnnualUnitsArts } from './va-annual-units-arts';
import { vaAnnualUnitsMh } from './va-annual-units-mh';
import { vaArtsMhOverlap } from './va-arts-mh-overlap';
import { vaWeeklyPlanIntensity } from './va-weekly-plan-intensity';
import { vaTelephoneShare } from './va-telephone-share';
import { vaTelephoneJustification } from './va-telephone-justification';
import { vaFailedContactPhoneCap } from './va-failed-contact-phone-cap';
import { vaDischargeNoContact } from './va-discharge-no-contact';
import { vaAfterDischarge } from './va-after-discharge';
import { vaMemberPresent } from './va-member-present';
import { vaCollaborationNotBillable } from './va-collaboration-not-billable';
import { vaNoncoveredActivity } from './va-noncovered-activity';
import { vaSessionActivities } from './va-session-activities';
import { vaGroupRatio } from './va-group-ratio';
import { vaServiceRegistration } from './va-service-registration';

export const vaUnitRules = [
  vaProcedureCode, vaClaimForm, vaDeliveryCodeMatch, vaUnitTime, vaBillableEncounter, vaRenderingPrs,
  vaDailyUnits, vaAnnualUnitsArts, vaAnnualUnitsMh, vaArtsMhOverlap, vaWeeklyPlanIntensity, vaTelephoneShare,
  vaTelephoneJustification, vaFailedContactPhoneCap, vaDischargeNoContact, vaAfterDischarge, vaMemberPresent,
  vaCollaborationNotBillable, vaNoncoveredActivity, vaSessionActivities, vaGroupRatio, vaServiceRegistration,
];

export {
  vaProcedureCode, vaClaimForm, vaDeliveryCodeMatch, vaUnitTime, vaBillableEncounter, vaRenderingPrs,
  vaDailyUnits, vaAnnualUnitsArts, vaAnnualUnitsMh, vaArtsMhOverlap, vaWeeklyPlanIntensity, vaTelephoneShare,
  vaTelephoneJustification, vaFailedContactPhoneCap, vaDischargeNoContact, vaAfterDischarge, vaMemberPresent,
  vaCollaborationNotBillable, vaNoncoveredActivity, vaSessionActivities, vaGroupRatio, vaServiceRegistration,
};
