/** The REST interactions of FHIR R4, registered once: routes and CapabilityStatement both read them. */
import { processBundle } from './bundle';
import { capabilities } from './capabilities';
import { createResource } from './interactions/create';
import { conditionalDelete, deleteResource } from './interactions/delete';
import { instanceHistory, systemHistory, typeHistory } from './interactions/history';
import { conditionalPatch, patchResource } from './interactions/patch';
import { readResource, vreadResource } from './interactions/read';
import { searchType, searchTypePost } from './interactions/search';
import { conditionalUpdate, updateResource } from './interactions/update';
import { defineRoute } from './registry';

defineRoute({ method: 'GET', pattern: '/metadata', interaction: 'capabilities', handler: capabilities });
defineRoute({ method: 'POST', pattern: '/', interaction: ['transaction', 'batch'], handler: processBundle });
defineRoute({ method: 'GET', pattern: '/_history', interaction: 'history-system', handler: systemHistory });
defineRoute({ method: 'GET', pattern: '/:type/_history', interaction: 'history-type', handler: typeHistory });
defineRoute({ method: 'GET', pattern: '/:type/:id/_history', interaction: 'history-instance', handler: instanceHistory });
defineRoute({ method: 'GET', pattern: '/:type/:id/_history/:vid', interaction: 'vread', handler: vreadResource });
defineRoute({ method: 'POST', pattern: '/:type/_search', interaction: 'search-type', handler: searchTypePost });
defineRoute({ method: 'GET', pattern: '/:type', interaction: 'search-type', handler: searchType });
defineRoute({ method: 'POST', pattern: '/:type', interaction: 'create', handler: createResource });
defineRoute({ method: 'PUT', pattern: '/:type', interaction: 'update', conditional: true, handler: conditionalUpdate });
defineRoute({ method: 'DELETE', pattern: '/:type', interaction: 'delete', conditional: true, handler: conditionalDelete });
defineRoute({ method: 'PATCH', pattern: '/:type', interaction: 'patch', conditional: true, handler: conditionalPatch });
defineRoute({ method: 'GET', pattern: '/:type/:id', interaction: 'read', handler: readResource });
defineRoute({ method: 'PUT', pattern: '/:type/:id', interaction: 'update', handler: updateResource });
defineRoute({ method: 'PATCH', pattern: '/:type/:id', interaction: 'patch', handler: patchResource });
defineRoute({ method: 'DELETE', pattern: '/:type/:id', interaction: 'delete', handler: deleteResource });
