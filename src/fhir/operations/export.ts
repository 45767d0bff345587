/**
 * Bulk Data Access 2.0.0 kick-off: `[base]/$export`, `[base]/Patient/$export` and
 * `[base]/Group/[id]/$export`, by GET (query) or POST (Parameters). Checks the request, queues a job
 * and answers 202 with the status URL in Content-Location; the worker (src/bulk) does the rest.
 */
import type { Group } from 'fhir/r4';
import { OutcomeError, issue, informational } from '../../outcomes';
import { bulkExportFor } from '../../bulk';
import { patientIdOf, parseKickOff, type ExportLevel } from '../../bulk/kickoff';
import { defineOperation } from '../registry';
import type { Handler, HandlerContext } from '../types';
import { loadOperationDefinition } from './parameters';

const definitions = {
  system: loadOperationDefinition('export'),
  patient: loadOperationDefinition('patient-export'),
  group: loadOperationDefinition('group-export'),
};

/** The kick-off URL as the manifest echoes it: a POST's parameters are in its body, not here. */
function requestUrl({ req }: HandlerContext): string {
  const qs = req.method === 'GET' ? new URLSearchParams(req.query).toString() : '';
  return `${req.baseUrl}${req.path}${qs ? `?${qs}` : ''}`;
}

/** Active members of a Group that are Patients (the spec's Group export is a Group of patients). */
function memberPatients(group: Group): string[] {
  const ids = (group.member ?? []).filter((m) => m.inactive !== true).map((m) => patientIdOf(m.entity?.reference));
  return [...new Set(ids.filter((id): id is string => id !== undefined))];
}

function kickOff(level: ExportLevel): Handler {
  return async (ctx) => {
    const { req, deps, params } = ctx;
    const bulk = bulkExportFor(deps);
    if (!bulk) throw new OutcomeError(503, [issue('error', 'not-supported', 'Bulk export is not running on this server')]);
    const spec = parseKickOff(definitions[level], level, req, deps);
    if (level === 'group') {
      const group = await deps.repo.read<Group>('Group', params.id);
      await deps.access?.assertResource(req.auth, group as Group & Record<string, unknown>, deps.repo);
      const members = memberPatients(group);
      spec.groupId = params.id;
      // The `patient` parameter narrows the group; it never adds patients outside it.
      spec.patients = spec.patients ? spec.patients.filter((id) => members.includes(id)) : members;
    }
    const job = await bulk.kickOff(requestUrl(ctx), spec, req.auth);
    return {
      status: 202,
      headers: { 'Content-Location': bulk.statusUrl(job.id) },
      resource: informational(`Export ${job.id} accepted; poll ${bulk.statusUrl(job.id)} for its status`),
    };
  };
}

defineOperation({
  name: 'export',
  definition: definitions.system.url!,
  system: true,
  resourceTypes: [],
  methods: ['GET', 'POST'],
  resource: definitions.system as { resourceType: 'OperationDefinition'; id: string },
  handler: kickOff('system'),
});

defineOperation({
  name: 'export',
  capabilityName: 'patient-export',
  definition: definitions.patient.url!,
  type: true,
  resourceTypes: ['Patient'],
  methods: ['GET', 'POST'],
  resource: definitions.patient as { resourceType: 'OperationDefinition'; id: string },
  handler: kickOff('patient'),
});

defineOperation({
  name: 'export',
  capabilityName: 'group-export',
  definition: definitions.group.url!,
  instance: true,
  resourceTypes: ['Group'],
  methods: ['GET', 'POST'],
  resource: definitions.group as { resourceType: 'OperationDefinition'; id: string },
  handler: kickOff('group'),
});
