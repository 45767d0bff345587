/**
 * Bulk Data Import: `POST [base]/$import` with a Parameters body (inputFormat, input: type + url).
 * Checks the request (every input URL allowed and readable, every type writable by the client),
 * queues a job and answers 202 with the status URL in Content-Location; the bulk worker
 * (src/bulk/import.ts) does the rest.
 */
import { OutcomeError, informational, issue } from '../../outcomes';
import { bulkExportFor } from '../../bulk';
import { parseImportKickOff } from '../../bulk/import';
import { defineOperation } from '../registry';
import { loadOperationDefinition } from './parameters';

const definition = loadOperationDefinition('import');

defineOperation({
  name: 'import',
  definition: definition.url!,
  system: true,
  resourceTypes: [],
  methods: ['POST'],
  resource: definition as { resourceType: 'OperationDefinition'; id: string },
  handler: async ({ req, deps }) => {
    const bulk = bulkExportFor(deps);
    if (!bulk) throw new OutcomeError(503, [issue('error', 'not-supported', 'Bulk import is not running on this server')]);
    const spec = await parseImportKickOff(req, deps);
    const job = await bulk.importKickOff(`${req.baseUrl}${req.path}`, spec, req.auth);
    const status = bulk.statusUrl(job.id, 'import');
    return {
      status: 202,
      headers: { 'Content-Location': status },
      resource: informational(`Import ${job.id} accepted (${spec.inputs.length} input${spec.inputs.length > 1 ? 's' : ''}); poll ${status} for its status`),
    };
  },
});
