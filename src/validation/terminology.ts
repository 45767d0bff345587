/**
 * Local terminology: value set expansion and code lookup for what can be enumerated without a
 * terminology server — value sets whose every include names explicit concepts, whole code systems
 * we hold completely, `is-a`/`descendent-of` filters over such a system's hierarchy, and imports of
 * such value sets. Anything else (SNOMED, LOINC, ICD-10-CM, CPT…) is "not expandable" and callers
 * skip the check rather than guess, as the HL7 validator does when it has no server.
 */
import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import { type DefinitionRegistry, stripVersion } from './definitions';

export interface Expansion {
  /** system → codes. */
  readonly bySystem: ReadonlyMap<string, ReadonlySet<string>>;
  /** Every code of every system, for `code` elements that carry no system. */
  readonly codes: ReadonlySet<string>;
}

interface CodeSystemIndex {
  codes: Set<string>;
  /** code → its display and designations (for display checks). */
  displays: Map<string, string[]>;
  /** code → direct children (from nesting and the `subsumedBy`/`parent`/`child` properties). */
  children: Map<string, string[]>;
}

/** Code systems published under a second URI that means the same system (see domain-model.md). */
const SYSTEM_ALIASES: Record<string, string> = {
  'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets': 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
};
export const canonicalSystem = (system: string) => SYSTEM_ALIASES[system] ?? system;

export class Terminology {
  private readonly expansions = new Map<string, Expansion | null>();
  private readonly systems = new Map<string, CodeSystemIndex | null>();

  constructor(private readonly registry: DefinitionRegistry) {}

  /** The enumerated codes of a value set, or undefined when it cannot be enumerated locally. */
  expand(valueSetUrl: string): Expansion | undefined {
    const url = stripVersion(valueSetUrl);
    if (!this.expansions.has(url)) {
      this.expansions.set(url, null); // guards against import cycles while expanding
      const vs = this.registry.valueSet(url);
      this.expansions.set(url, (vs && this.expandValueSet(vs)) ?? null);
    }
    return this.expansions.get(url) ?? undefined;
  }

  /**
   * Whether a code belongs to a code system we hold completely: true/false, or undefined when the
   * system is unknown or only partly published (then nobody can say).
   */
  codeInSystem(system: string, code: string): boolean | undefined {
    const index = this.systemIndex(canonicalSystem(system));
    return index ? index.codes.has(code) : undefined;
  }

  /**
   * The displays a code may carry (its display and designations) in a code system we hold
   * completely; undefined when the system or code is unknown or the concept has no display.
   */
  displaysOf(system: string, code: string): string[] | undefined {
    const d = this.systemIndex(canonicalSystem(system))?.displays.get(code);
    return d && d.length ? d : undefined;
  }

  private systemIndex(system: string): CodeSystemIndex | undefined {
    if (!this.systems.has(system)) {
      const cs = this.registry.codeSystem(system);
      this.systems.set(system, cs && cs.content === 'complete' ? indexCodeSystem(cs) : null);
    }
    return this.systems.get(system) ?? undefined;
  }

  private expandValueSet(vs: ValueSet): Expansion | undefined {
    const bySystem = new Map<string, Set<string>>();
    const add = (system: string, codes: Iterable<string>) => {
      const key = canonicalSystem(system);
      let set = bySystem.get(key);
      if (!set) bySystem.set(key, (set = new Set()));
      for (const c of codes) set.add(c);
    };
    const compose = vs.compose;
    if (!compose) {
      // A value set published with only an expansion is enumerable from it.
      const contains = vs.expansion?.contains;
      if (!contains || vs.expansion?.total !== undefined && vs.expansion.total > contains.length) return undefined;
      const walk = (items: typeof contains) => {
        for (const c of items) {
          if (c.system && c.code) add(c.system, [c.code]);
          if (c.contains) walk(c.contains);
        }
      };
      walk(contains);
      return finish(bySystem);
    }
    for (const inc of compose.include) {
      const part = this.includePart(inc);
      if (!part) return undefined;
      for (const [s, codes] of part) add(s, codes);
    }
    for (const exc of compose.exclude ?? []) {
      const part = this.includePart(exc);
      if (!part) return undefined; // an exclusion we cannot enumerate makes the result unknowable
      for (const [s, codes] of part) for (const c of codes) bySystem.get(canonicalSystem(s))?.delete(c);
    }
    return finish(bySystem);
  }

  /** The codes one include (or exclude) contributes, keyed by system; undefined if not enumerable. */
  private includePart(inc: ValueSetComposeInclude): Map<string, Set<string>> | undefined {
    const out = new Map<string, Set<string>>();
    let codes: Set<string> | undefined;
    if (inc.system) {
      const system = canonicalSystem(inc.system);
      if (inc.concept) {
        codes = new Set(inc.concept.map((c) => c.code));
      } else {
        const index = this.systemIndex(system);
        if (!index) return undefined;
        codes = new Set(index.codes);
        for (const f of inc.filter ?? []) {
          const filtered = filterCodes(index, f.property, f.op, f.value);
          if (!filtered) return undefined;
          codes = new Set([...codes].filter((c) => filtered.has(c)));
        }
      }
      out.set(system, codes);
    }
    // Imported value sets intersect with the system part (or stand alone when there is none).
    for (const imported of inc.valueSet ?? []) {
      const exp = this.expand(imported);
      if (!exp) return undefined;
      if (inc.system) {
        const system = canonicalSystem(inc.system);
        const allowed = exp.bySystem.get(system) ?? new Set<string>();
        out.set(system, new Set([...(out.get(system) ?? [])].filter((c) => allowed.has(c))));
      } else {
        for (const [s, cs] of exp.bySystem) out.set(s, new Set([...(out.get(s) ?? []), ...cs]));
      }
    }
    return out;
  }
}

function finish(bySystem: Map<string, Set<string>>): Expansion {
  const codes = new Set<string>();
  for (const set of bySystem.values()) for (const c of set) codes.add(c);
  return { bySystem, codes };
}

function indexCodeSystem(cs: CodeSystem): CodeSystemIndex {
  const codes = new Set<string>();
  const displays = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  const link = (parent: string, child: string) => {
    const list = children.get(parent);
    if (list) list.push(child);
    else children.set(parent, [child]);
  };
  const walk = (concepts: CodeSystemConcept[], parent?: string) => {
    for (const c of concepts) {
      codes.add(c.code);
      displays.set(c.code, [c.display, ...(c.designation ?? []).map((d) => d.value)].filter((d): d is string => typeof d === 'string'));
      if (parent) link(parent, c.code);
      for (const p of c.property ?? []) {
        if ((p.code === 'subsumedBy' || p.code === 'parent') && p.valueCode) link(p.valueCode, c.code);
        if (p.code === 'child' && p.valueCode) link(c.code, p.valueCode);
      }
      if (c.concept) walk(c.concept, c.code);
    }
  };
  walk(cs.concept ?? []);
  return { codes, displays, children };
}

/** Codes selected by one filter; undefined for filters we cannot evaluate locally. */
function filterCodes(index: CodeSystemIndex, property: string, op: string, value: string): Set<string> | undefined {
  if (property !== 'concept') return undefined;
  const descendants = (root: string) => {
    const out = new Set<string>();
    const stack = [...(index.children.get(root) ?? [])];
    while (stack.length) {
      const c = stack.pop()!;
      if (out.has(c)) continue;
      out.add(c);
      stack.push(...(index.children.get(c) ?? []));
    }
    return out;
  };
  switch (op) {
    case 'is-a': return new Set([value, ...descendants(value)]);
    case 'descendent-of': return descendants(value);
    case 'is-not-a': {
      const excluded = new Set([value, ...descendants(value)]);
      return new Set([...index.codes].filter((c) => !excluded.has(c)));
    }
    case '=': return new Set([value]);
    case 'in': return new Set(value.split(',').map((v) => v.trim()));
    default: return undefined;
  }
}
