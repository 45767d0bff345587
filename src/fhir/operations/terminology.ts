/**
 * The terminology operations, GET or POST (Parameters), at type level or on a stored resource
 * ([id]): CodeSystem/$lookup, CodeSystem/$subsumes, CodeSystem/$validate-code, ValueSet/$expand and
 * ValueSet/$validate-code. The work is src/terminology's; this file reads parameters and writes
 * Parameters. Definitions: capability/OperationDefinition-{CodeSystem,ValueSet}-*.json.
 */
import type { CodeableConcept, CodeSystem, Coding, Parameters, ParametersParameter, ValueSet } from 'fhir/r4';
import { projectPath } from '../../paths';
import { badRequest, OutcomeError, issue } from '../../outcomes';
import { DefinitionRegistry, loadDefinitionDirectory } from '../../validation/definitions';
import { TerminologyService, type CodingInput, type ValidateResult } from '../../terminology/service';
import { requireId } from '../interactions/common';
import { defineOperation } from '../registry';
import type { Handler, HandlerContext } from '../types';
import { P } from './operation-support';
import { first, loadOperationDefinition, parseOperationInput, type OperationInput } from './parameters';

let shared: TerminologyService | undefined;

/** The code systems and value sets the server holds: R4 core and profiles/ (read once per process). */
export function terminologyService(): TerminologyService {
  return (shared ??= new TerminologyService(new DefinitionRegistry(loadDefinitionDirectory(projectPath('profiles')))));
}

const defs = {
  lookup: loadOperationDefinition('CodeSystem-lookup'),
  subsumes: loadOperationDefinition('CodeSystem-subsumes'),
  csValidate: loadOperationDefinition('CodeSystem-validate-code'),
  expand: loadOperationDefinition('ValueSet-expand'),
  vsValidate: loadOperationDefinition('ValueSet-validate-code'),
};

const parametersOf = (parts: (ParametersParameter | undefined)[]): Parameters => ({ resourceType: 'Parameters', parameter: P.all(parts) });
const ok = (resource: Parameters | ValueSet) => ({ status: 200, headers: {}, resource });

/** The stored resource an instance-level call names (404 when absent). */
async function target<T extends CodeSystem | ValueSet>(ctx: HandlerContext, type: T['resourceType']): Promise<T | undefined> {
  ctx.deps.access?.assertAllowed(ctx.req.auth, 'operation', type);
  if (!ctx.params.id) return undefined;
  requireId(ctx.params.id);
  return ctx.deps.repo.read<T>(type, ctx.params.id);
}

/** A Coding parameter: a valueCoding in a Parameters body, or `system|code` in a query string. */
function coding(input: OperationInput, name: string): Coding | undefined {
  const complex = input.complex.get(name)?.[0] as Coding | undefined;
  if (complex) return complex;
  const text = first(input, name);
  if (text === undefined) return undefined;
  const bar = text.lastIndexOf('|');
  if (bar <= 0 || bar === text.length - 1) throw badRequest(`Parameter '${name}' in a query string must be system|code, not '${text}'`, name);
  return { system: text.slice(0, bar), code: text.slice(bar + 1) };
}

/** The codings to check: code (+system, display), coding, or codeableConcept — exactly one of them. */
function codingsToCheck(input: OperationInput, what: string): CodingInput[] {
  const code = first(input, 'code');
  const c = coding(input, 'coding');
  const cc = input.complex.get('codeableConcept')?.[0] as CodeableConcept | undefined;
  const given = [code !== undefined, !!c, !!cc].filter(Boolean).length;
  if (given !== 1) throw badRequest(`$validate-code needs exactly one of code, coding or codeableConcept (${what})`, 'code', 'required');
  if (code !== undefined) return [{ code, system: first(input, 'system'), display: first(input, 'display'), version: first(input, 'version') }];
  if (c) return [{ code: c.code, system: c.system, display: c.display ?? first(input, 'display'), version: c.version }];
  if (!cc!.coding?.length) throw badRequest('The codeableConcept has no coding to validate', 'codeableConcept', 'required');
  return cc!.coding.map((x) => ({ code: x.code, system: x.system, display: x.display, version: x.version }));
}

function validateParameters(r: ValidateResult): Parameters {
  return parametersOf([P.bool('result', r.result), P.str('message', r.message), P.str('display', r.display)]);
}

function integer(input: OperationInput, name: string): number | undefined {
  const v = first(input, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`Parameter '${name}' must be a non-negative integer, not '${v}'`, name);
  return n;
}

// ---- CodeSystem ------------------------------------------------------------------------------

export const lookupOperation: Handler = async (ctx) => {
  const stored = await target<CodeSystem>(ctx, 'CodeSystem');
  const input = parseOperationInput(defs.lookup, ctx.req.body, ctx.req.query);
  const c = coding(input, 'coding');
  const code = c?.code ?? first(input, 'code');
  const system = c?.system ?? first(input, 'system') ?? stored?.url;
  if (c && first(input, 'code') !== undefined) throw badRequest('$lookup takes code and system, or coding, not both', 'coding');
  if (!code) throw badRequest('$lookup needs a code (code and system, or coding)', 'code', 'required');
  if (!system) throw badRequest('$lookup needs the code system (system, or a coding with a system)', 'system', 'required');
  if (stored && system !== stored.url) throw badRequest(`The system ${system} is not CodeSystem/${stored.id}'s url ${stored.url}`, 'system');
  const r = terminologyService().lookup(system, code, { version: c?.version ?? first(input, 'version'), properties: input.values.get('property') });
  return ok(parametersOf([
    P.str('name', r.name),
    P.str('version', r.version),
    P.str('display', r.display),
    ...r.designation.map((d) => ({ name: 'designation', part: P.all([P.code('language', d.language), d.use ? { name: 'use', valueCoding: d.use } : undefined, P.str('value', d.value)]) })),
    ...r.property.map((p) => ({ name: 'property', part: [{ name: 'code', valueCode: p.code }, { name: 'value', [`value${p.value.type}`]: p.value.value } as ParametersParameter] })),
  ]));
};

export const subsumesOperation: Handler = async (ctx) => {
  const stored = await target<CodeSystem>(ctx, 'CodeSystem');
  const input = parseOperationInput(defs.subsumes, ctx.req.body, ctx.req.query);
  const a = coding(input, 'codingA');
  const b = coding(input, 'codingB');
  const codeA = a?.code ?? first(input, 'codeA');
  const codeB = b?.code ?? first(input, 'codeB');
  if (!codeA || !codeB) throw badRequest('$subsumes needs two codes: codeA and codeB (with system), or codingA and codingB', codeA ? 'codeB' : 'codeA', 'required');
  const systems = new Set([a?.system, b?.system, first(input, 'system'), stored?.url].filter((s): s is string => !!s));
  if (systems.size === 0) throw badRequest('$subsumes needs the code system (system, or codings with a system)', 'system', 'required');
  if (systems.size > 1) throw badRequest(`$subsumes compares codes of one code system, not ${[...systems].join(' and ')}`, 'system');
  const outcome = terminologyService().subsumes([...systems][0], codeA, codeB, first(input, 'version'));
  return ok(parametersOf([P.code('outcome', outcome)]));
};

export const codeSystemValidateOperation: Handler = async (ctx) => {
  const stored = await target<CodeSystem>(ctx, 'CodeSystem');
  const input = parseOperationInput(defs.csValidate, ctx.req.body, ctx.req.query);
  const codings = codingsToCheck(input, 'CodeSystem');
  const url = first(input, 'url') ?? stored?.url ?? (codings.length === 1 ? codings[0].system : undefined);
  if (!url) throw badRequest('CodeSystem/$validate-code needs the code system: url, or a coding with a system', 'url', 'required');
  if (stored && url !== stored.url) throw badRequest(`The url ${url} is not CodeSystem/${stored.id}'s url ${stored.url}`, 'url');
  return ok(validateParameters(terminologyService().validateInCodeSystem(url, codings, { version: first(input, 'version'), resource: stored })));
};

// ---- ValueSet --------------------------------------------------------------------------------

/** The value set to work on: the stored one ([id]), the `valueSet` parameter, or `url` (404 when not held). */
async function valueSetOf(ctx: HandlerContext, input: OperationInput): Promise<ValueSet> {
  const stored = await target<ValueSet>(ctx, 'ValueSet');
  const url = first(input, 'url');
  const given = [!!stored, !!input.resource, url !== undefined].filter(Boolean).length;
  if (stored && input.resource) throw badRequest(`The operation is called on ValueSet/${stored.id}: it takes no valueSet resource too`, 'valueSet');
  if (stored && url !== undefined && url !== stored.url) throw badRequest(`The url ${url} is not ValueSet/${stored.id}'s url ${stored.url}`, 'url');
  if (stored) return stored;
  if (given !== 1) throw badRequest('Name the value set: url, or a valueSet resource, or call the operation on ValueSet/[id]', 'url', 'required');
  if (input.resource) {
    if (input.resource.resourceType !== 'ValueSet') throw badRequest(`The valueSet parameter must be a ValueSet, not a ${input.resource.resourceType}`, 'valueSet');
    const issues = ctx.deps.validator.structure(input.resource);
    if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) throw new OutcomeError(400, issues);
    return input.resource as ValueSet;
  }
  const vs = terminologyService().valueSet(url!);
  if (!vs) throw new OutcomeError(404, [issue('error', 'not-found', `ValueSet ${url} is not held by this server`, 'url')]);
  return vs;
}

export const expandOperation: Handler = async (ctx) => {
  const input = parseOperationInput(defs.expand, ctx.req.body, ctx.req.query);
  const vs = await valueSetOf(ctx, input);
  const designations = first(input, 'includeDesignations');
  const expanded = terminologyService().expand(vs, {
    filter: first(input, 'filter'),
    offset: integer(input, 'offset'),
    count: integer(input, 'count'),
    includeDesignations: designations === undefined ? undefined : designations === 'true',
  });
  return ok(expanded);
};

export const valueSetValidateOperation: Handler = async (ctx) => {
  const input = parseOperationInput(defs.vsValidate, ctx.req.body, ctx.req.query);
  const vs = await valueSetOf(ctx, input);
  return ok(validateParameters(terminologyService().validateInValueSet(vs, codingsToCheck(input, 'ValueSet'))));
};

const register = (name: string, def: (typeof defs)[keyof typeof defs], type: string, handler: Handler) => defineOperation({
  name,
  definition: def.url!,
  type: true,
  instance: true,
  resourceTypes: [type],
  methods: ['GET', 'POST'],
  resource: def,
  handler,
});

register('lookup', defs.lookup, 'CodeSystem', lookupOperation);
register('subsumes', defs.subsumes, 'CodeSystem', subsumesOperation);
register('validate-code', defs.csValidate, 'CodeSystem', codeSystemValidateOperation);
register('expand', defs.expand, 'ValueSet', expandOperation);
register('validate-code', defs.vsValidate, 'ValueSet', valueSetValidateOperation);
