/** Test support: makes sure the generated schema validators exist (a fresh clone running jest directly). */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export function ensureGeneratedValidators(): void {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'ensure-generated.mjs')], { stdio: 'inherit' });
}
