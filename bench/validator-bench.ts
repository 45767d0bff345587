/**
 * Validator throughput, in process (no HTTP): ours (resourceValidator(): structure, then our
 * profiles — the server's write path) against Medplum's validateResource on the same inputs, plus
 * cold start (fresh child process per sample) for both.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FhirResource } from 'fhir/r4';
import { validateResource } from '@medplum/core';
import type { Resource as MedplumResource } from '@medplum/fhirtypes';
import { resourceValidator } from '../src/server';
import { bundles, memberYear } from './generate';
import { loadMedplumDefinitions } from './medplum-defs';
import { ratio, round } from './stats';
import { projectPath } from '../src/paths';

const run = promisify(execFile);

/** Calls per second of fn over about `seconds` (after a short warm-up). */
function throughput(fn: () => void, seconds: number): number {
  const warm = performance.now() + 200;
  while (performance.now() < warm) fn();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    fn();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

export async function validatorBench(opts: { seconds: number; coldSamples: number }) {
  const y = memberYear(0);
  const bundle = [...bundles({ size: 1100, from: 1000 })][0];
  const entries = bundle.entry!.map((e) => e.resource!) as FhirResource[];
  const inputs: Record<string, FhirResource[]> = { Claim: [y.claims[10]], Encounter: [y.sessions[10]], CarePlan: [y.plan], 'Bundle (100 entries)': entries };

  const ours = resourceValidator();
  const oursOne = (r: FhirResource) => {
    const s = ours.structure(r as never);
    if (s.some((i) => i.severity === 'error')) throw new Error(`${r.resourceType}/${r.id} fails our structure check: ${JSON.stringify(s[0])}`);
    const p = ours.profile(r as never);
    if (p.some((i) => i.severity === 'error')) throw new Error(`${r.resourceType}/${r.id} fails our profile: ${JSON.stringify(p[0])}`);
  };
  const profiles = loadMedplumDefinitions();
  const medplumFalseErrors = new Set<string>();
  const mpBase = (r: FhirResource) => validateResource(r as MedplumResource);
  const mpProfile = (r: FhirResource) => {
    try {
      validateResource(r as MedplumResource, { profile: profiles.get(r.meta?.profile?.[0] ?? '') });
    } catch {
      // Medplum 4.5 does not match our extension slices by url, so a few of our valid instances "fail"; still timed.
      medplumFalseErrors.add(r.resourceType);
    }
  };

  const rows: Record<string, unknown>[] = [];
  for (const [name, rs] of Object.entries(inputs)) {
    const each = (f: (r: FhirResource) => void) => () => rs.forEach(f);
    const o = throughput(each(oursOne), opts.seconds);
    const mb = throughput(each(mpBase), opts.seconds);
    const mp = throughput(each(mpProfile), opts.seconds);
    rows.push({
      input: name, oursPerSecond: round(o), medplumBasePerSecond: round(mb), medplumProfilePerSecond: round(mp),
      ratioVsMedplumBase: ratio(o, mb), ratioVsMedplumProfile: ratio(o, mp),
    });
  }

  const cold = async (which: 'ours' | 'medplum') => {
    const samples: { loadMs: number; firstValidationMs: number; processMs: number; wallMs: number }[] = [];
    for (let i = 0; i < opts.coldSamples; i++) {
      const t = performance.now();
      const { stdout } = await run(process.execPath, [...process.execArgv, path.join(__dirname, `cold-start${path.extname(__filename)}`), which], { cwd: projectPath(), timeout: 120_000 });
      samples.push({ ...(JSON.parse(stdout.trim().split('\n').pop()!) as { loadMs: number; firstValidationMs: number; processMs: number }), wallMs: Math.round(performance.now() - t) });
    }
    const med = (k: keyof (typeof samples)[0]) => samples.map((s) => s[k]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
    return { samples: samples.length, loadMs: med('loadMs'), firstValidationMs: med('firstValidationMs'), wallMs: med('wallMs') };
  };
  const coldOurs = await cold('ours');
  const coldMedplum = await cold('medplum');
  return {
    note: 'ours = structure (JSON schema, primitives, invariants) then profile conformance (base R4 + our profile), as on the write path; medplumBase = validateResource(resource); medplumProfile = validateResource(resource, { profile: our StructureDefinition }). Bundle = each of its 100 entries validated.',
    medplumFalseErrorsOn: [...medplumFalseErrors],
    throughput: rows,
    coldStart: { ours: coldOurs, medplum: coldMedplum, ratio: ratio(coldOurs.firstValidationMs, coldMedplum.firstValidationMs) },
  };
}
