/**
 * `npm start` runs the server so that a SIGTERM reaches it: npm's shell is replaced by node (exec),
 * the server drains and exits, and no node process is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..');
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};
/** The parent pid of `pid`, from /proc. */
const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'prss-start-'));
  let npm: ChildProcess | undefined;
  let serverPid: number | undefined;
  afterAll(() => {
    if (npm?.exitCode === null) npm.kill('SIGKILL');
    if (serverPid && alive(serverPid)) process.kill(serverPid, 'SIGKILL'); // left over only when the test failed
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves, and on SIGTERM to npm the server itself stops: it logs "stopped", exits 0, and no process is left', async () => {
    npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      // This Node first on PATH: npm runs the script with it, as .ci/run does with Node 24.
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, PORT: '0', HOST: '127.0.0.1', AUTH: 'off', STORE: 'memory', DEMO: 'off', DATA_DIR: dataDir, EXPORT_DIR: join(dataDir, 'export'), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: Record<string, unknown>[] = [];
    let stderr = '';
    npm.stderr!.on('data', (d) => (stderr += d));
    const lines = createInterface({ input: npm.stdout! });
    const closed = new Promise((r) => lines.once('close', r));
    const exited = new Promise<number | null>((r) => npm!.once('exit', (code) => r(code)));
    const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
      lines.on('line', (l) => {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(l);
        } catch {
          return; // build output
        }
        logs.push(entry);
        if (entry.msg === 'listening') resolve(entry);
      });
      void exited.then((code) => reject(new Error(`npm start exited (${code}) before listening: ${stderr}`)));
    });
    serverPid = listening.pid as number;
    // No shell between npm and the server: the server is npm's own child.
    expect(parentOf(serverPid)).toBe(npm.pid);
    expect(logs.some((e) => e.msg?.toString().startsWith('engine flags missing'))).toBe(false);
    const health = await fetch(`http://127.0.0.1:${listening.port}/healthz`);
    expect(health.status).toBe(200);

    npm.kill('SIGTERM');
    expect(await exited).toBe(0);
    await closed;
    expect(logs.map((e) => e.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    expect(logs.find((e) => e.msg === 'shutting down')?.signal).toBe('SIGTERM');
    expect(alive(serverPid)).toBe(false);
  }, 240_000);
});
