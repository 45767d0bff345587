import { createLogger, errorFields } from './logger';

const capture = (level: Parameters<typeof createLogger>[0] = 'debug') => {
  const lines: string[] = [];
  const logger = createLogger(level, (l) => lines.push(l));
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
};

describe('createLogger (pino)', () => {
  it("writes one JSON object a line with today's fields: ISO time, level by name, msg, and the call's fields", () => {
    const { logger, lines, parsed } = capture();
    logger.info('request', { requestId: 'r-1', method: 'GET', path: '/fhir/Patient/1', status: 200, ms: 1.5 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const [entry] = parsed();
    expect(entry).toMatchObject({ level: 'info', msg: 'request', requestId: 'r-1', method: 'GET', path: '/fhir/Patient/1', status: 200, ms: 1.5, pid: process.pid });
    expect(new Date(entry.time as string).toISOString()).toBe(entry.time);
  });

  it('drops messages below the level and writes nothing when silent', () => {
    const warn = capture('warn');
    warn.logger.debug('d');
    warn.logger.info('i');
    warn.logger.warn('w');
    warn.logger.error('e', { x: 1 });
    expect(warn.parsed().map((e) => [e.level, e.msg])).toEqual([['warn', 'w'], ['error', 'e']]);
    const silent = capture('silent');
    silent.logger.error('nothing');
    expect(silent.lines).toEqual([]);
  });

  it('redacts fields that could carry PHI or credentials, at the top level and one level down, keeping the rest', () => {
    const { logger, parsed } = capture();
    logger.error('oops', {
      requestId: 'r-2',
      body: { resourceType: 'Patient', name: [{ family: 'Doe' }] },
      query: 'name=Doe&birthdate=1970-01-01',
      patient: { id: 'p1' },
      headers: { authorization: 'Bearer secret' },
      detail: { identifier: '123-45-6789', name: 'Jane Doe', birthDate: '1970-01-01', status: 422 },
    });
    const [entry] = parsed();
    const text = JSON.stringify(entry);
    for (const secret of ['Doe', '1970-01-01', 'Bearer', '123-45-6789', 'p1']) expect(text).not.toContain(secret);
    expect(entry).toMatchObject({ requestId: 'r-2', body: '[redacted]', query: '[redacted]', patient: '[redacted]', headers: '[redacted]' });
    expect(entry.detail).toEqual({ identifier: '[redacted]', name: '[redacted]', birthDate: '[redacted]', status: 422 });
  });

  it('errorFields keeps the name, message and first stack lines of an error', () => {
    const f = errorFields(new TypeError('bad'));
    expect(f).toMatchObject({ error: 'TypeError', message: 'bad' });
    expect(String(f.stack).split('\n').length).toBeLessThanOrEqual(8);
    expect(errorFields('plain')).toEqual({ error: 'plain' });
  });
});
