/**
 * The StructureDefinition-driven stage: walks an instance against the snapshot of its base R4
 * definition and of every profile it claims (meta.profile) or is asked for, the way the HL7
 * validator does — cardinality, types and choice types, unknown elements, fixed/pattern values,
 * bindings we can enumerate locally, reference targets, extensions (definition, value type,
 * context, sub-extensions), slicing, and the profiles' own FHIRPath constraints. Contained
 * resources and Bundle entries are validated recursively.
 *
 * Definitions are compiled lazily, once per URL, into element trees (profile-model.ts); a
 * validation is then a pure walk with no I/O.
 */
import type { FhirResource, OperationOutcomeIssue, StructureDefinition } from 'fhir/r4';
import * as fhirpath from 'fhirpath';
import * as r4model from 'fhirpath/fhir-context/r4';
import { baseTypeInfo, DefinitionRegistry, FHIR_SD, stripVersion } from './definitions';
import { compileStructure, type CompiledStructure, type ConstraintDef, type ElementNode, type TypeRef } from './profile-model';
import { type BundleIndex, checkBundle, checkBundleReference, indexBundle, resolveInBundle } from './bundle-rules';
import { checkCapabilityStatement, checkSearchParameter, SearchParameterIndex } from './conformance-rules';
import { checkQuestionnaireResponse, compareUcum } from './questionnaire-response';
import { generateSnapshot, SnapshotError, type SnapshotProblem, UnknownBaseError } from './snapshot';
import { canonicalSystem, Terminology } from './terminology';

export interface ProfileValidatorOptions {
  /** Our profiles, extension definitions, code systems and value sets (profiles/*.json). */
  extraDefinitions?: readonly FhirResource[];
}

export interface ProfileValidateOptions {
  /** Profiles to validate against besides the resource's meta.profile (e.g. $validate?profile=). */
  profiles?: string[];
}

export interface ProfileValidator {
  validate(resource: unknown, options?: ProfileValidateOptions): OperationOutcomeIssue[];
  /** Whether a profile URL is known (for callers that want to reject unknown profiles early). */
  knowsProfile(url: string): boolean;
}

export function createProfileValidator(options: ProfileValidatorOptions = {}): ProfileValidator {
  return new StructureValidator(new DefinitionRegistry(options.extraDefinitions ?? []));
}

type Json = Record<string, unknown>;
type Severity = OperationOutcomeIssue['severity'];
type Code = OperationOutcomeIssue['code'];

/** Where an object sits: the FHIR element path without indexes (extension contexts) and its type. */
/** The items of an absent element (shared: never written to). */
const NO_ITEMS: readonly Item[] = Object.freeze([]);
const NO_VALUES: readonly unknown[] = Object.freeze([]);

interface Host {
  basePath: string;
  /**
   * The path of the element's own definition: inside a datatype it is the datatype's path
   * (`HumanName.family`, `ElementDefinition.type`), and a recursive element (contentReference) has
   * the path it refers to (`Questionnaire.item`). Extension contexts name either path.
   */
  defPath?: string;
  /** The path of the definition the element derives from, when it differs (see ElementNode.basePath). */
  inheritedPath?: string;
  type: string;
  isResourceRoot: boolean;
  /** URL of the extension this object is (for `extension`-type contexts of sub-extensions). */
  extensionUrl?: string;
}

/** What a reference can resolve to inside the resource being validated. */
interface Scope {
  root: Json;
  /** id → contained resource. */
  contained: Map<string, Json>;
  /** The enclosing Bundle's entries, for references inside it. */
  bundle?: BundleIndex;
  /** The fullUrl of the Bundle entry the current resource sits in (relative references resolve against it). */
  entryUrl?: string;
}

interface Run {
  issues: Map<string, OperationOutcomeIssue>;
  /** True while walking the base definition: nested resources and per-value terminology are checked once, there. */
  basePass: boolean;
  scope: Scope;
}

interface Item {
  value: unknown;
  /** The `_name` companion of a primitive (id/extension). */
  ext: unknown;
  path: Path;
}

/**
 * An element's FHIRPath location, spelled out only when a finding needs it (as in primitives-walk.ts):
 * most elements are valid, and building every element's path string was most of a walk's garbage.
 */
class Loc {
  private spelled: string | undefined;
  constructor(private readonly parent: Path, private readonly name: string, private readonly index: number) {}
  toString(): string {
    return (this.spelled ??= this.index < 0 ? `${String(this.parent)}.${this.name}` : `${String(this.parent)}.${this.name}[${this.index}]`);
  }
}
/** A location: spelled (a resource's root) or to be spelled. */
type Path = string | Loc;

/** The host of a child element: its base path (extension contexts, messages) is spelled when asked for. */
class ChildHost implements Host {
  readonly isResourceRoot = false;
  private spelled: string | undefined;
  constructor(private readonly parent: Host, private readonly name: string, readonly defPath: string | undefined, readonly type: string,
    readonly inheritedPath?: string) {}
  get basePath(): string {
    return (this.spelled ??= `${this.parent.basePath}.${this.name}`);
  }
}

const JSON_KIND: Record<string, 'boolean' | 'integer' | 'number'> = {
  boolean: 'boolean', integer: 'integer', positiveInt: 'integer', unsignedInt: 'integer', integer64: 'integer', decimal: 'number',
};
const CANONICAL_URL = /^https?:\/\/[^?#]*\/([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}$/;
const REFERENCE = /^(?:(?:https?:\/\/[^?#]*\/)?)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const model = r4model as unknown as fhirpath.Model;
/**
 * Places where the core specification itself uses an extension outside the contexts the extension
 * declares; the reference validator accepts them there, and so do we (element paths or type names).
 */
const CORE_EXTENSION_PLACES: Record<string, readonly string[]> = {
  [`${FHIR_SD}structuredefinition-fhir-type`]: ['ElementDefinition.type'],
  [`${FHIR_SD}structuredefinition-normative-version`]: ['ElementDefinition', 'CanonicalResource'],
};

/** The reference validator's limit on any string value (base64 data aside). */
const MAX_STRING = 1024 * 1024;
const UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

class StructureValidator implements ProfileValidator {
  private readonly compiled = new Map<string, CompiledStructure | null>();
  private readonly fhirpathCache = new WeakMap<ConstraintDef, (node: unknown, env: Record<string, unknown>) => unknown[]>();
  private readonly terminology: Terminology;

  private readonly searchParameters: SearchParameterIndex;

  constructor(private readonly registry: DefinitionRegistry) {
    this.terminology = new Terminology(registry);
    this.searchParameters = new SearchParameterIndex((u) => registry.searchParameter(u));
  }

  knowsProfile(url: string): boolean {
    return this.registry.structureDefinition(url) !== undefined;
  }

  validate(resource: unknown, options: ProfileValidateOptions = {}): OperationOutcomeIssue[] {
    const run: Run = { issues: new Map(), basePass: true, scope: { root: {}, contained: new Map() } };
    const type = isObject(resource) && typeof resource.resourceType === 'string' ? resource.resourceType : 'Resource';
    this.validateResource(run, resource, type, options.profiles ?? [], undefined);
    return [...run.issues.values()];
  }

  // ---------------------------------------------------------------- resources and profiles

  private validateResource(run: Run, resource: unknown, path: Path, explicit: string[], bundle: BundleIndex | undefined) {
    if (!isObject(resource) || typeof resource.resourceType !== 'string') {
      this.report(run, 'error', 'structure', path, 'resource', `${path}: a resource must be a JSON object with a resourceType`);
      return;
    }
    const type = resource.resourceType;
    const base = baseTypeInfo().resourceTypes.has(type) ? this.baseStructure(type) : undefined;
    if (!base) {
      this.report(run, 'error', 'structure', path, 'resource', `${path}: unknown resource type '${type}'`);
      return;
    }
    const outer = { scope: run.scope, basePass: run.basePass };
    run.scope = {
      root: resource, contained: containedResources(resource),
      bundle: type === 'Bundle' ? indexBundle(resource) : bundle,
      entryUrl: type === 'Bundle' ? undefined : bundle?.fullUrlOf.get(resource) ?? outer.scope.entryUrl,
    };
    const host: Host = { basePath: type, type, isResourceRoot: true };

    run.basePass = true;
    this.walkObject(run, base.root, resource, path, host);
    this.checkConstraints(run, base.root, resource, path);
    if (type === 'QuestionnaireResponse') this.checkAgainstQuestionnaire(run, resource, String(path));
    if (type === 'StructureDefinition') this.checkDifferential(run, resource, String(path));
    if (isObject(resource.text) && typeof resource.text.div === 'string' && resource.text.div.includes('#')) {
      this.checkNarrativeLinks(run, resource, resource.text.div, `${String(path)}.text.div`);
    }
    if (type === 'SearchParameter') checkSearchParameter(resource, String(path), this.searchParameters, (sev, code, at, rule, text) => this.report(run, sev, code, at, rule, text));
    if (type === 'CapabilityStatement') checkCapabilityStatement(resource, String(path), this.searchParameters, (sev, code, at, rule, text) => this.report(run, sev, code, at, rule, text));
    if (type === 'Bundle') checkBundle(resource, String(path), (severity, code, at, rule, text) => this.report(run, severity, code, at, rule, text));
    run.basePass = false;
    for (const profile of this.profilesOf(run, resource, type, path, explicit)) {
      this.walkObject(run, profile.root, resource, path, host);
      this.checkConstraints(run, profile.root, resource, path);
    }

    run.scope = outer.scope;
    run.basePass = outer.basePass;
  }

  /**
   * A StructureDefinition's differential against its base: every element it names must exist there
   * (or in the datatypes and slices it opens), no fixed value of the base is changed, and the base
   * chain resolves without a cycle. Checked by generating its snapshot, as the reference validator does.
   */
  private checkDifferential(run: Run, sd: Json, path: string) {
    const def = sd as unknown as StructureDefinition;
    if (def.derivation !== 'constraint' || !def.baseDefinition || !def.differential?.element?.length) return;
    const problems: SnapshotProblem[] = [];
    try {
      generateSnapshot(def, (u) => (stripVersion(u) === def.url ? def : this.registry.structureDefinition(u)), [], problems);
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
      // A base we do not hold may well exist (another IG): the differential is not checked, and says so.
      const unknown = e instanceof UnknownBaseError;
      this.report(run, unknown ? 'warning' : 'error', unknown ? 'not-found' : 'invalid', `${path}.baseDefinition`, 'sd-base',
        `${path}.baseDefinition: ${e.message}${unknown ? '; the differential was not checked' : ''}`);
      return;
    }
    for (const p of problems) {
      const at = `${path}.differential.element[${p.element}]`;
      this.report(run, 'error', 'invalid', at, `sd-differential:${p.message}`, `${at}: ${p.message}`);
    }
  }

  /**
   * Internal hyperlinks of the narrative (`<a href="#x">`) must resolve to an element of the
   * narrative with that id or name, or to a contained resource, as the reference validator checks.
   */
  private checkNarrativeLinks(run: Run, resource: Json, div: string, path: string) {
    const targets = new Set<string>();
    for (const m of div.matchAll(/\s(?:id|name)\s*=\s*["']([^"']*)["']/g)) targets.add(m[1]);
    for (const id of run.scope.contained.keys()) targets.add(id);
    for (const m of div.matchAll(/<a\b[^>]*?\shref\s*=\s*["']#([^"']*)["']/g)) {
      const target = decodeEntities(m[1]);
      if (target !== '' && !targets.has(target) && !targets.has(m[1])) {
        this.report(run, 'error', 'value', path, `narrative-link:${target}`,
          `${path}: the hyperlink '#${target}' does not resolve to an element of the narrative or a contained resource of ${String(resource.resourceType)}`);
      }
    }
  }

  /** A QuestionnaireResponse against the Questionnaire it claims, when that Questionnaire is loaded. */
  private checkAgainstQuestionnaire(run: Run, qr: Json, path: string) {
    if (typeof qr.questionnaire !== 'string') return;
    const q = this.registry.questionnaire(qr.questionnaire);
    if (!q) {
      this.report(run, 'information', 'not-found', `${path}.questionnaire`, 'qr-questionnaire',
        `${path}.questionnaire: the Questionnaire ${qr.questionnaire} is not loaded, so the answers were not checked against it`);
      return;
    }
    checkQuestionnaireResponse(qr, path, q, {
      terminology: this.terminology,
      hasValueSet: (url) => this.registry.valueSet(url) !== undefined,
      isResourceType: (t) => baseTypeInfo().resourceTypes.has(t),
      report: (severity, code, at, rule, diagnostics) => this.report(run, severity, code, at, rule, diagnostics),
    });
  }

  /** The compiled profiles to walk, reporting the ones that are unknown or for another type. */
  private profilesOf(run: Run, resource: Json, type: string, path: Path, explicit: string[]): CompiledStructure[] {
    const out: CompiledStructure[] = [];
    const seen = new Set<string>([FHIR_SD + type]);
    const claimed = isObject(resource.meta) && Array.isArray(resource.meta.profile) ? resource.meta.profile : [];
    const candidates: { url: string; path: Path; explicit: boolean }[] = [
      ...claimed.map((u, i) => ({ url: String(u), path: `${path}.meta.profile[${i}]`, explicit: false })),
      ...explicit.map((u) => ({ url: u, path, explicit: true })),
      // Profiles a loaded ImplementationGuide declares global for the type apply to every instance of it.
      ...this.registry.globalProfiles(type).map((u) => ({ url: u, path, explicit: true })),
    ];
    for (const c of candidates) {
      const url = stripVersion(c.url);
      if (seen.has(url)) continue;
      seen.add(url);
      const sd = this.registry.structureDefinition(url);
      if (!sd) {
        // The HL7 validator warns about an unknown meta.profile and carries on; a profile asked for
        // explicitly, or one claimed in a namespace we publish, cannot be checked, so it is an error.
        if (c.explicit || this.registry.isOwned(url)) {
          this.report(run, 'error', 'processing', c.path, `profile:${url}`, `Profile ${url} is unknown`);
        } else {
          this.report(run, 'warning', 'processing', c.path, `profile:${url}`,
            `Profile reference '${url}' has not been checked because it is unknown`);
        }
        continue;
      }
      if (sd.type !== type) {
        this.report(run, 'error', 'processing', c.path, `profile:${url}`, `Profile ${url} is for ${sd.type}, not ${type}`);
        continue;
      }
      const compiled = this.structure(url);
      if (!compiled) {
        const why = this.snapshotErrors.get(url);
        this.report(run, 'error', 'processing', c.path, `profile:${url}`, `Profile ${url} has no snapshot and cannot be checked${why ? `: ${why}` : ''}`);
        continue;
      }
      out.push(compiled);
    }
    return out;
  }

  /** The R4 definition of a type by its name: asked for on every element, so kept by name (no URL built). */
  private baseStructure(type: string): CompiledStructure | undefined {
    let hit = this.baseByType.get(type);
    if (hit === undefined) {
      hit = this.structure(FHIR_SD + type) ?? null;
      this.baseByType.set(type, hit);
    }
    return hit ?? undefined;
  }
  private readonly baseByType = new Map<string, CompiledStructure | null>();
  /** Why a differential-only definition has no snapshot (reported with "cannot be checked"). */
  private readonly snapshotErrors = new Map<string, string>();

  private structure(url: string): CompiledStructure | undefined {
    const key = stripVersion(url);
    let hit = this.compiled.get(key);
    if (hit === undefined) {
      const sd = this.registry.structureDefinition(key);
      hit = null;
      if (sd?.snapshot?.element?.length) {
        const isBase = sd.derivation !== 'constraint';
        hit = compileStructure(sd, isBase);
      } else if (sd?.differential?.element?.length) {
        // Differential only (an IG's or a caller's profile): generated once, as the reference validator does.
        try {
          // Differential elements naming nothing are skipped, as the reference validator's generator does.
          const element = generateSnapshot(sd, (u) => this.registry.structureDefinition(u), [], []);
          hit = compileStructure({ ...sd, snapshot: { element } }, sd.derivation !== 'constraint');
        } catch (e) {
          this.snapshotErrors.set(key, (e as Error).message);
        }
      }
      this.compiled.set(key, hit);
    }
    return hit ?? undefined;
  }

  // ---------------------------------------------------------------- objects and their children

  /** The node whose children describe an object of `type` found at `node`. */
  private childrenOf(node: ElementNode, type: string): ElementNode | undefined {
    if (node.children.size > 0) return node;
    if (node.contentReference) {
      const id = node.contentReference.slice(node.contentReference.indexOf('#') + 1);
      // As the reference validator reads it: the element of the base definition (a profile's
      // constraints on the referenced element do not apply to the recursion).
      return this.baseStructure(node.sd.type)?.byId.get(id) ?? node.sd.byId.get(id);
    }
    if (node.sliceOf && (type === 'BackboneElement' || type === 'Element') && node.sliceOf.children.size > 0) return node.sliceOf;
    const ref = node.types.find((t) => t.code === type);
    const profile = ref?.profiles[0];
    if (profile && type !== 'Extension') {
      const p = this.structure(profile);
      if (p) return p.root;
    }
    if (node.sliceOf && node.sliceOf.children.size > 0) return node.sliceOf;
    return this.baseStructure(type)?.root;
  }

  private walkObject(run: Run, node: ElementNode, obj: Json, path: Path, host: Host) {
    const owner = this.childrenOf(node, host.type);
    if (!owner) return;
    const { suffixToType } = baseTypeInfo();
    const found = new Map<ElementNode, { type: string; value: unknown; ext: unknown; key: string }>();
    /** Choice elements given with a disallowed type: already reported, so not "missing" too (made on the first). */
    let mistyped: Set<ElementNode> | undefined;

    for (const key in obj) {
      if (key === 'resourceType' && host.isResourceRoot) continue;
      if (key === 'fhir_comments') continue;
      const companion = key.startsWith('_');
      const name = companion ? key.slice(1) : key;
      let child: ElementNode | undefined = owner.children.get(name);
      let type: string | undefined;
      if (child && !child.choice) {
        type = child.types[0]?.code ?? (child.contentReference ? 'BackboneElement' : 'Element');
      } else {
        const choice = owner.choiceKeys.get(name);
        child = choice?.node;
        type = choice?.type;
      }
      if ((!child || !type) && !owner.sd.isBase) {
        // A snapshot that lists only some children of a datatype leaves the rest to the base type.
        const fallback = this.baseStructure(host.type)?.root;
        const hit = fallback && fallback !== owner ? fallback.children.get(name) : undefined;
        if (hit && !hit.choice) {
          child = hit;
          type = hit.types[0]?.code ?? 'Element';
        } else if (fallback?.choiceKeys.has(name) && !owner.choiceChildren.some((c) => name.startsWith(c.name))) {
          ({ node: child, type } = fallback.choiceKeys.get(name)!);
        }
        if (child && type) {
          // Already checked by the base pass; nothing the profile adds.
          continue;
        }
      }
      if (!child || !type) {
        const c = owner.choiceChildren.find((cc) => name.startsWith(cc.name) && suffixToType.has(name.slice(cc.name.length)));
        if (c) {
          const given = suffixToType.get(name.slice(c.name.length))!;
          (mistyped ??= new Set()).add(c);
          this.report(run, 'error', 'structure', `${path}.${c.name}`, 'type',
            `${path}.${c.name}: type '${given}' is not allowed here; allowed: ${c.types.map((t) => t.code).join(', ')}${from(c)}`);
        } else {
          this.report(run, 'error', 'structure', `${path}.${name}`, 'unknown', `${path}: unrecognized element '${name}'${from(owner)}`);
        }
        continue;
      }
      const entry = found.get(child);
      if (entry && entry.type !== type) {
        this.report(run, 'error', 'structure', `${path}.${child.name}`, 'choice',
          `${path}.${child.name}: only one type of ${child.name}[x] is allowed, found ${entry.key} and ${key}`);
        continue;
      }
      const e = entry ?? { type, value: undefined, ext: undefined, key };
      if (companion) e.ext = obj[key];
      else e.value = obj[key];
      found.set(child, e);
    }

    // Every child the definition knows is judged (minimum cardinality, slices); paths and hosts are
    // built only for those present or reported, as most of a datatype's children are absent.
    for (const child of owner.children.values()) {
      const entry = found.get(child);
      if (!entry && child.min === 0 && !child.slices.length) continue;
      // A choice element's items are located by their JSON key (`valueQuantity`), as the reference validator spells them.
      const items = entry ? this.items(run, child, entry.value, entry.ext, path, child.choice ? entry.key.replace(/^_/, '') : child.name) : NO_ITEMS;
      if (items.length < child.min && !mistyped?.has(child)) {
        this.report(run, 'error', 'required', `${path}.${child.name}`, 'min',
          `${path}.${child.name}: minimum required = ${child.min}, but only found ${items.length}${from(child)}`);
      }
      if (items.length > child.max) {
        this.report(run, 'error', 'structure', `${path}.${child.name}`, 'max',
          `${path}.${child.name}: maximum allowed = ${child.max}, but found ${items.length}${from(child)}`);
      }
      if (!entry || items.length === 0) {
        if (child.slices.length) this.checkSlices(run, child, [], new Loc(path, child.name, -1));
        continue;
      }
      const defs = child.slices.length ? this.checkSlices(run, child, items, new Loc(path, child.name, -1)) : undefined;
      const elementHost = new ChildHost(host, child.name, child.defPath, entry.type, child.basePath);
      for (let i = 0; i < items.length; i++) this.validateItem(run, defs?.[i] ?? child, entry.type, items[i], elementHost, host);
    }
  }

  /** Values of the element `node` of the object at `parent` as items (arrays and `_name` companions aligned), reporting array misuse. */
  private items(run: Run, node: ElementNode, value: unknown, ext: unknown, parent: Path, name: string): readonly Item[] {
    const arrayGiven = Array.isArray(value) || Array.isArray(ext);
    if (arrayGiven !== node.isArray && !(value === undefined && ext === undefined)) {
      const path = `${String(parent)}.${name}`;
      this.report(run, 'error', 'structure', path, 'array',
        node.isArray ? `${path}: this element repeats and must be a JSON array` : `${path}: this element does not repeat and must not be a JSON array`);
    }
    if (!arrayGiven) return value == null && ext == null ? NO_ITEMS : [{ value, ext, path: new Loc(parent, name, -1) }];
    const vs = Array.isArray(value) ? value : NO_VALUES;
    const es = Array.isArray(ext) ? ext : NO_VALUES;
    const out: Item[] = [];
    for (let i = 0; i < Math.max(vs.length, es.length); i++) {
      if (vs[i] == null && es[i] == null) continue;
      out.push({ value: vs[i] ?? undefined, ext: es[i] ?? undefined, path: new Loc(parent, name, i) });
    }
    return out;
  }

  // ---------------------------------------------------------------- one value

  private validateItem(run: Run, node: ElementNode, type: string, item: Item, host: Host, parent: Host) {
    const { primitives, resourceTypes } = baseTypeInfo();
    const { value, path } = item;
    const valuePath = path;
    if (item.ext !== undefined) {
      if (!isObject(item.ext)) {
        this.report(run, 'error', 'structure', path, 'companion', `${path}: the _${node.name} companion must be a JSON object`);
      } else {
        const element = this.baseStructure('Element');
        if (element) this.walkObject(run, element.root, item.ext, path, host);
      }
    }
    if (value === undefined) return;

    if (primitives.has(type)) {
      if (!jsonKindMatches(type, value)) {
        this.report(run, 'error', 'structure', valuePath, 'type', `${valuePath}: expected a ${type} value but found ${describe(value)}`);
        return;
      }
      if (run.basePass && typeof value === 'string') this.checkStringValue(run, type, value, valuePath);
      this.checkFixedPattern(run, node, value, valuePath);
      if (node.minValue || node.maxValue) this.checkMinMax(run, node, value, valuePath);
      if (type === 'code' || type === 'string' || type === 'uri' || type === 'canonical') this.checkCodeBinding(run, node, String(value), valuePath);
      if (type === 'canonical' && run.basePass) this.checkCanonical(run, node, String(value), valuePath);
      this.checkConstraints(run, node, value, valuePath);
      return;
    }
    if (!isObject(value)) {
      this.report(run, 'error', 'structure', valuePath, 'type', `${valuePath}: expected a ${type} object but found ${describe(value)}`);
      return;
    }
    if (type === 'Resource' || resourceTypes.has(type)) {
      if (run.basePass) {
        this.validateResource(run, value, valuePath, [], run.scope.bundle);
      } else {
        // A profile's element may require its resource to meet profiles of its own (Bundle.entry.resource, Parameters.parameter.resource).
        // Several profiles are alternatives: meeting one is enough; meeting none reports against all.
        const profiles = node.types.filter((t) => t.code === value.resourceType || t.code === 'Resource').flatMap((t) => t.profiles);
        if (profiles.length && !(profiles.length > 1 && profiles.some((p) => this.conformsTo(value, p)))) {
          this.validateResource(run, value, valuePath, profiles, run.scope.bundle);
        }
      }
      return;
    }
    if (type === 'Extension') {
      this.validateExtension(run, node, value, valuePath, parent);
    } else {
      this.walkObject(run, node, value, valuePath, host);
    }
    this.checkFixedPattern(run, node, value, valuePath);
    if ((node.minValue || node.maxValue) && type === 'Quantity') this.checkMinMax(run, node, value, valuePath);
    if (type === 'Coding' || type === 'CodeableConcept' || type === 'Quantity') this.checkBinding(run, node, type, value, valuePath);
    if (type === 'Coding' && run.basePass) this.checkCodeInSystem(run, value, valuePath);
    if (type === 'Reference') {
      this.checkReference(run, node, value, valuePath);
      // References in the entries (not the Bundle's own, e.g. Bundle.signature) are judged by the Bundle.
      if (run.basePass && run.scope.bundle && run.scope.root.resourceType !== 'Bundle' && typeof value.reference === 'string') {
        checkBundleReference(run.scope.bundle, value.reference, run.scope.entryUrl, String(valuePath),
          (severity, code, at, rule, text) => this.report(run, severity, code, at, rule, text));
      }
    }
    if (type === 'Attachment' && run.basePass) this.checkAttachmentSize(run, value, valuePath);
    this.checkConstraints(run, node, value, valuePath);
  }

  /** Rules of the reference validator on string values beyond their type's regex: size, and well-formed urn:uuid URIs. */
  private checkStringValue(run: Run, type: string, value: string, path: Path) {
    if (value.length > MAX_STRING && type !== 'base64Binary') {
      this.report(run, 'error', 'too-long', path, 'string-size', `${path}: the value is longer than the maximum allowed size of 1 MB (${value.length} characters)`);
    }
    if ((type === 'uri' || type === 'url' || type === 'canonical') && value.startsWith('urn:uuid:') && !UUID.test(value)) {
      this.report(run, 'error', 'value', path, 'uuid', `${path}: '${value}' is not a valid UUID URI: UUIDs must be valid and lowercase`);
    }
  }

  /** ElementDefinition.minValue[x]/maxValue[x]: numbers, dates and times, Quantities (with UCUM conversion), and Durations relative to today for dates. */
  private checkMinMax(run: Run, node: ElementNode, value: unknown, path: Path) {
    const check = (limit: { type: string; value: unknown }, side: 'minimum' | 'maximum') => {
      const c = compareToLimit(value, limit, side);
      if (c === undefined) return;
      if (c === 'incomparable') {
        this.report(run, 'error', 'value', path, `${side}-value`, `${path}: the value cannot be compared to the ${side} ${JSON.stringify(limit.value)}${from(node)}`);
      } else if ((side === 'minimum' && c < 0) || (side === 'maximum' && c > 0)) {
        this.report(run, 'error', 'value', path, `${side}-value`,
          `${path}: the value ${JSON.stringify(value)} is ${side === 'minimum' ? 'less' : 'greater'} than the ${side} ${JSON.stringify(limit.value)}${from(node)}`);
      }
    };
    if (node.minValue) check(node.minValue, 'minimum');
    if (node.maxValue) check(node.maxValue, 'maximum');
  }

  /** An Attachment's stated size must be the size of its (base64-decoded) data. */
  private checkAttachmentSize(run: Run, a: Json, path: Path) {
    if (typeof a.data !== 'string' || typeof a.size !== 'number') return;
    const actual = base64Size(a.data);
    if (actual !== a.size) {
      this.report(run, 'error', 'value', path, 'attachment-size', `${path}: the stated attachment size ${a.size} does not match the size of its data (${actual} bytes)`);
    }
  }

  private validateExtension(run: Run, node: ElementNode, ext: Json, path: Path, parent: Host) {
    const url = typeof ext.url === 'string' ? ext.url : undefined;
    const declared = node.types.find((t) => t.code === 'Extension')?.profiles[0];
    const absolute = url !== undefined && /^[a-z][a-z0-9+.-]*:/i.test(url);
    const defUrl = declared ?? (absolute ? url : undefined);
    const def = defUrl ? this.structure(defUrl) : undefined;
    const extHost: Host = { basePath: 'Extension', type: 'Extension', isResourceRoot: false, extensionUrl: url };
    if (!def || def.type !== 'Extension') {
      if (url !== undefined && absolute) {
        const modifier = node.name === 'modifierExtension';
        // Not the core namespace: HL7 publishes more extensions there (the extensions pack) than R4 holds.
        if (modifier || this.registry.isOwned(url)) {
          this.report(run, 'error', 'extension', path, 'ext-unknown', `${path}: the extension ${url} is unknown`);
        } else {
          // Like the HL7 validator's default, foreign extensions we hold no definition for are allowed.
          this.report(run, 'information', 'extension', path, 'ext-unknown', `${path}: the extension ${url} is unknown and was not checked`);
        }
      } else if (url !== undefined && !node.sliceName && parent.extensionUrl && !node.sd.isBase) {
        this.report(run, 'error', 'structure', path, 'ext-sub',
          `${path}: sub-extension '${url}' is not defined by the extension ${parent.extensionUrl}`);
      }
      this.walkObject(run, node, ext, path, extHost);
      return;
    }
    if (!this.contextAllows(def, parent)) {
      const allowed = def.contexts.map((c) => c.expression).join(', ');
      this.report(run, 'error', 'extension', path, 'ext-context',
        `${path}: the extension ${def.url} is not allowed here (allowed contexts: ${allowed}; this element is ${parent.basePath})`);
    }
    this.walkObject(run, def.root, ext, path, extHost);
    this.checkConstraints(run, def.root, ext, path);
  }

  private isCanonicalResource(type: string): boolean {
    const root = this.baseStructure(type)?.root;
    return root !== undefined && root.children.has('url') && root.children.has('version') && root.children.has('status');
  }

  private contextAllows(def: CompiledStructure, parent: Host): boolean {
    if (def.contexts.length === 0) return true;
    const extra = CORE_EXTENSION_PLACES[def.url];
    if (extra && (extra.includes(parent.type) || (parent.defPath !== undefined && extra.includes(parent.defPath))
      || (extra.includes('CanonicalResource') && parent.isResourceRoot && this.isCanonicalResource(parent.type)))) return true;
    return def.contexts.some((c) => {
      if (c.type === 'extension') return parent.extensionUrl === c.expression;
      if (c.type !== 'element') return true; // FHIRPath contexts are not evaluated here
      const e = c.expression;
      return e === 'Element' || e === 'Base' || e === parent.basePath || e === parent.defPath || e === parent.type || e === parent.inheritedPath
        || (parent.isResourceRoot && (e === 'Resource' || e === 'DomainResource'))
        // R5's abstract CanonicalResource/MetadataResource, used by extensions R4 validators load: any R4 canonical resource.
        || (parent.isResourceRoot && (e === 'CanonicalResource' || e === 'MetadataResource') && this.isCanonicalResource(parent.type))
        || (parent.extensionUrl !== undefined && e === 'Extension');
    });
  }

  // ---------------------------------------------------------------- slicing

  /** Assigns each item to a slice (or none), checks slice cardinality and closed rules. */
  private checkSlices(run: Run, entry: ElementNode, items: readonly Item[], path: Path): (ElementNode | undefined)[] {
    const matchers = entry.slices.map((s) => this.sliceMatcher(entry, s));
    const supported = matchers.every((m) => m !== undefined);
    const assigned = items.map((item) => {
      const i = matchers.findIndex((m) => m?.(item.value) === true);
      return i < 0 ? undefined : entry.slices[i];
    });
    entry.slices.forEach((slice, i) => {
      if (!matchers[i]) return;
      const count = assigned.filter((a) => a === slice).length;
      const label = sliceLabel(slice);
      if (count < slice.min) {
        this.report(run, 'error', 'required', path, `slice-min:${slice.sliceName}`,
          `${path}: ${label}: minimum required = ${slice.min}, but only found ${count}${from(slice)}`);
      }
      if (count > slice.max) {
        this.report(run, 'error', 'structure', path, `slice-max:${slice.sliceName}`,
          `${path}: ${label}: maximum allowed = ${slice.max}, but found ${count}${from(slice)}`);
      }
    });
    if (supported && entry.slicing?.rules === 'closed') {
      items.forEach((item, i) => {
        if (!assigned[i]) {
          this.report(run, 'error', 'structure', item.path, 'closed',
            `${item.path}: this element does not match any slice of ${entry.path} and the slicing is closed${from(entry)}`);
        }
      });
    }
    if (supported && entry.slicing?.ordered) {
      // Unsliced items may sit anywhere, except under openAtEnd where they must follow the slices.
      const atEnd = entry.slicing.rules === 'openAtEnd';
      let last = -1;
      assigned.forEach((s, i) => {
        if (!s && !atEnd) return;
        const at = s ? entry.slices.indexOf(s) : entry.slices.length;
        if (at < last) {
          this.report(run, 'error', 'structure', items[i].path, 'ordered', `${items[i].path}: slices of ${entry.path} are out of order${from(entry)}`);
        }
        last = Math.max(last, at);
      });
    }
    return assigned;
  }

  private readonly matcherCache = new WeakMap<ElementNode, ((v: unknown) => boolean) | null>();

  /** A predicate telling whether a value belongs to a slice, or undefined when we cannot tell. */
  private sliceMatcher(entry: ElementNode, slice: ElementNode): ((v: unknown) => boolean) | undefined {
    let m = this.matcherCache.get(slice);
    if (m === undefined) {
      const discriminators = entry.slicing?.discriminators ?? [];
      const tests: ((v: unknown) => boolean)[] = [];
      let ok = discriminators.length > 0;
      for (const d of discriminators) {
        if (d.type === 'value' || d.type === 'pattern') {
          const expected = this.expectedAt(slice, d.path);
          if (expected === undefined) { ok = false; break; }
          const segs = d.path === '$this' ? [] : d.path.split('.');
          tests.push((v) => valuesAt(v, segs).some((x) => contains(x, expected)));
        } else if (d.type === 'type' && d.path === '$this') {
          const types = new Set(slice.types.map((t) => t.code));
          tests.push((v) => isObject(v) && typeof v.resourceType === 'string' && types.has(v.resourceType));
        } else if ((d.type === 'type' || d.type === 'profile') && /^[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)*$/.test(d.path)) {
          // The slice's element at the path says which resource types (or profiles) belong to it.
          const at = this.elementAt(slice, d.path);
          const segs = d.path.split('.');
          if (!at) { ok = false; break; }
          if (d.type === 'type') {
            const types = new Set(at.types.map((t) => t.code));
            tests.push((v) => valuesAt(v, segs).some((x) => isObject(x) && typeof x.resourceType === 'string' && types.has(x.resourceType)));
          } else {
            const profiles = at.types.flatMap((t) => t.profiles);
            // A profile we do not hold cannot tell members from non-members: the slice is not judged.
            if (!profiles.length || profiles.some((p) => !this.registry.structureDefinition(p))) { ok = false; break; }
            tests.push((v) => valuesAt(v, segs).some((x) => profiles.some((p) => this.conformsTo(x, p))));
          }
        } else {
          ok = false;
          break;
        }
      }
      m = ok ? (v: unknown) => tests.every((t) => t(v)) : null;
      this.matcherCache.set(slice, m);
    }
    return m ?? undefined;
  }

  /** The element a slice defines at a dotted path below it (its own, or its slicing entry's). */
  private elementAt(slice: ElementNode, path: string): ElementNode | undefined {
    let node: ElementNode | undefined = slice;
    for (const seg of path.split('.')) {
      if (!node) return undefined;
      const type: string = node.types[0]?.code ?? 'BackboneElement';
      node = this.childrenOf(node, type)?.children.get(seg);
    }
    return node;
  }

  /** Whether a value (a resource) meets a profile with no errors: for profile discriminators. */
  private conformsTo(value: unknown, profile: string): boolean {
    if (!isObject(value)) return false;
    const sd = this.registry.structureDefinition(profile);
    if (!sd || sd.type !== value.resourceType) return false;
    // Resources that refer to each other (through target profiles) would check each other forever:
    // a check already under way is taken to hold.
    const pending = this.conforming.get(value);
    if (pending?.has(profile)) return true;
    const mark = pending ?? new Set<string>();
    mark.add(profile);
    this.conforming.set(value, mark);
    try {
      const run: Run = { issues: new Map(), basePass: true, scope: { root: {}, contained: new Map() } };
      this.validateResource(run, value, String(value.resourceType), [profile], undefined);
      return ![...run.issues.values()].some((i) => i.severity === 'error' || i.severity === 'fatal');
    } finally {
      mark.delete(profile);
    }
  }
  private readonly conforming = new WeakMap<Json, Set<string>>();

  /** The fixed or pattern value a slice sets at a discriminator path. */
  private expectedAt(slice: ElementNode, path: string): unknown {
    const segs = path === '$this' ? [] : path.split('.');
    if (segs.some((s) => s.includes('('))) return undefined; // resolve(), extension(…): not supported
    let node: ElementNode | undefined = slice;
    for (let i = 0; i <= segs.length; i++) {
      if (!node) return undefined;
      const own = node.fixed ?? node.pattern;
      if (own !== undefined) {
        const found = valuesAt(own, segs.slice(i));
        return found.length === 1 ? found[0] : undefined;
      }
      if (i === segs.length) break;
      // Extension slices are discriminated by url and usually name their definition only in the type.
      if (segs[i] === 'url' && i === segs.length - 1) {
        const profile = node.types.find((t) => t.code === 'Extension')?.profiles[0];
        const urlChild = node.children.get('url');
        if (urlChild?.fixed !== undefined) return urlChild.fixed;
        if (profile) return profile;
      }
      const type: string = node.types[0]?.code ?? 'BackboneElement';
      node = this.childrenOf(node, type)?.children.get(segs[i]);
    }
    return undefined;
  }

  // ---------------------------------------------------------------- value rules

  private checkFixedPattern(run: Run, node: ElementNode, value: unknown, path: Path) {
    if (node.fixed !== undefined && !deepEqual(value, node.fixed)) {
      this.report(run, 'error', 'value', path, 'fixed', `${path}: value must be exactly ${JSON.stringify(node.fixed)}${from(node)}`);
    }
    if (node.pattern !== undefined && !contains(value, node.pattern)) {
      this.report(run, 'error', 'value', path, 'pattern', `${path}: value must match the pattern ${JSON.stringify(node.pattern)}${from(node)}`);
    }
  }

  private bindingExpansion(node: ElementNode) {
    const b = node.binding;
    if (!b?.valueSet || (b.strength !== 'required' && b.strength !== 'extensible')) return undefined;
    const expansion = this.terminology.expand(b.valueSet);
    return expansion ? { expansion, strength: b.strength, valueSet: b.valueSet } : undefined;
  }

  private bindingIssue(run: Run, node: ElementNode, strength: string, valueSet: string, path: Path, what: string) {
    const required = strength === 'required';
    this.report(run, required ? 'error' : 'warning', 'code-invalid', path, `binding:${valueSet}`,
      `${path}: ${what} ${required ? 'is not' : 'should be'} in the value set ${valueSet} (${strength} binding${from(node).replace(' (', ', ').replace(')', '')})`);
  }

  private checkCodeBinding(run: Run, node: ElementNode, code: string, path: Path) {
    const b = this.bindingExpansion(node);
    if (b && !b.expansion.codes.has(code)) this.bindingIssue(run, node, b.strength, b.valueSet, path, `the code '${code}'`);
  }

  private checkBinding(run: Run, node: ElementNode, type: string, value: Json, path: Path) {
    const b = this.bindingExpansion(node);
    if (!b) return;
    const inSet = (c: unknown) => isObject(c) && typeof c.system === 'string' && typeof c.code === 'string'
      && b.expansion.bySystem.get(canonicalSystem(c.system))?.has(c.code) === true;
    if (type === 'Coding' || type === 'Quantity') {
      if (type === 'Quantity' && value.code === undefined) return;
      if (!inSet(value)) this.bindingIssue(run, node, b.strength, b.valueSet, path, `the code ${value.system ?? ''}#${value.code ?? ''}`);
      return;
    }
    const codings = Array.isArray(value.coding) ? value.coding : [];
    if (codings.length === 0) {
      if (b.strength === 'required') this.bindingIssue(run, node, b.strength, b.valueSet, path, 'no code was provided; a code');
      return;
    }
    if (!codings.some(inSet)) {
      const given = codings.map((c) => (isObject(c) ? `${c.system ?? ''}#${c.code ?? ''}` : '?')).join(', ');
      this.bindingIssue(run, node, b.strength, b.valueSet, path, `none of the codings (${given})`);
    }
  }

  /** A code from a code system we hold completely must exist in it, bound or not (HL7 does the same). */
  private checkCodeInSystem(run: Run, coding: Json, path: Path) {
    if (typeof coding.system !== 'string' || typeof coding.code !== 'string') return;
    if (this.terminology.codeInSystem(coding.system, coding.code) === false) {
      this.report(run, 'error', 'code-invalid', `${path}.code`, 'code-system',
        `${path}.code: unknown code '${coding.code}' in the code system ${coding.system}`);
    }
  }

  private checkReference(run: Run, node: ElementNode, value: Json, path: Path) {
    const ref = node.types.find((t) => t.code === 'Reference');
    if (!ref || ref.targetProfiles.length === 0) return;
    const allowed = this.targetTypes(ref);
    let target: string | undefined;
    let resolved: Json | undefined;
    const literal = value.reference;
    if (typeof literal === 'string') {
      if (literal.startsWith('#')) resolved = literal === '#' ? run.scope.root : run.scope.contained.get(literal.slice(1));
      else if (run.scope.bundle) {
        const found = resolveInBundle(run.scope.bundle, literal, run.scope.entryUrl);
        resolved = found.length === 1 ? found[0] : undefined;
      }
      target = resolved ? String(resolved.resourceType) : literal.startsWith('#') ? undefined : REFERENCE.exec(literal)?.[1];
    }
    if (target === undefined && typeof value.type === 'string') target = value.type;
    if (target === undefined || !baseTypeInfo().resourceTypes.has(target)) return;
    if (!allowed.has('Resource') && !allowed.has(target)) {
      this.report(run, 'error', 'structure', path, 'target',
        `${path}: the reference${typeof literal === 'string' ? ` '${literal}'` : ''} points to a ${target}, which is not a valid target here (must be ${[...allowed].join(' or ')})${from(node)}`);
      return;
    }
    // A target resolved inside the resource or its Bundle must meet one of the target profiles a profile
    // names. A target that claims one of them is validated against it where it stands: its own
    // findings are not repeated at every reference to it.
    if (resolved && !run.basePass) {
      const profiles = ref.targetProfiles.filter((u) => !u.startsWith(FHIR_SD) && this.registry.structureDefinition(u)?.type === target);
      const claims = isObject(resolved.meta) && Array.isArray(resolved.meta.profile) ? resolved.meta.profile.map((u) => stripVersion(String(u))) : [];
      if (profiles.length && !profiles.some((p) => claims.includes(p)) && !profiles.some((p) => this.conformsTo(resolved, p))) {
        this.report(run, 'error', 'structure', path, 'target-profile',
          `${path}: the resource the reference '${String(literal)}' points to does not conform to ${profiles.join(' or ')}${from(node)}`);
      }
    }
  }

  /**
   * A canonical must point to a resource of a type the element allows: judged when it resolves to a
   * definition we hold, or when it is spelled `[base]/[Type]/[id]` with a resource type.
   */
  private checkCanonical(run: Run, node: ElementNode, value: string, path: Path) {
    const ref = node.types.find((t) => t.code === 'canonical');
    if (!ref || ref.targetProfiles.length === 0) return;
    const allowed = this.targetTypes(ref);
    if (allowed.has('Resource')) return;
    const url = stripVersion(value);
    const target = this.registry.structureDefinition(url) ? 'StructureDefinition'
      : this.registry.valueSet(url) ? 'ValueSet'
        : this.registry.codeSystem(url) ? 'CodeSystem'
          : this.registry.questionnaire(url) ? 'Questionnaire'
            : CANONICAL_URL.exec(url)?.[1];
    if (target === undefined || !baseTypeInfo().resourceTypes.has(target) || allowed.has(target)) return;
    this.report(run, 'error', 'structure', path, 'canonical-target',
      `${path}: the canonical '${value}' refers to a ${target}, which is not a valid target here (must be ${[...allowed].join(' or ')})${from(node)}`);
  }

  private readonly targetCache = new WeakMap<TypeRef, Set<string>>();
  private targetTypes(ref: TypeRef): Set<string> {
    let set = this.targetCache.get(ref);
    if (!set) {
      // A target profile we cannot resolve says nothing we can check: treated as any resource.
      set = new Set(ref.targetProfiles.map((u) => this.registry.structureDefinition(u)?.type ?? (u.startsWith(FHIR_SD) ? u.slice(FHIR_SD.length) : 'Resource')));
      this.targetCache.set(ref, set);
    }
    return set;
  }

  private checkConstraints(run: Run, node: ElementNode, value: unknown, path: Path) {
    if (node.constraints.length === 0) return;
    const env = { resource: run.scope.root, rootResource: run.scope.root };
    for (const c of node.constraints) {
      let ok: boolean;
      try {
        const result = this.constraintFn(node, c)(value, env);
        ok = result.length > 0 && result.every((r) => r !== false);
      } catch (e) {
        // A constraint our engine cannot run is our problem, not the instance's: say so, do not reject.
        this.report(run, 'warning', 'processing', path, `constraint:${c.key}`,
          `${path}: constraint ${c.key} could not be evaluated (${(e as Error).message})${from(node)}`);
        continue;
      }
      if (!ok) {
        this.report(run, c.severity, 'invariant', path, `constraint:${c.key}`, `${path}: constraint failed: ${c.key}: ${c.human}${from(node)}`);
      }
    }
  }

  /** A constraint's expression, compiled on first use against its element's path (found by identity: no key built per element). */
  private constraintFn(node: ElementNode, c: ConstraintDef) {
    let fn = this.fhirpathCache.get(c);
    if (!fn) {
      const base = node.path.replace(/\[x\]/g, '');
      const compiled = base.includes('.')
        ? fhirpath.compile({ base, expression: c.expression }, model)
        : fhirpath.compile(c.expression, model);
      fn = (v, env) => compiled(v, env) as unknown[];
      this.fhirpathCache.set(c, fn);
    }
    return fn;
  }

  private report(run: Run, severity: Severity, code: Code, at: Path, rule: string, diagnostics: string) {
    // One issue per problem: the base definition and a profile repeating its rule report it once.
    const expression = String(at);
    const key = `${severity}|${code}|${expression}|${rule}`;
    if (!run.issues.has(key)) run.issues.set(key, { severity, code, diagnostics, expression: [expression] });
  }
}

// -------------------------------------------------------------------- helpers

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function from(node: ElementNode): string {
  return ` (from ${node.sd.url})`;
}

function sliceLabel(slice: ElementNode): string {
  const ext = slice.types.find((t) => t.code === 'Extension')?.profiles[0];
  return ext ? `extension ${ext} (slice '${slice.sliceName}')` : `slice '${slice.sliceName}'`;
}

function jsonKindMatches(type: string, value: unknown): boolean {
  switch (JSON_KIND[type]) {
    case 'boolean': return typeof value === 'boolean';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'number': return typeof value === 'number';
    default: return typeof value === 'string';
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function containedResources(resource: Json): Map<string, Json> {
  const out = new Map<string, Json>();
  if (Array.isArray(resource.contained)) {
    for (const c of resource.contained) {
      if (isObject(c) && typeof c.id === 'string' && typeof c.resourceType === 'string') out.set(c.id, c);
    }
  }
  return out;
}


const DURATION_UNITS: Record<string, (d: Date, n: number) => void> = {
  a: (d, n) => d.setUTCFullYear(d.getUTCFullYear() + n), mo: (d, n) => d.setUTCMonth(d.getUTCMonth() + n),
  wk: (d, n) => d.setUTCDate(d.getUTCDate() + 7 * n), d: (d, n) => d.setUTCDate(d.getUTCDate() + n),
  h: (d, n) => d.setTime(d.getTime() + n * 3_600_000), min: (d, n) => d.setTime(d.getTime() + n * 60_000), s: (d, n) => d.setTime(d.getTime() + n * 1000),
};

/**
 * A value against a minValue/maxValue: a number (sign of value - limit), 'incomparable', or undefined
 * when the limit does not apply to this kind of value. A Duration limit on a date means "at least/at
 * most that long ago/ahead of today": minValueDuration 100 a is today minus 100 years, maxValueDuration
 * 10 a today plus 10 years.
 */
function compareToLimit(value: unknown, limit: { type: string; value: unknown }, side: 'minimum' | 'maximum'): number | 'incomparable' | undefined {
  const l = limit.value;
  if (typeof value === 'number' && typeof l === 'number') return value - l;
  if (typeof value === 'string' && typeof l === 'string') return value < l ? -1 : value > l ? 1 : 0;
  if (typeof value === 'string' && (limit.type === 'Duration' || limit.type === 'Age') && isObject(l) && typeof l.value === 'number') {
    const shift = DURATION_UNITS[String(l.code ?? l.unit ?? '')];
    if (!shift) return 'incomparable';
    const bound = new Date();
    shift(bound, side === 'minimum' ? -l.value : l.value);
    const at = bound.toISOString().slice(0, value.length);
    return value < at ? -1 : value > at ? 1 : 0;
  }
  if (isObject(value) && isObject(l) && typeof value.value === 'number' && typeof l.value === 'number') {
    if (value.code === l.code && value.system === l.system) return value.value - l.value;
    if (typeof value.code !== 'string' || typeof l.code !== 'string') return 'incomparable';
    return compareUcum(value.value, value.code, l.value, l.code) ?? 'incomparable';
  }
  return undefined;
}

function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;|&apos;/g, "'");
}

/** Bytes encoded by base64 text (whitespace ignored, padding honoured). */
function base64Size(data: string): number {
  const s = data.replace(/\s+/g, '');
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return Math.floor((s.length * 3) / 4) - pad;
}

/** Values reached by following a dotted path through objects and arrays. */
function valuesAt(value: unknown, segs: string[]): unknown[] {
  let current: unknown[] = Array.isArray(value) ? value : [value];
  for (const seg of segs) {
    const next: unknown[] = [];
    for (const v of current) {
      if (!isObject(v)) continue;
      const x = v[seg];
      if (Array.isArray(x)) next.push(...x);
      else if (x !== undefined) next.push(x);
    }
    current = next;
  }
  return current;
}

/** FHIR pattern semantics: every property the pattern sets is present with that value; arrays by containment. */
function contains(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    const vs = Array.isArray(value) ? value : value === undefined ? [] : [value];
    return pattern.every((p) => vs.some((v) => contains(v, p)));
  }
  if (Array.isArray(value)) return value.some((v) => contains(v, pattern));
  if (isObject(pattern)) {
    if (!isObject(value)) return false;
    for (const k in pattern) if (!contains(value[k], pattern[k])) return false;
    return true;
  }
  return value === pattern;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => deepEqual(a[k], b[k]));
}
