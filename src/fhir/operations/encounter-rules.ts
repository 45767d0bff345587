/**
 * Session rules in $validate: POST /Encounter/$validate and /Encounter/[id]/$validate add the
 * session-level rules of the member's pack (progress note, member present, activities, units
 * against time, telephone justification, group ratio, FSP rules; src/rules/operations/session-rules.ts)
 * to structure and profile conformance; POST /CarePlan/$validate adds the RRWP's plan-scope rules
 * (signatures, intensity, goals, review documentation) judged for a service under the plan today.
 * The resource validated replaces the stored one of the same id in the member's context.
 */
import type { CarePlan, Encounter, OperationOutcomeIssue } from 'fhir/r4';
import { format } from 'date-fns';
import { issue } from '../../outcomes';
import { refKey, type ResourceBag } from '../../rules/context';
import { ruleIssue } from '../../rules/engine';
import { sessionDay } from '../../rules/facts';
import { PLAN_SCOPE_RULES, planRuleFindings } from '../../rules/operations/compliance';
import { gatherMember } from '../../rules/operations/gather';
import { PROBE_PREFIX } from '../../rules/operations/probe';
import { checkSession } from '../../rules/operations/session-rules';
import { literalReferences } from '../../store/postgres-repository';
import type { Repository } from '../../store/repository';
import { isRrwp } from './careplan-compliance';
import { ruleOptionsOf } from './operation-support';
import { registerTypeRules } from './type-rules';

const STAFF = /^(Practitioner|PractitionerRole|Organization|RelatedPerson)\//;

/** Records the validated resource names that its stored version did not (two levels: a role, then its person). */
async function addNamed(repo: Repository, bag: ResourceBag, resource: object): Promise<void> {
  let refs = literalReferences(resource);
  for (let level = 0; level < 2 && refs.length; level++) {
    const missing = [...new Set(refs)].filter((k) => { const i = k.indexOf('/'); return !bag.has(k.slice(0, i), k.slice(i + 1)); });
    const found = missing.length ? await repo.readMany(missing) : [];
    found.forEach((r) => bag.add(r));
    refs = found.flatMap((r) => literalReferences(r)).filter((k) => STAFF.test(k));
  }
}

registerTypeRules('Encounter', async (resource, deps) => {
  const e = { ...(resource as Encounter) };
  if (!e.id) e.id = `${PROBE_PREFIX}-encounter`;
  const member = refKey(e.subject);
  if (!member?.startsWith('Patient/')) return [];
  const gathered = await gatherMember(deps.repo, member, [sessionDay(e) ?? format(new Date(), 'yyyy-MM-dd')]);
  gathered.bag.add(e);
  await addNamed(deps.repo, gathered.bag, e);
  const check = checkSession(gathered.bag, e, gathered.jurisdiction, ruleOptionsOf(deps));
  const out: OperationOutcomeIssue[] = [...check.issues];
  if (check.skipped) out.push(issue('information', 'informational', `The PRSS session rules were not run: ${check.skipped}`));
  return out;
});

registerTypeRules('CarePlan', async (resource, deps) => {
  const plan = { ...(resource as CarePlan) };
  const member = refKey(plan.subject);
  if (!isRrwp(plan) || !member?.startsWith('Patient/')) return [];
  if (!plan.id) plan.id = `${PROBE_PREFIX}-plan`;
  const today = format(new Date(), 'yyyy-MM-dd');
  const gathered = await gatherMember(deps.repo, member, [today]);
  if (!gathered.jurisdiction) return [issue('information', 'informational', "The RRWP rules were not run: the member's coverage names no jurisdiction (policy pack)")];
  gathered.bag.add(plan);
  await addNamed(deps.repo, gathered.bag, plan);
  return planRuleFindings(gathered.bag, plan, gathered.jurisdiction, today, ruleOptionsOf(deps), PLAN_SCOPE_RULES)
    .map((r) => ({ ...ruleIssue(r), expression: [r.expression] }));
});
