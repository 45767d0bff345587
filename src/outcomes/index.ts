/**
 * One error type and its factories. Anything the FHIR core rejects is thrown as an OutcomeError;
 * src/http renders it. The HTTP status travels with the error because FHIR distinguishes, for the
 * same issue code, a request that could not be parsed (400) from one that broke a profile or a
 * business rule (422).
 */
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

export type Issue = OperationOutcomeIssue;
export type IssueSeverity = Issue['severity'];
export type IssueType = Issue['code'];

export class OutcomeError extends Error {
  constructor(
    readonly status: number,
    readonly issues: Issue[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(issues.map((i) => i.diagnostics ?? i.details?.text ?? i.code).join('; '));
    this.name = 'OutcomeError';
  }

  get outcome(): OperationOutcome {
    return operationOutcome(this.issues);
  }
}

export function operationOutcome(issues: Issue[], id?: string): OperationOutcome {
  const oo: OperationOutcome = { resourceType: 'OperationOutcome', issue: issues };
  if (id) oo.id = id;
  return oo;
}

export function issue(
  severity: IssueSeverity,
  code: IssueType,
  text: string,
  expression?: string | string[],
): Issue {
  const out: Issue = { severity, code, diagnostics: text };
  if (expression !== undefined) out.expression = Array.isArray(expression) ? expression : [expression];
  return out;
}

export const informational = (text: string): OperationOutcome =>
  operationOutcome([issue('information', 'informational', text)]);

export const badRequest = (text: string, expression?: string, code: IssueType = 'invalid') =>
  new OutcomeError(400, [issue('error', code, text, expression)]);
export const notFound = (text = 'Resource not found') =>
  new OutcomeError(404, [issue('error', 'not-found', text)]);
export const gone = (text = 'Resource deleted') => new OutcomeError(410, [issue('error', 'deleted', text)]);
export const conflict = (text: string) => new OutcomeError(409, [issue('error', 'conflict', text)]);
export const preconditionFailed = (text: string) =>
  new OutcomeError(412, [issue('error', 'conflict', text)]);
export const notAcceptable = (text: string) => new OutcomeError(406, [issue('error', 'not-supported', text)]);
export const unsupportedMediaType = (text: string) =>
  new OutcomeError(415, [issue('error', 'not-supported', text)]);
export const payloadTooLarge = (text: string) => new OutcomeError(413, [issue('error', 'too-costly', text)]);
export const methodNotAllowed = (text: string) => new OutcomeError(405, [issue('error', 'not-supported', text)]);
export const forbidden = (text: string) => new OutcomeError(403, [issue('error', 'forbidden', text)]);
export const unauthorized = (text: string) => new OutcomeError(401, [issue('error', 'login', text)]);
export const tooManyRequests = (text: string, retryAfterSeconds: number) =>
  new OutcomeError(429, [issue('error', 'throttled', text)], { 'Retry-After': String(retryAfterSeconds) });
/** 422: the resource is well formed but violates a profile or a business rule. */
export const unprocessable = (issues: Issue[]) => new OutcomeError(422, issues);
/** 400 with several issues, e.g. structural validation failures. */
export const invalid = (issues: Issue[]) => new OutcomeError(400, issues);

export function hasErrors(issues: Issue[]): boolean {
  return issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
}

export function isOutcomeError(e: unknown): e is OutcomeError {
  return e instanceof OutcomeError;
}
