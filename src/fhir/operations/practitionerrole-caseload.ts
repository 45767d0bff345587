/**
 * GET|POST /PractitionerRole/[id]/$caseload?date=: the PRS's members on the date against the
 * caseload limit, this month's supervision against what their experience requires, and the
 * practitioner rules' findings. Computed in src/rules/operations/caseload.ts.
 */
import type { Parameters, PractitionerRole } from 'fhir/r4';
import { computeCaseload, type Caseload } from '../../rules/operations/caseload';
import { gatherPractitioner } from '../../rules/operations/gather';
import { EXT } from '../../prss/terminology';
import { requireId } from '../interactions/common';
import { defineOperation } from '../registry';
import type { Handler } from '../types';
import { P, asOfDate, cannotAnswer, findingsOutcome, ruleOptionsOf } from './operation-support';
import { loadOperationDefinition, parseOperationInput } from './parameters';

const def = loadOperationDefinition('PractitionerRole-caseload');

/** Where each practitioner rule's finding points in the PractitionerRole. */
const ROLE_EXPRESSION: Record<string, string> = {
  'va-caseload': 'PractitionerRole',
  'va-supervision-frequency': 'PractitionerRole.practitioner',
  'va-supervisor-qualified': `PractitionerRole.extension.where(url='${EXT.directSupervisor}')`,
};

export function caseloadParameters(c: Caseload): Parameters {
  const s = c.supervision;
  return {
    resourceType: 'Parameters',
    parameter: P.all([
      P.ref('role', `PractitionerRole/${c.role.id}`),
      P.ref('practitioner', `Practitioner/${c.practitioner.id}`),
      P.date('date', c.date),
      P.code('employmentType', c.employmentType),
      ...c.members.map((m) => P.ref('member', m)),
      P.int('count', c.members.length),
      P.int('limit', c.limit),
      P.bool('overLimit', c.overLimit),
      P.group('supervision', [
        P.str('month', s.month), P.int('experienceMonths', s.experienceMonths), P.int('required', s.required),
        ...s.meetings.map((m) => P.group('meeting', [
          P.ref('encounter', m.encounter), P.date('date', m.date), P.dec('minutes', m.minutes), P.bool('faceToFace', m.faceToFace), P.bool('qualifies', m.qualifies),
        ])),
        P.int('qualifying', s.qualifying), P.dec('qualifyingMinutes', s.qualifyingMinutes), P.bool('met', s.met), P.ref('supervisor', s.supervisor),
      ]),
      { name: 'outcome', resource: findingsOutcome(c.findings.map((f) => ({ ...f, expression: ROLE_EXPRESSION[f.rule.id] ?? 'PractitionerRole' })), `PractitionerRole/${c.role.id} on ${c.date}`) },
    ]),
  };
}

export const practitionerRoleCaseload: Handler = async ({ req, deps, params }) => {
  requireId(params.id);
  deps.access?.assertAllowed(req.auth, 'operation', 'PractitionerRole');
  const input = parseOperationInput(def, req.body, req.query);
  const date = asOfDate(def, input);
  const role = await deps.repo.read<PractitionerRole>('PractitionerRole', params.id);
  await deps.access?.assertResource(req.auth, role as PractitionerRole & Record<string, unknown>, deps.repo);
  const bag = await gatherPractitioner(deps.repo, { reference: `PractitionerRole/${role.id}` }, role.organization, date);
  const caseload = computeCaseload(bag, role, date, ruleOptionsOf(deps));
  if ('problem' in caseload) throw cannotAnswer(caseload.problem, 'PractitionerRole.practitioner');
  return { status: 200, headers: {}, resource: caseloadParameters(caseload) };
};

defineOperation({
  name: 'caseload',
  definition: def.url!,
  instance: true,
  resourceTypes: ['PractitionerRole'],
  methods: ['GET', 'POST'],
  resource: def,
  handler: practitionerRoleCaseload,
});
