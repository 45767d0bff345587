/**
 * R4 Subscriptions (docs/subscriptions.md): the outbox hooks on every write of the store, and the
 * delivery worker (when SUBSCRIPTION_WORKER is on).
 *
 * Wiring (createApp, once access control is set): `const subscriptions = createSubscriptions({ sql: store.sql, deps, logger })`
 * and `await subscriptions.stop()` in close().
 */
import type { FhirDeps } from '../fhir/types';
import type { Logger } from '../http/logger';
import { setWriteHooks } from '../store/postgres-repository';
import type { SqlClient } from '../store/sql';
import { DeliveryWorker } from './delivery';
import { outboxHooks } from './outbox';

export interface Subscriptions {
  /** The delivery worker, when this instance runs one. */
  worker?: DeliveryWorker;
  stop(): Promise<void>;
}

export function createSubscriptions(options: { sql: SqlClient; deps: FhirDeps; logger: Logger; worker?: boolean }): Subscriptions {
  const { sql, deps, logger } = options;
  const runWorker = options.worker ?? deps.config.SUBSCRIPTION_WORKER === 'on';
  const worker = runWorker ? new DeliveryWorker({ sql, repo: deps.repo, config: deps.config, logger }) : undefined;
  setWriteHooks(sql, outboxHooks({ config: deps.config, access: deps.access, onRecorded: () => worker?.wake() }));
  worker?.start();
  return { worker, stop: async () => worker?.stop() };
}

export { DeliveryWorker } from './delivery';
