/**
 * Hostile-input guards for JSON bodies, run once on what the client sent, before any recursive
 * work (validation, reference rewriting, index extraction, structuredClone): the bytes must be
 * UTF-8, the text must parse, and the parsed value must stay within the input limits (depth, array
 * length, string length, total nodes) and hold only valid FHIR strings. The walk is iterative, so
 * a body nested 100,000 levels deep is refused, not a stack overflow, and a breach is found as soon
 * as it is reached (a million-item array is refused before any of its items is looked at).
 */
import { isUtf8 } from 'node:buffer';
import { OutcomeError, badRequest, issue } from '../outcomes';

export interface JsonLimits {
  /** Levels of nested objects and arrays (the top-level value is level 1). MAX_JSON_DEPTH. */
  maxDepth: number;
  /** Items in any one array. MAX_ARRAY_LENGTH. */
  maxArrayLength: number;
  /** UTF-16 code units in any one string or property name. MAX_STRING_LENGTH. */
  maxStringLength: number;
  /** Values in the whole document: objects, arrays, strings, numbers, booleans, nulls (and property names). MAX_JSON_NODES. */
  maxNodes: number;
}

export function jsonLimitsOf(config: { MAX_JSON_DEPTH: number; MAX_ARRAY_LENGTH: number; MAX_STRING_LENGTH: number; MAX_JSON_NODES: number }): JsonLimits {
  return { maxDepth: config.MAX_JSON_DEPTH, maxArrayLength: config.MAX_ARRAY_LENGTH, maxStringLength: config.MAX_STRING_LENGTH, maxNodes: config.MAX_JSON_NODES };
}

// C0 controls other than tab (U+0009), LF (U+000A) and CR (U+000D); FHIR strings may not contain them.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `s` cannot be a FHIR string (NUL and other control characters, lone surrogates), or undefined when it can. */
export function stringProblem(s: string): string | undefined {
  const c = CONTROL.exec(s);
  if (c) return `contains the control character U+${c[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at position ${c.index} (FHIR strings may hold tab, CR and LF but no other character below U+0020)`;
  const u = LONE_SURROGATE.exec(s);
  if (u) return `contains a lone UTF-16 surrogate (U+${u[0].charCodeAt(0).toString(16).toUpperCase()}) at position ${u.index}, which is not a Unicode character`;
  return undefined;
}

/** 400 when a text the client sent (a search value, a header) is not a valid FHIR string. */
export function requireValidString(s: string, what: string, expression?: string): void {
  const problem = stringProblem(s);
  if (problem) throw badRequest(`${what} ${problem}`, expression, 'invalid');
}

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string | number | undefined;
}

/** `Patient.extension[0].valueString` from a frame's ancestry (FHIRPath-like; the root is named by its resourceType). */
function pathOf(frame: Frame | undefined, lastKey?: string | number): string {
  const keys: (string | number)[] = [];
  if (lastKey !== undefined) keys.push(lastKey);
  let root: unknown;
  for (let f = frame; f; f = f.parent) {
    if (f.key !== undefined) keys.push(f.key);
    if (!f.parent) root = f.value;
  }
  const rt = root && typeof root === 'object' && !Array.isArray(root) ? (root as { resourceType?: unknown }).resourceType : undefined;
  let out = typeof rt === 'string' && /^[A-Za-z]{1,64}$/.test(rt) ? rt : '$';
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i];
    out += typeof k === 'number' ? `[${k}]` : /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k) ? `.${k}` : `['${k.slice(0, 64).replace(/[^\x20-\x7e]/g, '?').replace(/'/g, "\\'")}']`;
  }
  return out;
}

const tooCostly = (status: number, text: string, expression: string) => new OutcomeError(status, [issue('error', 'too-costly', text, expression)]);

/**
 * Throws an OperationOutcome error when `value` breaks a limit (depth: 400; array length, string
 * length, node count: 413, each naming its setting) or holds a string FHIR does not allow (400).
 * `what` names the document in messages ("The body", "The JSON Patch in entry 3").
 */
export function checkJsonInput(value: unknown, limits: JsonLimits, what = 'The body'): void {
  let nodes = 0;
  const stack: Frame[] = [{ value, depth: 1, parent: undefined, key: undefined }];
  const countNodes = (n: number, frame: Frame | undefined, key?: string | number) => {
    nodes += n;
    if (nodes > limits.maxNodes) {
      throw tooCostly(413, `${what} has more than ${limits.maxNodes} JSON values; this server accepts at most MAX_JSON_NODES=${limits.maxNodes}`, pathOf(frame, key));
    }
  };
  const checkString = (s: string, frame: Frame | undefined, key: string | number | undefined, kind: string) => {
    if (s.length > limits.maxStringLength) {
      throw tooCostly(413, `${what} has a ${kind} of ${s.length} characters; this server accepts at most MAX_STRING_LENGTH=${limits.maxStringLength}`, pathOf(frame, key));
    }
    const problem = stringProblem(s);
    if (problem) throw badRequest(`${what} has a ${kind} that is not a valid FHIR string: it ${problem}`, pathOf(frame, key), 'invalid');
  };
  countNodes(1, undefined);
  while (stack.length) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v === 'string') {
      checkString(v, frame.parent, frame.key, 'string');
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (frame.depth > limits.maxDepth) {
      throw tooCostly(400, `${what} nests objects and arrays more than ${limits.maxDepth} levels deep; this server accepts at most MAX_JSON_DEPTH=${limits.maxDepth}`, pathOf(frame));
    }
    if (Array.isArray(v)) {
      if (v.length > limits.maxArrayLength) {
        throw tooCostly(413, `${what} has an array of ${v.length} items; this server accepts at most MAX_ARRAY_LENGTH=${limits.maxArrayLength}`, pathOf(frame));
      }
      countNodes(v.length, frame);
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: frame.depth + 1, parent: frame, key: i });
    } else {
      const keys = Object.keys(v);
      // A property name is a node of its own: an object of a million keys costs like a million values.
      countNodes(2 * keys.length, frame);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        checkString(k, frame, k, 'property name');
        stack.push({ value: (v as Record<string, unknown>)[k], depth: frame.depth + 1, parent: frame, key: k });
      }
    }
  }
}

/**
 * A JSON document from raw bytes: invalid UTF-8 is a 400 (checked on the bytes, before decoding
 * would replace it with U+FFFD), malformed JSON a 400, then {@link checkJsonInput}.
 */
export function parseJsonInput(raw: Buffer, limits: JsonLimits, what = 'The body'): unknown {
  if (!isUtf8(raw)) throw badRequest(`${what} is not valid UTF-8 (it holds a byte sequence that encodes no character)`, undefined, 'invalid');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw badRequest(`${what} is not valid JSON: ${(e as Error).message}`, undefined, 'structure');
  }
  checkJsonInput(value, limits, what);
  return value;
}

