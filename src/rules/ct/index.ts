/** The Connecticut waiver pack; importing this module registers its rules. */
export { ctRate } from './ct-rate';
export { ctMinDuration } from './ct-min-duration';
export { ctUnitTime } from './ct-unit-time';
export { ctPlanLimits } from './ct-plan-limits';
export { ctFaceToFace } from './ct-face-to-face';
export { ctSetting } from './ct-setting';
export { ctActCspExclusion } from './ct-act-csp-exclusion';
export { ctResidentialConcurrency } from './ct-residential-concurrency';
export { ctOneStaff } from './ct-one-staff';
export { ctSupportedEmployment } from './ct-supported-employment';
export { ctNonbillable } from './ct-nonbillable';
export { ctLicensedSupervision } from './ct-licensed-supervision';
export { ctProviderQualified } from './ct-provider-qualified';
