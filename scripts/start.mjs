#!/usr/bin/env node
/**
 * `npm start`: makes sure the generated validators and the compiled server are up to date, then runs
 * the server in this same process. The npm script is `exec node <engine flags> scripts/start.mjs`:
 * `exec` replaces npm's shell with node, so npm hands SIGTERM and SIGINT straight to the process that
 * serves (with `a && b && node …`, the shell stayed between them and node outlived it).
 * The engine flags are those of src/runtime.ts; V8 reads them before any code runs.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const step of ['ensure-generated.mjs', 'ensure-built.mjs']) {
  // Each step finishes before the server starts; only its output is seen.
  const run = spawnSync(process.execPath, [join(root, 'scripts', step)], { stdio: 'inherit', cwd: root });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
await import(pathToFileURL(join(root, 'dist', 'src', 'main.js')).href);
