#!/usr/bin/env node
/**
 * Assembles the Dockerfile's run stage as a folder, by the same steps, for checking the image's
 * layout where no container engine runs (scripts/image.test.ts starts it as an unprivileged user):
 *   deps stage:  package.json + package-lock.json, `npm ci --omit=dev --ignore-scripts`
 *   build stage: the compiled server (dist/) and the generated schema validators (generated/)
 *   run stage:   those, package.json, profiles/, capability/, and data/ (with data/export) owned by
 *                the runtime user.
 * Usage: node scripts/image-tree.mjs DIR [--owner UID:GID]
 */
import { spawnSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function buildImageTree(dir, { owner } = {}) {
  const run = (cmd, args, cwd) => {
    const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`image-tree: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
  };
  // build stage: what `npm run build` leaves (only rebuilt when stale).
  run(process.execPath, [join(root, 'scripts', 'ensure-generated.mjs')], root);
  run(process.execPath, [join(root, 'scripts', 'ensure-built.mjs')], root);

  mkdirSync(dir, { recursive: true });
  // deps stage: production dependencies only, no install scripts.
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(root, f), join(dir, f));
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  // run stage.
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(root, 'generated'), join(dir, 'generated'), { recursive: true });
  for (const d of ['profiles', 'capability']) cpSync(join(root, d), join(dir, d), { recursive: true });
  mkdirSync(join(dir, 'data', 'export'), { recursive: true });
  if (owner) {
    const [uid, gid] = owner;
    const own = (p) => {
      chownSync(p, uid, gid);
      if (statSync(p).isDirectory()) for (const e of readdirSync(p)) own(join(p, e));
    };
    own(join(dir, 'data'));
  }
  return dir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir || existsSync(join(dir, 'package.json'))) {
    process.stderr.write('usage: node scripts/image-tree.mjs NEW_DIR [--owner UID:GID]\n');
    process.exit(2);
  }
  const i = process.argv.indexOf('--owner');
  buildImageTree(resolve(dir), { owner: i > 0 ? process.argv[i + 1].split(':').map(Number) : undefined });
}
