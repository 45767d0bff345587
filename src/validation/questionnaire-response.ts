/**
 * A QuestionnaireResponse checked against the Questionnaire it answers, as the HL7 reference
 * validator checks it: every item's linkId exists at its place in the Questionnaire, answers have
 * the value type of the item's type, `required` items are answered (only a hint while the response
 * is `in-progress`), non-repeating items have one answer, groups and display items have none,
 * disabled items (enableWhen/enableBehavior) have none, answers come from `answerOption` or
 * `answerValueSet` when we can enumerate it, and the core/SDC constraint extensions hold: minValue,
 * maxValue, minLength, maxLength, maxDecimalPlaces, regex, mimeType, maxSize, unitOption,
 * unitValueSet, min/maxQuantity, referenceResource, min/maxOccurs, optionExclusive.
 *
 * Pure: the Questionnaire is found by the caller (profile-validator.ts) among the loaded
 * definitions; findings go through the caller's `report`.
 */
import type { OperationOutcomeIssue, Questionnaire, QuestionnaireItem } from 'fhir/r4';
import * as fhirpath from 'fhirpath';
import type { Terminology } from './terminology';

type Json = Record<string, unknown>;
type Severity = OperationOutcomeIssue['severity'];
type Code = OperationOutcomeIssue['code'];

export interface QuestionnaireCheckDeps {
  terminology: Terminology;
  /** Whether a value set is known at all (for "not found" versus "cannot be enumerated"). */
  hasValueSet(url: string): boolean;
  isResourceType(type: string): boolean;
  report(severity: Severity, code: Code, path: string, rule: string, diagnostics: string): void;
}

const EXT = 'http://hl7.org/fhir/StructureDefinition/';
const SDC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/';
const UCUM = 'http://unitsofmeasure.org';

/** The answer value types each item type accepts (R4 Questionnaire.item.type → QuestionnaireResponse answer value[x]). */
const ANSWER_TYPES: Record<string, string[]> = {
  boolean: ['Boolean'], decimal: ['Decimal'], integer: ['Integer'], date: ['Date'], dateTime: ['DateTime'], time: ['Time'],
  string: ['String'], text: ['String'], url: ['Uri'],
  // A choice's options may be Codings, integers, dates, times, strings or References (answerOption.value[x]).
  choice: ['Coding', 'String', 'Integer', 'Date', 'Time', 'Reference'], 'open-choice': ['Coding', 'String', 'Integer', 'Date', 'Time', 'Reference'],
  attachment: ['Attachment'], reference: ['Reference'], quantity: ['Quantity'],
};

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** The value[x] of an answer/option/extension: its type suffix (`Coding`) and value. */
function valueOf(o: Json, prefix = 'value'): { type: string; value: unknown } | undefined {
  for (const k in o) {
    if (k.startsWith(prefix) && k.length > prefix.length && k[prefix.length] >= 'A' && k[prefix.length] <= 'Z' && o[k] !== undefined) {
      return { type: k.slice(prefix.length), value: o[k] };
    }
  }
  return undefined;
}

function extensions(item: QuestionnaireItem | Json, url: string): Json[] {
  return list((item as Json).extension).filter((e) => e.url === url);
}

function extValue(item: QuestionnaireItem | Json, url: string): { type: string; value: unknown } | undefined {
  const e = extensions(item, url)[0];
  return e ? valueOf(e) : undefined;
}

function sameCoding(a: unknown, b: unknown): boolean {
  return isObject(a) && isObject(b) && a.code === b.code && (a.system ?? null) === (b.system ?? null);
}

function sameValue(type: string, a: unknown, b: unknown): boolean {
  if (type === 'Coding') return sameCoding(a, b);
  if (type === 'Reference') return isObject(a) && isObject(b) && a.reference === b.reference;
  if (type === 'Quantity') return isObject(a) && isObject(b) && a.value === b.value && a.code === b.code && a.system === b.system;
  return a === b;
}

/** -1, 0, 1, or undefined when the two cannot be compared (different kinds, incompatible units). */
function compare(type: string, a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  // ISO dates, dateTimes and times of the same shape order as strings; a shorter (less precise)
  // value sorts before the longer values it is a prefix of, as the reference validator treats them.
  if (typeof a === 'string' && typeof b === 'string' && type !== 'String') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

const describeCoding = (c: unknown) => (isObject(c) ? `${String(c.system ?? '')}#${String(c.code ?? '')}` : String(c));
const describeQuantity = (q: Json) => `${String(q.value)} ${String(q.unit ?? q.code ?? '')}${q.system === UCUM ? ` (UCUM#${String(q.code ?? 'null')})` : ''}`;

export function checkQuestionnaireResponse(qr: Json, path: string, q: Questionnaire, deps: QuestionnaireCheckDeps): void {
  new QuestionnaireResponseChecker(qr, q, deps).check(path);
}

class QuestionnaireResponseChecker {
  private readonly inProgress: boolean;
  /** linkId → the answers given to every response item with that linkId (for enableWhen). */
  private readonly answersByLinkId = new Map<string, Json[]>();

  constructor(private readonly qr: Json, private readonly q: Questionnaire, private readonly deps: QuestionnaireCheckDeps) {
    this.inProgress = qr.status === 'in-progress';
    const collect = (items: Json[]) => {
      for (const it of items) {
        if (typeof it.linkId === 'string') {
          const answers = list(it.answer);
          const known = this.answersByLinkId.get(it.linkId);
          if (known) known.push(...answers);
          else this.answersByLinkId.set(it.linkId, [...answers]);
        }
        collect(list(it.item));
        for (const a of list(it.answer)) collect(list(a.item));
      }
    };
    collect(list(qr.item));
  }

  check(path: string) {
    const period = this.q.effectivePeriod;
    const authored = typeof this.qr.authored === 'string' ? this.qr.authored : undefined;
    if (authored && period?.start && authored.slice(0, period.start.length) < period.start) {
      this.deps.report('warning', 'business-rule', `${path}.authored`, 'qr-period-start',
        `${path}.authored: the authored date '${authored}' is before the start of the permitted period defined in the Questionnaire ('${period.start}')`);
    }
    if (authored && period?.end && authored.slice(0, period.end.length) > period.end) {
      this.deps.report('warning', 'business-rule', `${path}.authored`, 'qr-period-end',
        `${path}.authored: the authored date '${authored}' is after the end of the permitted period defined in the Questionnaire ('${period.end}')`);
    }
    this.items(this.q.item ?? [], list(this.qr.item), path);
  }

  /** Response items at one level against the Questionnaire items at the same level. */
  private items(qItems: QuestionnaireItem[], items: Json[], parent: string) {
    const byLinkId = new Map(qItems.map((i) => [i.linkId, i]));
    const indexes = new Map<string, number[]>();
    items.forEach((it, i) => {
      const at = `${parent}.item[${i}]`;
      const linkId = typeof it.linkId === 'string' ? it.linkId : undefined;
      if (linkId === undefined) return; // the base definition reports the missing linkId
      if (!byLinkId.has(linkId)) {
        this.deps.report('error', 'structure', at, 'qr-linkid', `${at}: LinkId '${linkId}' not found in questionnaire ${this.q.url ?? ''} at this place`);
        return;
      }
      const seen = indexes.get(linkId);
      if (seen) seen.push(i);
      else indexes.set(linkId, [i]);
    });

    for (const qItem of qItems) {
      const found = indexes.get(qItem.linkId) ?? [];
      const enabled = this.enabled(qItem);
      if (!enabled) {
        for (const i of found) {
          if (list(items[i].answer).length || list(items[i].item).length) {
            this.deps.report('error', 'business-rule', `${parent}.item[${i}]`, 'qr-disabled',
              `${parent}.item[${i}]: item '${qItem.linkId}' has an answer even though it is not enabled (enableWhen)`);
          }
        }
        continue;
      }
      if (found.length === 0) {
        if (qItem.required) this.required(parent, `no response found for required item '${qItem.linkId}'`);
        continue;
      }
      if (found.length > 1 && !qItem.repeats) {
        this.deps.report('error', 'structure', `${parent}.item[${found[1]}]`, 'qr-item-repeats',
          `${parent}.item[${found[1]}]: only one response item with linkId '${qItem.linkId}' is allowed (the item does not repeat)`);
      }
      for (const i of found) this.item(qItem, items[i], `${parent}.item[${i}]`);
    }
  }

  private required(at: string, text: string) {
    // An in-progress response may lack answers yet: the reference validator only hints then.
    this.deps.report(this.inProgress ? 'information' : 'error', 'required', at, `qr-required:${text}`, `${at}: ${text}`);
  }

  private item(qItem: QuestionnaireItem, item: Json, at: string) {
    const answers = list(item.answer);
    const type = qItem.type;
    if (type === 'group' || type === 'display' || type === ('question' as string)) {
      if (answers.length) {
        this.deps.report('error', 'structure', at, 'qr-no-answers', `${at}: items of type '${type}' cannot have answers`);
      }
      if (type === 'group') {
        const children = list(item.item);
        if (qItem.required && children.length === 0) this.required(at, `no sub-items found for required group '${qItem.linkId}'`);
        this.items(qItem.item ?? [], children, at);
      }
      return;
    }

    if (qItem.required && answers.length === 0) this.required(at, `no response answer found for required item '${qItem.linkId}'`);
    if (answers.length > 1 && !qItem.repeats) {
      this.deps.report('error', 'structure', at, 'qr-answer-repeats', `${at}: only one answer is allowed for item '${qItem.linkId}' (the item does not repeat)`);
    }
    const minOccurs = extValue(qItem, `${EXT}questionnaire-minOccurs`)?.value;
    const maxOccurs = extValue(qItem, `${EXT}questionnaire-maxOccurs`)?.value;
    if (typeof minOccurs === 'number' && answers.length < minOccurs) {
      this.required(at, `the minimum number of answers is ${minOccurs} but this has ${answers.length} answers`);
    }
    if (typeof maxOccurs === 'number' && answers.length > maxOccurs) {
      this.deps.report('error', 'structure', at, 'qr-max-occurs', `${at}: the maximum number of answers is ${maxOccurs} but this has ${answers.length} answers`);
    }
    answers.forEach((a, j) => this.answer(qItem, a, `${at}.answer[${j}]`));
    this.exclusive(qItem, answers, at);
    // Items nested under a question live under its answers (and, leniently, under the item itself).
    answers.forEach((a, j) => {
      if (a.item !== undefined) this.items(qItem.item ?? [], list(a.item), `${at}.answer[${j}]`);
    });
    if (item.item !== undefined) this.items(qItem.item ?? [], list(item.item), at);
  }

  /** An answer option marked optionExclusive cannot be chosen together with other answers. */
  private exclusive(qItem: QuestionnaireItem, answers: Json[], at: string) {
    if (answers.length < 2) return;
    const exclusive = (qItem.answerOption ?? [])
      .filter((o) => extValue(o as Json, `${EXT}questionnaire-optionExclusive`)?.value === true)
      .map((o) => valueOf(o as Json))
      .filter((v): v is { type: string; value: unknown } => v !== undefined);
    if (!exclusive.length) return;
    answers.forEach((a, j) => {
      const v = valueOf(a);
      if (v && exclusive.some((o) => o.type === v.type && sameValue(v.type, o.value, v.value))) {
        this.deps.report('error', 'business-rule', `${at}.answer[${j}]`, 'qr-exclusive',
          `${at}.answer[${j}]: the selected answer ${v.type === 'Coding' ? describeCoding(v.value) : String(v.value)} is an exclusive option: nothing else can be selected with it`);
      }
    });
  }

  private answer(qItem: QuestionnaireItem, answer: Json, at: string) {
    const v = valueOf(answer);
    if (!v) return; // the base definition reports an answer without a value
    const vat = `${at}.value${v.type}`;
    const allowed = ANSWER_TYPES[qItem.type];
    if (allowed && !allowed.includes(v.type)) {
      this.deps.report('error', 'structure', vat, 'qr-answer-type',
        `${vat}: answer value must be of the type ${allowed.join(' or ')} (item type '${qItem.type}'), not ${v.type}`);
      return;
    }
    this.options(qItem, v, at, vat);
    switch (v.type) {
      case 'String': this.string(qItem, String(v.value), vat); break;
      case 'Integer': case 'Decimal': case 'Date': case 'DateTime': case 'Time': this.range(qItem, v.type, v.value, vat); break;
      case 'Quantity': if (isObject(v.value)) this.quantity(qItem, v.value, vat); break;
      case 'Attachment': if (isObject(v.value)) this.attachment(qItem, v.value, at); break;
      case 'Reference': if (isObject(v.value)) this.reference(qItem, v.value, vat); break;
      case 'Coding': if (isObject(v.value)) this.display(v.value, vat); break;
      default: break;
    }
  }

  /** answerOption and answerValueSet. */
  private options(qItem: QuestionnaireItem, v: { type: string; value: unknown }, at: string, vat: string) {
    const options = (qItem.answerOption ?? []).map((o) => valueOf(o as Json)).filter((o): o is { type: string; value: unknown } => o !== undefined);
    if (options.length) {
      const sameKind = options.filter((o) => o.type === v.type);
      // open-choice: a free-text string is allowed beside coded options.
      if (qItem.type === 'open-choice' && v.type === 'String' && !sameKind.length) return;
      if (!sameKind.some((o) => sameValue(v.type, o.value, v.value))) {
        const shown = v.type === 'Coding' ? describeCoding(v.value) : String(v.value);
        this.deps.report('error', 'code-invalid', vat, 'qr-option', `${vat}: the answer ${shown} is not in the set of permitted values (answerOption)`);
      }
      return;
    }
    const vs = qItem.answerValueSet;
    if (!vs || v.type !== 'Coding' || !isObject(v.value)) return;
    if (vs.startsWith('#')) return; // contained value sets are not expanded here
    if (!this.deps.hasValueSet(vs)) {
      this.deps.report('warning', 'not-found', at, 'qr-vs-unknown', `${at}: the value set '${vs}' of the item's answerValueSet is not known, so the answer was not checked`);
      return;
    }
    const expansion = this.deps.terminology.expand(vs);
    if (!expansion) return; // cannot be enumerated locally: not checked, as without a terminology server
    const c = v.value;
    if (typeof c.system !== 'string' || typeof c.code !== 'string' || expansion.bySystem.get(c.system)?.has(c.code) !== true) {
      this.deps.report('error', 'code-invalid', at, 'qr-vs', `${at}: the code ${describeCoding(c)} is not in the answer value set ${vs}`);
    }
  }

  /** A Coding's display must be one the code system gives the code (when we hold the system). */
  private display(c: Json, vat: string) {
    if (typeof c.system !== 'string' || typeof c.code !== 'string' || typeof c.display !== 'string') return;
    const displays = this.deps.terminology.displaysOf(c.system, c.code);
    const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
    if (displays && !displays.some((d) => norm(d) === norm(c.display as string))) {
      this.deps.report('error', 'code-invalid', `${vat}.display`, 'qr-display',
        `${vat}.display: wrong display '${c.display}' for ${c.system}#${c.code}; valid display is '${displays[0]}'`);
    }
  }

  private string(qItem: QuestionnaireItem, s: string, vat: string) {
    const minLength = extValue(qItem, `${EXT}minLength`)?.value;
    if (typeof minLength === 'number' && [...s].length < minLength) {
      this.deps.report('error', 'value', vat, 'qr-min-length', `${vat}: the answer '${s}' is shorter than the required minimum length of ${minLength}`);
    }
    if (typeof qItem.maxLength === 'number' && [...s].length > qItem.maxLength) {
      this.deps.report('error', 'value', vat, 'qr-max-length', `${vat}: the answer '${s}' is longer than the allowed maximum length of ${qItem.maxLength}`);
    }
    const regex = extValue(qItem, `${EXT}regex`)?.value;
    if (typeof regex === 'string') {
      let re: RegExp | undefined;
      try {
        re = new RegExp(`^(?:${regex})$`, 'u');
      } catch {
        re = undefined; // a pattern JavaScript cannot compile is the Questionnaire's problem, not the answer's
      }
      if (re && !re.test(s)) this.deps.report('error', 'value', vat, 'qr-regex', `${vat}: the answer '${s}' does not match the expected format (regex '${regex}')`);
    }
    if (qItem.type === 'string' && /[\r\n]/.test(s)) {
      this.deps.report('warning', 'value', vat, 'qr-newline', `${vat}: an answer to a 'string' item should not contain new line characters (use a 'text' item)`);
    }
  }

  private range(qItem: QuestionnaireItem, type: string, value: unknown, vat: string) {
    const min = extValue(qItem, `${EXT}minValue`);
    const max = extValue(qItem, `${EXT}maxValue`);
    const shown = String(value);
    if (min && compare(type, value, min.value) === -1) {
      this.deps.report('error', 'value', vat, 'qr-min-value', `${vat}: the value ${shown} is less than the allowed minimum of ${String(min.value)}`);
    }
    if (max && compare(type, value, max.value) === 1) {
      this.deps.report('error', 'value', vat, 'qr-max-value', `${vat}: the value ${shown} is greater than the allowed maximum of ${String(max.value)}`);
    }
    const places = extValue(qItem, `${EXT}maxDecimalPlaces`)?.value;
    if (type === 'Decimal' && typeof places === 'number' && typeof value === 'number') {
      // JSON numbers lose trailing zeros; the decimals as written are what the reference counts, but
      // the parsed number is what we have: count its decimals.
      const decimals = (String(value).split('.')[1] ?? '').length;
      if (decimals > places) this.deps.report('error', 'value', vat, 'qr-decimal-places', `${vat}: the value ${shown} has too many decimal places (limit = ${places})`);
    }
  }

  private quantity(qItem: QuestionnaireItem, q: Json, vat: string) {
    const bound = (url: string, side: 'minimum' | 'maximum', fail: number) => {
      const limit = extValue(qItem, url);
      if (!limit || !isObject(limit.value)) return;
      const l = limit.value;
      if (typeof q.value !== 'number' || typeof l.value !== 'number') return;
      const formal = q.system === UCUM && typeof q.code === 'string' && l.system === UCUM && typeof l.code === 'string';
      if (!formal) {
        this.deps.report('error', 'business-rule', vat, `qr-${side}-units`,
          `${vat}: the quantity ${describeQuantity(q)} cannot be compared to the allowed ${side} of ${describeQuantity(l)} because no formal (UCUM) units are given`);
        return;
      }
      const c = compareUcum(q.value, q.code as string, l.value, l.code as string);
      if (c === undefined) {
        this.deps.report('error', 'business-rule', vat, `qr-${side}-units`,
          `${vat}: the quantity ${describeQuantity(q)} cannot be compared to the allowed ${side} of ${describeQuantity(l)} (incompatible units)`);
      } else if (c === fail) {
        this.deps.report('error', 'value', vat, `qr-${side}`,
          `${vat}: the quantity ${describeQuantity(q)} is ${fail < 0 ? 'less' : 'greater'} than the allowed ${side} of ${describeQuantity(l)}`);
      }
    };
    bound(`${SDC}sdc-questionnaire-minQuantity`, 'minimum', -1);
    bound(`${SDC}sdc-questionnaire-maxQuantity`, 'maximum', 1);

    const units = extensions(qItem, `${EXT}questionnaire-unitOption`).map((x) => valueOf(x)).filter((u) => u?.type === 'Coding').map((u) => u!.value);
    if (units.length && !units.some((u) => sameCoding(u, q))) {
      this.deps.report('error', 'code-invalid', vat, 'qr-unit-option',
        `${vat}: the value ${describeQuantity(q)} has a unit that is not valid (allowed = ${units.map(describeCoding).join(', ')})`);
    }
    const unitVs = extValue(qItem, `${EXT}questionnaire-unitValueSet`)?.value;
    if (typeof unitVs === 'string') {
      const expansion = this.deps.terminology.expand(unitVs);
      const coded = typeof q.system === 'string' && typeof q.code === 'string';
      if (!coded || (expansion && expansion.bySystem.get(q.system as string)?.has(q.code as string) !== true)) {
        this.deps.report('error', 'code-invalid', vat, 'qr-unit-vs',
          `${vat}: the value ${describeQuantity(q)} has a unit that is not in the unit value set '${unitVs}'${coded ? '' : ' (it has no coded unit)'}`);
      }
    }
  }

  private attachment(qItem: QuestionnaireItem, a: Json, at: string) {
    const types = extensions(qItem, `${EXT}mimeType`).map((e) => e.valueCode).filter((t): t is string => typeof t === 'string');
    if (types.length && typeof a.contentType === 'string' && !types.includes(a.contentType)) {
      this.deps.report('error', 'value', at, 'qr-mime', `${at}: the mime type ${a.contentType} is not valid for this answer (allowed = ${types.join(', ')})`);
    }
    const maxSize = extValue(qItem, `${EXT}maxSize`)?.value;
    if (typeof maxSize === 'number') {
      const size = typeof a.data === 'string' ? Buffer.from(a.data, 'base64').length : typeof a.size === 'number' ? a.size : undefined;
      if (size !== undefined && size > maxSize) {
        this.deps.report('error', 'value', at, 'qr-max-size', `${at}: the attachment is too large (allowed = ${maxSize}, found = ${size})`);
      }
    }
  }

  private reference(qItem: QuestionnaireItem, r: Json, vat: string) {
    if (typeof r.reference === 'string' && !r.reference.startsWith('#')) {
      const literal = r.reference;
      if (/\s/.test(literal)) {
        this.deps.report('error', 'value', vat, 'qr-reference-url', `${vat}: the reference '${literal}' is not a valid reference (a URL cannot contain spaces)`);
      }
      const m = /(?:^|\/)([A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(literal);
      if (m && !this.deps.isResourceType(m[1])) {
        this.deps.report('error', 'value', vat, 'qr-reference-resource-type', `${vat}: the resource type ${m[1]} in the reference ${literal} is not valid`);
      }
    }
    const allowed = extensions(qItem, `${EXT}questionnaire-referenceResource`).map((e) => e.valueCode).filter((t): t is string => typeof t === 'string');
    if (!allowed.length || typeof r.reference !== 'string' || r.reference.startsWith('#')) return;
    const m = /(?:^|\/)([A-Z][A-Za-z]+)\/[^/]+(?:\/_history\/[^/]+)?$/.exec(r.reference);
    const type = m?.[1] ?? (typeof r.type === 'string' ? r.type : undefined);
    if (type && !allowed.includes(type)) {
      this.deps.report('error', 'structure', vat, 'qr-reference-type',
        `${vat}: the resource type '${type}' in the reference ${r.reference} is not allowed (allowed = ${allowed.join(', ')})`);
    }
  }

  // ---------------------------------------------------------------- enableWhen

  private enabled(qItem: QuestionnaireItem): boolean {
    const conditions = qItem.enableWhen ?? [];
    if (!conditions.length) return true;
    const results = conditions.map((c) => {
      const answers = this.answersByLinkId.get(c.question) ?? [];
      if (c.operator === 'exists') return (answers.length > 0) === (c.answerBoolean === true);
      const expected = valueOf(c as unknown as Json, 'answer');
      if (!expected) return false;
      const given = answers.map((x) => valueOf(x)).filter((v): v is { type: string; value: unknown } => v !== undefined && v.type === expected.type);
      switch (c.operator) {
        case '=': return given.some((g) => sameValue(g.type, g.value, expected.value));
        case '!=': return given.length > 0 && !given.some((g) => sameValue(g.type, g.value, expected.value));
        case '>': return given.some((g) => compareAnswer(g, expected) === 1);
        case '<': return given.some((g) => compareAnswer(g, expected) === -1);
        case '>=': return given.some((g) => [0, 1].includes(compareAnswer(g, expected) ?? NaN));
        case '<=': return given.some((g) => [0, -1].includes(compareAnswer(g, expected) ?? NaN));
        default: return false;
      }
    });
    return qItem.enableBehavior === 'any' ? results.some(Boolean) : results.every(Boolean);
  }
}

function compareAnswer(a: { type: string; value: unknown }, b: { type: string; value: unknown }): number | undefined {
  if (a.type === 'Quantity' && isObject(a.value) && isObject(b.value) && typeof a.value.value === 'number' && typeof b.value.value === 'number') {
    if (a.value.code === b.value.code) return Math.sign(a.value.value - b.value.value);
    if (typeof a.value.code === 'string' && typeof b.value.code === 'string') return compareUcum(a.value.value, a.value.code, b.value.value, b.value.code);
    return undefined;
  }
  return compare(a.type, a.value, b.value);
}

/** Two UCUM quantities compared with unit conversion (FHIRPath's quantity semantics); undefined when incompatible. */
export function compareUcum(v1: number, u1: string, v2: number, u2: string): number | undefined {
  if (u1 === u2) return Math.sign(v1 - v2);
  const lit = (v: number, u: string) => `${v} '${u.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  try {
    const lt = fhirpath.evaluate({}, `${lit(v1, u1)} < ${lit(v2, u2)}`) as unknown[];
    const gt = fhirpath.evaluate({}, `${lit(v1, u1)} > ${lit(v2, u2)}`) as unknown[];
    if (lt[0] === true) return -1;
    if (gt[0] === true) return 1;
    if (lt[0] === false && gt[0] === false) return 0;
  } catch {
    // an invalid UCUM code: not comparable
  }
  return undefined;
}
