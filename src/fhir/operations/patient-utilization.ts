/**
 * GET|POST /Patient/[id]/$utilization?date=: units used and remaining per program of the member's
 * pack — that day, that week, the calendar year to date, the rolling 12 months — with the limits and
 * authorizations that apply. Computed in src/rules/operations/utilization.ts from the limit rules.
 */
import type { Parameters, Patient } from 'fhir/r4';
import { computeUtilization, type Utilization, type WindowUse } from '../../rules/operations/utilization';
import { gatherMember } from '../../rules/operations/gather';
import { requireId } from '../interactions/common';
import { defineOperation } from '../registry';
import type { Handler } from '../types';
import { P, asOfDate, cannotAnswer, ruleOptionsOf } from './operation-support';
import { loadOperationDefinition, parseOperationInput } from './parameters';

const def = loadOperationDefinition('Patient-utilization');

const window = (name: string, w: WindowUse) => P.group(name, [
  P.date('from', w.from), P.date('to', w.to), P.int('units', w.units), P.int('combinedUnits', w.combinedUnits),
  P.int('limit', w.limit), P.int('authorized', w.authorized), P.int('remaining', w.remaining), P.code('rule', w.rule),
]);

export function utilizationParameters(member: string, u: Utilization): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: P.all([
      P.ref('member', member),
      P.date('date', u.date),
      P.code('jurisdiction', u.jurisdiction),
      ...u.programs.map((p) => P.group('program', [
        P.code('code', p.program), ...p.codes.map((c) => P.code('procedureCode', c)),
        window('day', p.day), window('week', p.week), window('year', p.year), window('rolling', p.rolling),
      ])),
      ...u.authorizations.map((a) => P.group('authorization', [P.ref('claim', a.claim), P.int('units', a.units), P.date('start', a.start), P.date('end', a.end)])),
      P.int('authorizedUnits', u.authorizations.reduce((s, a) => s + a.units, 0)),
      ...(u.transition ? [P.group('transition', [P.date('firstSession', u.transition.firstSession), P.date('end', u.transition.end), P.bool('inWindow', u.transition.inWindow)])] : []),
    ]),
  };
}

export const patientUtilization: Handler = async ({ req, deps, params }) => {
  requireId(params.id);
  deps.access?.assertAllowed(req.auth, 'operation', 'Patient');
  const input = parseOperationInput(def, req.body, req.query);
  const date = asOfDate(def, input);
  const patient = await deps.repo.read<Patient>('Patient', params.id);
  await deps.access?.assertResource(req.auth, patient as Patient & Record<string, unknown>, deps.repo);
  const member = `Patient/${patient.id}`;
  const gathered = await gatherMember(deps.repo, member, [date]);
  if (!gathered.jurisdiction) throw cannotAnswer(`${member} has no coverage naming a jurisdiction (US-VA, US-IN, US-CT), so no policy pack applies`);
  const utilization = computeUtilization(gathered.bag, member, gathered.jurisdiction, date, ruleOptionsOf(deps));
  return { status: 200, headers: {}, resource: utilizationParameters(member, utilization) };
};

defineOperation({
  name: 'utilization',
  definition: def.url!,
  instance: true,
  resourceTypes: ['Patient'],
  methods: ['GET', 'POST'],
  resource: def,
  handler: patientUtilization,
});
