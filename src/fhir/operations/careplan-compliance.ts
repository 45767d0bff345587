/**
 * GET|POST /CarePlan/[id]/$compliance?date=: the plan's standing as of the date — signatures and
 * their 30-day deadline, reviews, monthly contacts, billed vs planned intensity, telephone share,
 * discharge trigger — as a Parameters resource with an OperationOutcome of the plan rules' findings.
 * The computation (and how the rules are asked about a plan) is src/rules/operations/compliance.ts.
 */
import type { CarePlan, Parameters } from 'fhir/r4';
import { badRequest } from '../../outcomes';
import { computeCompliance, type Compliance } from '../../rules/operations/compliance';
import { gatherMember } from '../../rules/operations/gather';
import { CS } from '../../prss/terminology';
import { hasCode } from '../../rules/facts';
import { refKey } from '../../rules/context';
import { requireId } from '../interactions/common';
import { defineOperation } from '../registry';
import type { Handler } from '../types';
import { P, asOfDate, cannotAnswer, findingsOutcome, ruleOptionsOf } from './operation-support';
import { loadOperationDefinition, parseOperationInput } from './parameters';

const def = loadOperationDefinition('CarePlan-compliance');

export function complianceParameters(c: Compliance): Parameters {
  const missing = c.signatures.signers.filter((s) => !s.present).map((s) => s.role);
  return {
    resourceType: 'Parameters',
    parameter: P.all([
      P.ref('plan', `CarePlan/${c.plan.id}`),
      P.ref('member', c.member),
      P.date('date', c.date),
      P.date('asOf', c.asOf),
      ...c.programs.map((p) => P.code('program', p)),
      P.date('serviceInitiation', c.initiation),
      P.group('signatures', [
        P.date('deadline', c.signatures.deadline),
        P.str('deadlineFrom', c.signatures.deadlineFrom),
        P.date('completed', c.signatures.completed),
        P.bool('onTime', c.signatures.onTime),
        ...c.signatures.signers.filter((s) => s.present).map((s) => P.code('present', s.role)),
        ...missing.map((role) => P.code('missing', role)),
        ...c.signatures.signers.map((s) => P.group('signer', [
          P.code('role', s.role), P.ref('party', s.person), P.date('date', s.date), P.bool('present', s.present), P.bool('onTime', s.onTime),
        ])),
      ]),
      P.group('review', [
        P.date('nextDue', c.reviews.nextDue),
        P.bool('overdue', c.reviews.overdue),
        ...c.reviews.held.map((r) => P.group('held', [
          P.date('date', r.date), P.date('due', r.due), P.bool('heldOnTime', r.heldOnTime), P.date('documented', r.documented),
          P.int('daysToDocument', r.daysToDocument), P.bool('documentedOnTime', r.documentedOnTime),
          ...r.signedBy.map((role) => P.code('signedBy', role)), P.bool('signaturesComplete', r.signaturesComplete),
          P.code('standing', r.standing), P.bool('counts', r.counts), P.date('documentBy', r.documentBy),
        ])),
      ]),
      ...c.months.map((m) => P.group('month', [
        P.str('month', m.month), P.int('contacts', m.contacts), P.int('faceToFace', m.faceToFace), P.bool('judged', m.judged), P.bool('minimumMet', m.minimumMet),
      ])),
      ...c.weeks.map((w) => P.group('week', [
        P.date('start', w.start), P.int('units', w.units), P.dec('hours', w.hours), P.int('days', w.days),
        P.dec('plannedHours', w.plannedHours), P.int('plannedDays', w.plannedDays), P.bool('withinPlan', w.withinPlan),
      ])),
      P.group('telephone', [
        P.str('year', c.telephone.year), P.date('through', c.telephone.through), P.dec('telephoneMinutes', c.telephone.telephoneMinutes),
        P.dec('totalMinutes', c.telephone.totalMinutes), P.dec('share', c.telephone.share), P.dec('limit', c.telephone.limit), P.bool('withinLimit', c.telephone.withinLimit),
      ]),
      P.group('discharge', [
        P.date('lastFaceToFace', c.discharge.lastFaceToFace), P.int('monthsWithoutFaceToFace', c.discharge.monthsWithoutFaceToFace),
        P.bool('triggered', c.discharge.triggered), P.date('dischargeOn', c.discharge.dischargeOn),
      ]),
      ...(c.replacedBy ? [P.group('replacedBy', [P.ref('plan', c.replacedBy.plan), P.date('from', c.replacedBy.from)])] : []),
      ...(c.transition ? [P.group('transition', [P.date('firstSession', c.transition.firstSession), P.date('end', c.transition.end), P.bool('inWindow', c.transition.inWindow)])] : []),
      { name: 'outcome', resource: findingsOutcome(c.findings, `CarePlan/${c.plan.id} as of ${c.asOf}`) },
    ]),
  };
}

export const isRrwp = (plan: CarePlan) => hasCode(plan.category, CS.careplanCategory, 'rrwp');

export const carePlanCompliance: Handler = async ({ req, deps, params }) => {
  requireId(params.id);
  deps.access?.assertAllowed(req.auth, 'operation', 'CarePlan');
  const input = parseOperationInput(def, req.body, req.query);
  const date = asOfDate(def, input);
  const plan = await deps.repo.read<CarePlan>('CarePlan', params.id);
  await deps.access?.assertResource(req.auth, plan as CarePlan & Record<string, unknown>, deps.repo);
  if (!isRrwp(plan)) throw badRequest(`CarePlan/${plan.id} is not a Recovery, Resiliency, and Wellness Plan (category rrwp)`, 'CarePlan.category');
  const member = refKey(plan.subject);
  if (!member?.startsWith('Patient/')) throw cannotAnswer(`CarePlan/${plan.id} names no member (subject ${plan.subject?.reference ?? 'missing'})`, 'CarePlan.subject');
  const gathered = await gatherMember(deps.repo, member, [date]);
  if (!gathered.jurisdiction) throw cannotAnswer(`The member ${member} has no coverage naming a jurisdiction (US-VA, US-IN, US-CT), so no policy pack applies`);
  const compliance = computeCompliance(gathered.bag, plan, gathered.jurisdiction, date, ruleOptionsOf(deps));
  return { status: 200, headers: {}, resource: complianceParameters(compliance) };
};

defineOperation({
  name: 'compliance',
  definition: def.url!,
  instance: true,
  resourceTypes: ['CarePlan'],
  methods: ['GET', 'POST'],
  resource: def,
  handler: carePlanCompliance,
});
