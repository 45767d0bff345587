/**
 * One CodeSystem, indexed for the terminology operations: every concept by code, with its display,
 * definition, designations and properties, and the hierarchy (nested concepts and the
 * `parent`/`subsumedBy`/`child` properties) in both directions.
 */
import type { CodeSystem, CodeSystemConcept, CodeSystemConceptDesignation, CodeSystemConceptProperty } from 'fhir/r4';

export interface Concept {
  code: string;
  display?: string;
  definition?: string;
  designation: CodeSystemConceptDesignation[];
  property: CodeSystemConceptProperty[];
  parents: string[];
  children: string[];
}

export type Subsumption = 'equivalent' | 'subsumes' | 'subsumed-by' | 'not-subsumed';

export class IndexedCodeSystem {
  /** Concepts in the order the CodeSystem lists them (depth first). */
  readonly concepts = new Map<string, Concept>();

  constructor(readonly resource: CodeSystem) {
    const link = (parent: string, child: string) => {
      const p = this.concept(parent);
      const c = this.concept(child);
      if (!p.children.includes(child)) p.children.push(child);
      if (!c.parents.includes(parent)) c.parents.push(parent);
    };
    const walk = (list: CodeSystemConcept[], parent?: string) => {
      for (const c of list) {
        const node = this.concept(c.code);
        node.defined = true;
        node.display ??= c.display;
        node.definition ??= c.definition;
        node.designation.push(...(c.designation ?? []));
        node.property.push(...(c.property ?? []));
        if (parent) link(parent, c.code);
        for (const p of c.property ?? []) {
          if ((p.code === 'parent' || p.code === 'subsumedBy') && p.valueCode) link(p.valueCode, c.code);
          if (p.code === 'child' && p.valueCode) link(c.code, p.valueCode);
        }
        if (c.concept) walk(c.concept, c.code);
      }
    };
    walk(resource.concept ?? []);
    // A code named only as a parent/child property but never defined is not a concept of the system.
    for (const [code, c] of this.concepts) if (!(c as DefinedConcept).defined) this.concepts.delete(code);
    for (const c of this.concepts.values()) {
      c.parents = c.parents.filter((p) => this.concepts.has(p));
      c.children = c.children.filter((p) => this.concepts.has(p));
      delete (c as Partial<DefinedConcept>).defined;
    }
  }

  get url(): string {
    return this.resource.url ?? '';
  }

  /** Whether every concept of the system is in the resource (only then can absence be asserted). */
  get complete(): boolean {
    return this.resource.content === 'complete';
  }

  get(code: string): Concept | undefined {
    return this.concepts.get(code) ?? (this.resource.caseSensitive === false ? this.findIgnoringCase(code) : undefined);
  }

  /** Every descendant of a code (children, their children…), without the code itself. */
  descendants(code: string): Set<string> {
    const out = new Set<string>();
    const stack = [...(this.concepts.get(code)?.children ?? [])];
    while (stack.length) {
      const c = stack.pop()!;
      if (out.has(c)) continue;
      out.add(c);
      stack.push(...(this.concepts.get(c)?.children ?? []));
    }
    return out;
  }

  /** How code A relates to code B in the hierarchy; both must be concepts of the system. */
  subsumes(codeA: string, codeB: string): Subsumption {
    const a = this.get(codeA)!.code;
    const b = this.get(codeB)!.code;
    if (a === b) return 'equivalent';
    if (this.descendants(a).has(b)) return 'subsumes';
    if (this.descendants(b).has(a)) return 'subsumed-by';
    return 'not-subsumed';
  }

  /** The displays a code may carry: its display and its designations. */
  displays(code: string): string[] {
    const c = this.get(code);
    if (!c) return [];
    return [c.display, ...c.designation.map((d) => d.value)].filter((d): d is string => typeof d === 'string');
  }

  private concept(code: string): DefinedConcept {
    let c = this.concepts.get(code) as DefinedConcept | undefined;
    if (!c) {
      c = { code, designation: [], property: [], parents: [], children: [], defined: false };
      this.concepts.set(code, c);
    }
    return c;
  }

  private findIgnoringCase(code: string): Concept | undefined {
    const lower = code.toLowerCase();
    for (const c of this.concepts.values()) if (c.code.toLowerCase() === lower) return c;
    return undefined;
  }
}

interface DefinedConcept extends Concept {
  defined: boolean;
}
