/** The rules every pack runs: importing this module registers them. */
import { npiValid } from './npi-valid';
import { telehealthCoding } from './telehealth-coding';
import { lineArithmetic } from './line-arithmetic';
import { claimReferences } from './claim-references';
import { coverageActive } from './coverage-active';

export const commonRules = [npiValid, telehealthCoding, lineArithmetic, claimReferences, coverageActive];

export { npiValid, telehealthCoding, lineArithmetic, claimReferences, coverageActive };
