/** Importing this module registers every pack: common, Virginia, Indiana, Connecticut. */
import './common';
import './va/index-units';
import './va/index-plan';
import './va/index-staff';
import './in';
import './ct';

export { registeredRules, rulesForPack, runRules, ruleIssue, RULE_SYSTEM, JURISDICTIONS } from './engine';
export type { Jurisdiction, RuleDefinition, RuleResult } from './engine';
