/**
 * Summarise a V8 .cpuprofile (from `node --cpu-prof`): self and inclusive time per function, so a
 * bottleneck can be named without a GUI. Usage: tsx bench/profile-summary.ts FILE [top=25] [filter]
 * where filter is a substring of the frames to list, or `under:NAME` to count only the samples whose
 * stack passes through a frame named NAME (the time spent inside one call tree), or `notunder:A,B` to
 * count only the samples outside those call trees (what is left once A and B are accounted for).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summarise(profile: Profile, top = 25, filter?: string): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const f = n.callFrame;
    const where = f.url ? `${path.relative(process.cwd(), f.url.replace(/^file:\/\//, ''))}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'} ${where}`.trim();
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  const under = filter?.startsWith('under:') ? [filter.slice(6)] : undefined;
  const notUnder = filter?.startsWith('notunder:') ? filter.slice(9).split(',') : undefined;
  if (under || notUnder) filter = undefined;
  const passesThrough = (id: number, names: string[]) => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (names.some((name) => f.functionName === name || `${f.functionName} ${f.url}`.includes(name))) return true;
    }
    return false;
  };
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    if (under && !passesThrough(id, under)) return;
    if (notUnder && passesThrough(id, notUnder)) return;
    total += dt;
    const leaf = byId.get(id)!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
    // Inclusive: every distinct frame on the stack counts once per sample (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + dt);
    }
  });
  const fmt = (m: Map<string, number>) =>
    [...m.entries()]
      .filter(([k]) => !filter || k.includes(filter))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`)
      .join('\n');
  return `total ${(total / 1000).toFixed(0)} ms\n-- self --\n${fmt(self)}\n-- inclusive --\n${fmt(inclusive)}`;
}

if (require.main === module) {
  const [file, top, filter] = process.argv.slice(2);
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 25), filter));
}
