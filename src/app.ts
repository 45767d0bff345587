/**
 * createApp: wiring only (store, validator, rules, routes); never listens, so tests import it.
 */
import { PROJECT_ROOT } from './paths';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { baseUrlOf, demoEnabled, type Config } from './config';
import { AuditRecorder } from './audit/recorder';
import { createBulkExport } from './bulk';
import { createSubscriptions, type Subscriptions } from './subscriptions';
import { createAuth, type Auth } from './auth';
import { dispatch } from './fhir/router';
import type { FhirDeps, ResourceValidator } from './fhir/types';
import { createHttpApp } from './http/app';
import { createLogger, type Logger } from './http/logger';
import { readiness } from './health';
import { buildCapabilityStatement } from './fhir/capabilities';
import { buildOpenApi, type OpenApiOptions } from './fhir/openapi';
import type { OperationDefinition } from 'fhir/r4';
import { createMetrics, type Metrics } from './metrics';
import { openStore, type Store } from './store';
import { configureAutoAnalyze } from './store/auto-analyze';
import type { Repository, Resource } from './store/repository';

export const CONFORMANCE_TYPES = ['StructureDefinition', 'CodeSystem', 'ValueSet', 'OperationDefinition', 'SearchParameter'];

export interface App {
  http: ReturnType<typeof createHttpApp>;
  deps: FhirDeps;
  store: Store;
  logger: Logger;
  baseUrl: string;
  /** SMART Backend Services, when AUTH is on. */
  auth?: Auth;
  /** The AuditEvent recorder, when AUDIT is on. */
  audit?: AuditRecorder;
  /** Prometheus metrics, when METRICS_ENABLED is on. */
  metrics?: Metrics;
  /** R4 Subscriptions: outbox on every write, delivery worker (src/subscriptions). */
  subscriptions: Subscriptions;
  close(): Promise<void>;
}

export interface AppOptions {
  config: Config;
  validator: ResourceValidator;
  claimCheck?: FhirDeps['claimCheck'];
  logger?: Logger;
  /** An already open store (tests share one per file). */
  store?: Store;
  /** Demo bundle, loaded into an empty store when demo data is enabled. */
  demo?: () => { resourceType: 'Bundle' };
}

const conformanceCache = new Map<string, Resource[]>();

/** Conformance resources shipped with the server: profiles/ and capability/ (OperationDefinitions). */
export function conformanceResources(root = PROJECT_ROOT): Resource[] {
  // Read once per process: the validator and the store sync both need them at start.
  let out = conformanceCache.get(root);
  if (out) return out;
  out = [];
  for (const dir of ['profiles', 'capability']) {
    let files: string[] = [];
    try {
      files = readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.json') && !f.startsWith('.') && f !== 'package.json');
    } catch {
      continue;
    }
    for (const f of files.sort()) {
      const r = JSON.parse(readFileSync(path.join(root, dir, f), 'utf8')) as Resource;
      if (CONFORMANCE_TYPES.includes(r.resourceType) && r.id) out.push(r);
    }
  }
  conformanceCache.set(root, out);
  return out;
}

/** Store the shipped conformance resources, rewriting only those that changed (safe with several instances). */
export async function syncConformance(repo: Repository, resources: Resource[]): Promise<number> {
  const strip = (r: Resource) => JSON.stringify({ ...r, meta: undefined });
  const current = new Map((await repo.readMany(resources.map((r) => `${r.resourceType}/${r.id}`))).map((r) => [`${r.resourceType}/${r.id}`, r]));
  const changed = resources.filter((r) => {
    const c = current.get(`${r.resourceType}/${r.id}`);
    return !c || strip(c) !== strip(r);
  });
  if (changed.length) await repo.write(changed.map((r) => ({ kind: 'update' as const, resource: structuredClone(r) })));
  return changed.length;
}

/** "Try it" examples from the demo data the store holds: the first demo claim for Claim/$validate. */
function demoExamples(bundle: { resourceType: 'Bundle'; entry?: { resource?: Resource }[] } | undefined): OpenApiOptions['examples'] {
  const claim = bundle?.entry?.map((e) => e.resource).find((r) => r?.resourceType === 'Claim');
  if (!claim) return {};
  const example = { summary: `demo claim ${claim.id}`, value: claim };
  return { '/Claim/$validate': example };
}

export async function createApp(options: AppOptions): Promise<App> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  // Registered clients are checked before anything opens: a bad AUTH_CLIENTS_FILE stops startup.
  const auth = await createAuth(config);
  const store = options.store ?? (await openStore(config));
  configureAutoAnalyze(store.sql, config.AUTO_ANALYZE === 'on');
  const baseUrl = baseUrlOf(config);
  const deps: FhirDeps = {
    repo: store.repo,
    config,
    validator: options.validator,
    claimCheck: options.claimCheck,
    // AuditEvents are written by the server only (src/audit).
    readOnlyTypes: new Set([...CONFORMANCE_TYPES, 'AuditEvent']),
  };
  const synced = await syncConformance(store.repo, conformanceResources());
  if (synced) logger.info('conformance resources stored', { count: synced });
  // Our profiles, code systems and OperationDefinitions are read and stored, and the validator is
  // built (buildServer compiles it first): the HTTP app, and so /readyz, exists only from here on.
  const definitionsLoaded = Boolean(options.validator) && conformanceResources().length > 0;

  if (options.demo && demoEnabled(config)) {
    const any = await store.sql.query<{ n: number }>(`SELECT 1 AS n FROM resource WHERE type = 'Patient' LIMIT 1`);
    if (any.length === 0) {
      const res = await dispatch({ method: 'POST', path: '/', query: [], headers: {}, prefer: { return: 'minimal' }, body: options.demo(), baseUrl, requestId: 'demo-load' }, deps);
      logger.info('demo data loaded', { entries: ((res.resource as { entry?: unknown[] })?.entry ?? []).length });
    }
  }

  // Access control starts after the server's own loading (conformance, demo data) above.
  deps.access = auth?.policy;
  const audit = config.AUDIT === 'on' ? new AuditRecorder(store.sql, logger) : undefined;
  const bulk = createBulkExport({ sql: store.sql, deps, logger, baseUrl });
  const subscriptions = createSubscriptions({ sql: store.sql, deps, logger });
  const metrics = config.METRICS_ENABLED === 'on' ? createMetrics({ sql: store.sql }) : undefined;
  const http = createHttpApp({
    deps, logger, baseUrl, bodyLimit: config.BODY_LIMIT, auth, audit,
    readiness: () => readiness(store.sql, () => definitionsLoaded),
    metrics: metrics && { metrics, token: config.METRICS_TOKEN, allow: config.METRICS_ALLOW },
    openApi: () => buildOpenApi(
      buildCapabilityStatement(deps, baseUrl),
      conformanceResources().filter((r) => r.resourceType === 'OperationDefinition') as OperationDefinition[],
      baseUrl,
      { examples: demoExamples(options.demo && demoEnabled(config) ? options.demo() : undefined) },
    ),
  });
  return {
    http, deps, store, logger, baseUrl, auth, audit, metrics, subscriptions,
    close: async () => {
      await subscriptions.stop(); // a notification being sent keeps its lease and is sent again later
      metrics?.close();
      await bulk.stop(); // a running export goes back to the queue and resumes on the next start
      await audit?.close();
      if (!options.store) await store.repo.close();
    },
  };
}
