/** The Virginia practitioner and provider rules; importing this module registers them. */
export { vaPrsCertified } from './va-prs-certified';
export { vaPrsRegistered } from './va-prs-registered';
export { vaPrsQualifications } from './va-prs-qualifications';
export { vaPrsEmployed } from './va-prs-employed';
export { vaFspLivedExperience } from './va-fsp-lived-experience';
export { vaCaseload } from './va-caseload';
export { vaSupervisorQualified } from './va-supervisor-qualified';
export { vaSupervisionFrequency } from './va-supervision-frequency';
export { vaProviderEnrolled } from './va-provider-enrolled';
