/** Entry point: configuration, the app, listen; on SIGTERM stop accepting, drain, close the store. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config';
import { createLogger, errorFields } from './http/logger';
import { missingEngineFlags } from './runtime';
import { buildServer } from './server';
import { warmUpValidation } from './validation';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const missing = missingEngineFlags();
  if (missing.length) logger.warn('engine flags missing from the node command line (see src/runtime.ts)', { missing });
  const started = Date.now();
  const app = await buildServer({ config, logger, demo: loadDemo });
  warmUpValidation(); // compile the validators now, not on the first request
  const server: Server = app.http.listen(config.PORT, config.HOST, () => {
    logger.info('listening', { baseUrl: app.baseUrl, port: (server.address() as AddressInfo).port, store: app.store.description, startupMs: Date.now() - started });
  });
  server.keepAliveTimeout = 5000;

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => {
      logger.warn('shutdown timeout: closing open connections');
      server.closeAllConnections();
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    server.close(async () => {
      await app.close().catch((e) => logger.error('store close failed', errorFields(e)));
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function loadDemo() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./demo') as { loadDemoData(): { resourceType: 'Bundle' } }).loadDemoData();
}

main().catch((e) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'startup failed', ...errorFields(e) })}\n`);
  process.exit(1);
});
