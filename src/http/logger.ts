/**
 * Structured JSON logs to stdout, one object a line, written by pino: time (ISO), level (its name),
 * msg, pid, then the call's fields. Never pass a resource body, a query string or any other PHI: log
 * the method, the path template's facts, statuses, timings and the request id. As a second line of
 * defence, fields whose names could carry PHI or credentials (REDACTED_FIELDS, at the top level and
 * one level down) are written as "[redacted]" whatever a caller passes.
 */
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Field names never written as given: bodies, queries, headers, tokens and the demographics of FHIR resources. */
export const REDACTED_FIELDS = [
  'body', 'resource', 'resources', 'query', 'queryString', 'search', 'url', 'originalUrl', 'headers', 'authorization', 'cookie',
  'token', 'access_token', 'client_assertion', 'password', 'secret',
  'patient', 'member', 'identifier', 'name', 'given', 'family', 'birthDate', 'address', 'telecom', 'email', 'phone', 'ssn',
] as const;

const PATHS = REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]);

/**
 * A logger at `level`; `write` takes each line without its newline (default: process.stdout). Not
 * pino's synchronous file-descriptor writer: when stdout is a pipe whose reader stops reading (a
 * parent busy in spawnSync, a stalled log shipper), a synchronous write blocks the whole server once
 * the pipe's 64 KB fill, as the SMART Bulk Data kit's runner showed; Node's stdout stream queues the
 * lines instead and the server keeps serving.
 */
export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  const destination = write ? { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) } : process.stdout;
  const log = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: PATHS, censor: '[redacted]' },
    },
    destination,
  );
  const at = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (fields) log[lvl](fields, msg);
    else log[lvl](msg);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** An error's name, message and stack — for 500s only; messages from our code never carry resource content. */
export function errorFields(e: unknown): Record<string, unknown> {
  if (e instanceof Error) return { error: e.name, message: e.message, stack: e.stack?.split('\n').slice(0, 8).join('\n') };
  return { error: String(e) };
}
