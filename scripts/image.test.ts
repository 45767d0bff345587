/**
 * The image's run stage, assembled as a folder by the Dockerfile's steps (scripts/image-tree.mjs),
 * started as an unprivileged user with the Dockerfile's CMD and the embedded store on disk: it
 * answers /fhir/metadata, takes a write, runs an $export (files under the data folder), and stops
 * on SIGTERM. Only runtime dependencies are in it. As root (CI), the server runs as `nobody` with
 * only data/ its own; otherwise as this user with everything but data/ made read-only.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..');
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const FHIR_JSON = 'application/fhir+json';

/** A free loopback port: the server's links (Content-Location, file URLs) carry the port it is given. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });

/** Every path under `dir`, made read-only for everyone but the owner of `keep`. */
function readOnlyExcept(dir: string, keep: string) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (p === keep) continue;
    if (e.isDirectory()) readOnlyExcept(p, keep);
    if (!e.isSymbolicLink()) chmodSync(p, statSync(p).mode & ~0o222);
  }
  chmodSync(dir, statSync(dir).mode & ~0o222);
}

describe('the image run stage', () => {
  const parent = mkdtempSync(join(tmpdir(), 'prss-image-'));
  const app = join(parent, 'app');
  afterAll(() => {
    spawnSync('chmod', ['-R', 'u+w', parent]);
    rmSync(parent, { recursive: true, force: true });
  });

  it('starts unprivileged from the Dockerfile CMD, serves and stores under data/, and holds no build tools', async () => {
    chmodSync(parent, 0o755); // the runtime user must reach the tree
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'image-tree.mjs'), app, ...(asRoot ? ['--owner', `${NOBODY}:${NOBODY}`] : [])], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH}` },
    });
    if (built.status !== 0) throw new Error(`image-tree failed: ${built.stderr}`);

    // Only runtime dependencies.
    const modules = join(app, 'node_modules');
    for (const runtime of ['express', 'pino', 'prom-client', 'swagger-ui-dist', '@electric-sql/pglite', 'pg']) expect(existsSync(join(modules, runtime))).toBe(true);
    for (const tool of ['tsx', 'esbuild', 'typescript', 'jest', '@swc/core', 'puppeteer-core', 'supertest']) expect({ tool, present: existsSync(join(modules, tool)) }).toEqual({ tool, present: false });
    expect(existsSync(join(app, 'src'))).toBe(false);
    if (!asRoot) readOnlyExcept(app, join(app, 'data'));

    // The Dockerfile's CMD, with this node.
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))![1]) as string[];
    expect(cmd[0]).toBe('node');
    const argv = [process.execPath, ...cmd.slice(1)];
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(await freePort()), DATA_DIR: join(app, 'data'), EXPORT_DIR: join(app, 'data', 'export'), DEMO: 'off', LOG_LEVEL: 'info' };
    const server = asRoot
      ? spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(argv[0], argv.slice(1), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
    const logs: Record<string, unknown>[] = [];
    try {
      const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
        createInterface({ input: server.stdout! }).on('line', (l) => {
          const entry = JSON.parse(l) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'listening') resolve(entry);
        });
        void exited.then((code) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
      });
      expect(listening.store).toBe(`pglite (${join(app, 'data', 'pgdata')})`);
      const base = `http://127.0.0.1:${listening.port}`;

      const metadata = await fetch(`${base}/fhir/metadata`);
      expect(metadata.status).toBe(200);
      expect(((await metadata.json()) as { resourceType: string }).resourceType).toBe('CapabilityStatement');
      const created = await fetch(`${base}/fhir/Patient`, { method: 'POST', headers: { 'Content-Type': FHIR_JSON }, body: JSON.stringify({ resourceType: 'Patient', gender: 'unknown' }) });
      expect(created.status).toBe(201);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);

      // $export writes its files under data/export and answers their status (a 500 when the folder was root's).
      const kickOff = await fetch(`${base}/fhir/$export?_type=Patient`, { headers: { Accept: FHIR_JSON, Prefer: 'respond-async' } });
      expect(kickOff.status).toBe(202);
      const statusUrl = kickOff.headers.get('content-location')!;
      let status = await fetch(statusUrl);
      while (status.status === 202) {
        await new Promise((r) => setTimeout(r, 200));
        status = await fetch(statusUrl);
      }
      expect(status.status).toBe(200);
      const manifest = (await status.json()) as { output: { type: string; url: string }[] };
      expect(manifest.output.map((o) => o.type)).toEqual(['Patient']);
      const file = await fetch(manifest.output[0].url);
      expect(file.status).toBe(200);
      expect((await file.text()).trim().split('\n')).toHaveLength(1);

      // What the server wrote is the runtime user's, under data/.
      const owner = asRoot ? NOBODY : process.getuid!();
      expect(statSync(join(app, 'data', 'pgdata')).uid).toBe(owner);
      expect(readdirSync(join(app, 'data', 'export')).length).toBeGreaterThan(0);
    } finally {
      if (server.exitCode === null) server.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(logs.map((e) => e.msg)).toContain('stopped');
    expect(logs.some((e) => String(e.msg).startsWith('engine flags missing'))).toBe(false);
  }, 600_000);
});
