/**
 * Cold start of a validator, run in a fresh child process by validator-bench.ts: load and compile
 * every definition, then validate one Claim (structure + our profile). Prints one JSON line.
 * Usage: tsx bench/cold-start.ts ours|medplum
 */
import { memberYear } from './generate';

async function main(which: string): Promise<void> {
  const claim = memberYear(0).claims[0];
  const t0 = performance.now();
  let loadedAt: number;
  if (which === 'ours') {
    const { resourceValidator } = await import('../src/server');
    const v = resourceValidator();
    loadedAt = performance.now();
    const issues = [...v.structure(claim as never), ...v.profile(claim as never)];
    if (issues.some((i) => i.severity === 'error')) throw new Error('the cold-start claim should be valid');
  } else {
    const { loadMedplumDefinitions, medplumValidate } = await import('./medplum-defs');
    loadMedplumDefinitions();
    loadedAt = performance.now();
    medplumValidate(claim as never, claim.meta!.profile![0]);
  }
  const done = performance.now();
  // performance.now() counts from process start: processMs includes node and tsx start-up.
  console.log(JSON.stringify({ which, loadMs: Math.round(loadedAt - t0), firstValidationMs: Math.round(done - t0), processMs: Math.round(done) }));
}

main(process.argv[2] ?? 'ours').catch((e) => {
  console.error(e);
  process.exit(1);
});
