#!/usr/bin/env node
/**
 * Before `npm start` (and after `npm install`): compiles src/ to dist/ with tsc when dist/ is missing
 * or older than any source file or compiler setting, so the server always runs as plain JavaScript
 * (a TypeScript loader at run time costs a third of the rule engine's speed) and never runs stale code.
 * `--if-source` does nothing when src/ is absent (an install before the sources are copied in, as the
 * Dockerfile's first stage does); `--force` builds whatever the stamp says (`npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const stamp = join(root, 'dist', '.built');
if (!existsSync(src)) {
  if (process.argv.includes('--if-source')) process.exit(0);
  process.stderr.write('ensure-built: no src/ to build\n');
  process.exit(1);
}

/** The newest modification time among the build's inputs: sources (tests excluded) and settings. */
function newestInput() {
  let newest = 0;
  const visit = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'testing') visit(p);
      } else if (/\.(ts|json)$/.test(e.name) && !/\.test\.ts$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  visit(src);
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest;
}

const fresh = existsSync(stamp) && existsSync(join(root, 'dist', 'src', 'main.js')) && statSync(stamp).mtimeMs >= newestInput();
if (fresh && !process.argv.includes('--force')) process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc', { paths: [root] });
} catch {
  process.stderr.write('ensure-built: TypeScript is not installed; run `npm install` (the build needs its dev dependencies)\n');
  process.exit(1);
}
const started = Date.now();
const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
if (run.status !== 0) {
  process.stderr.write('ensure-built: the TypeScript build failed (see above)\n');
  process.exit(run.status ?? 1);
}
// The stamp carries the build's start time: a source saved during the build makes the next start rebuild.
writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
utimesSync(stamp, started / 1000, started / 1000);
process.stderr.write(`ensure-built: compiled src/ to dist/ in ${Date.now() - started} ms\n`);
