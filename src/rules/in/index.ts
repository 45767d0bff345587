/** The Indiana (IHCP) pack; importing this module registers its rules. */
export { inProcedureCode } from './in-procedure-code';
export { inRollingUnits } from './in-rolling-units';
export { inNoGroup } from './in-no-group';
export { inMinAge } from './in-min-age';
export { inFaceToFace } from './in-face-to-face';
export { inUnitTime } from './in-unit-time';
export { inNoncovered } from './in-noncovered';
export { inCertified } from './in-certified';
