/**
 * A small OData `$filter` parser and evaluator covering what the controller sends: eq/ne/gt/ge/lt/le, in,
 * and/or/not, parentheses, startswith/endswith, and lambdas (`assignedPlans/any(a:a/servicePlanId eq {guid})`,
 * `capabilities/any(c:c eq 'userAssignment')`). Unsupported syntax becomes a 400 like Graph's.
 */
import { Errors } from '../errors.ts';

type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'list'; items: unknown[] }
  | { t: 'path'; parts: string[] }
  | { t: 'cmp'; op: string; l: Node; r: Node }
  | { t: 'bool'; op: 'and' | 'or'; l: Node; r: Node }
  | { t: 'not'; e: Node }
  | { t: 'fn'; name: string; args: Node[] }
  | { t: 'lambda'; kind: 'any' | 'all'; coll: string[]; v: string; body: Node };

/** A parsed filter plus what it needs: advanced query (ne/not/endswith) and the top-level properties used. */
export interface ParsedFilter {
  root: Node;
  advanced: boolean;
  properties: Set<string>;
}

const TOKEN =
  /\s*(?:('(?:[^']|'')*')|([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})|(-?\d+(?:\.\d+)?)|([A-Za-z_$][\w.]*)|([(),:/]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(src);
    if (!m) throw Errors.badRequest(`Invalid filter clause: syntax error at position ${TOKEN.lastIndex} in '${src}'.`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? '');
  }
  return out;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in']);

class Parser {
  readonly #toks: string[];
  #i = 0;
  advanced = false;
  readonly properties = new Set<string>();
  readonly #vars: string[] = [];

  constructor(src: string) {
    this.#toks = tokenize(src);
  }

  parse(): Node {
    const n = this.#or();
    if (this.#i < this.#toks.length) this.#fail();
    return n;
  }

  #peek(): string | undefined {
    return this.#toks[this.#i];
  }
  #next(): string {
    const t = this.#toks[this.#i++];
    if (t === undefined) this.#fail();
    return t;
  }
  #expect(t: string): void {
    if (this.#next().toLowerCase() !== t) this.#fail();
  }
  #fail(): never {
    throw Errors.badRequest(`Invalid filter clause near '${this.#toks.slice(Math.max(0, this.#i - 2), this.#i + 2).join(' ')}'.`);
  }

  #or(): Node {
    let l = this.#and();
    while (this.#peek()?.toLowerCase() === 'or') {
      this.#i++;
      l = { t: 'bool', op: 'or', l, r: this.#and() };
    }
    return l;
  }
  #and(): Node {
    let l = this.#unary();
    while (this.#peek()?.toLowerCase() === 'and') {
      this.#i++;
      l = { t: 'bool', op: 'and', l, r: this.#unary() };
    }
    return l;
  }
  #unary(): Node {
    if (this.#peek()?.toLowerCase() === 'not') {
      this.#i++;
      this.advanced = true;
      return { t: 'not', e: this.#unary() };
    }
    const left = this.#operand();
    const op = this.#peek()?.toLowerCase();
    if (op === undefined || !COMPARE.has(op)) return left;
    this.#i++;
    if (op === 'ne') this.advanced = true;
    return { t: 'cmp', op, l: left, r: op === 'in' ? this.#list() : this.#operand() };
  }
  #list(): Node {
    this.#expect('(');
    const items: unknown[] = [];
    while (this.#peek() !== ')') {
      items.push(literal(this.#next()));
      if (this.#peek() === ',') this.#i++;
    }
    this.#i++;
    return { t: 'list', items };
  }
  #operand(): Node {
    const tok = this.#next();
    if (tok === '(') {
      const inner = this.#or();
      this.#expect(')');
      return inner;
    }
    const word = /^[A-Za-z_$]/.test(tok) && !GUID.test(tok) && !['true', 'false', 'null'].includes(tok);
    if (word && this.#peek() === '(') return this.#function(tok);
    if (word) return this.#path(tok);
    return { t: 'lit', v: literal(tok) };
  }
  #function(name: string): Node {
    this.#i++;
    const lower = name.toLowerCase();
    if (lower === 'endswith') this.advanced = true;
    const args: Node[] = [];
    while (this.#peek() !== ')') {
      args.push(this.#operand());
      if (this.#peek() === ',') this.#i++;
    }
    this.#i++;
    if (!['startswith', 'endswith', 'contains'].includes(lower)) throw Errors.badRequest(`Unsupported function '${name}' in filter.`);
    return { t: 'fn', name: lower, args };
  }
  #path(first: string): Node {
    const parts = [first];
    while (this.#peek() === '/') {
      this.#i++;
      const seg = this.#next();
      if ((seg === 'any' || seg === 'all') && this.#peek() === '(') return this.#lambda(seg, parts);
      parts.push(seg);
    }
    if (!this.#vars.includes(first)) this.properties.add(first);
    return { t: 'path', parts };
  }
  #lambda(kind: 'any' | 'all', coll: string[]): Node {
    this.#expect('(');
    const v = this.#next();
    this.#expect(':');
    this.#vars.push(v);
    const body = this.#or();
    this.#vars.pop();
    this.#expect(')');
    if (!this.#vars.includes(coll[0] ?? '')) this.properties.add(coll[0] ?? '');
    return { t: 'lambda', kind, coll, v, body };
  }
}

function literal(tok: string): unknown {
  if (tok.startsWith("'")) return tok.slice(1, -1).replace(/''/g, "'");
  if (tok === 'true' || tok === 'false') return tok === 'true';
  if (tok === 'null') return null;
  if (/^-?\d/.test(tok) && !tok.includes('-', 1)) return Number(tok);
  return tok; // GUID literal (unquoted, https://learn.microsoft.com/graph/api/user-list)
}

/** Parses a `$filter` value. */
export function parseFilter(src: string): ParsedFilter {
  const p = new Parser(src);
  const root = p.parse();
  return { root, advanced: p.advanced, properties: p.properties };
}

type Scope = Record<string, unknown>;

function resolve(parts: readonly string[], item: unknown, scope: Scope): unknown {
  const [head, ...rest] = parts;
  let cur: unknown = head !== undefined && head in scope ? scope[head] : (item as Record<string, unknown> | null)?.[head ?? ''];
  for (const p of rest) cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

const norm = (v: unknown): unknown => (typeof v === 'string' ? v.toLowerCase() : v);

function value(n: Node, item: unknown, scope: Scope): unknown {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'list':
      return n.items;
    case 'path':
      return resolve(n.parts, item, scope);
    default:
      return evaluate(n, item, scope);
  }
}

/** Evaluates a parsed filter against one object. String comparisons are case-insensitive, as in directory queries. */
export function evaluate(n: Node, item: unknown, scope: Scope = {}): boolean {
  switch (n.t) {
    case 'bool':
      return n.op === 'and' ? evaluate(n.l, item, scope) && evaluate(n.r, item, scope) : evaluate(n.l, item, scope) || evaluate(n.r, item, scope);
    case 'not':
      return !evaluate(n.e, item, scope);
    case 'cmp':
      return compare(n.op, norm(value(n.l, item, scope)), value(n.r, item, scope));
    case 'fn': {
      const [a, b] = n.args.map((x) => text(norm(value(x, item, scope))));
      if (n.name === 'startswith') return (a ?? '').startsWith(b ?? '');
      return n.name === 'endswith' ? (a ?? '').endsWith(b ?? '') : (a ?? '').includes(b ?? '');
    }
    case 'lambda': {
      const coll = resolve(n.coll, item, scope);
      if (!Array.isArray(coll)) return false;
      const test = (el: unknown): boolean => evaluate(n.body, item, { ...scope, [n.v]: el });
      return n.kind === 'any' ? coll.some(test) : coll.every(test);
    }
    default:
      return Boolean(value(n, item, scope));
  }
}

function compare(op: string, l: unknown, rRaw: unknown): boolean {
  if (op === 'in') return Array.isArray(rRaw) && rRaw.map(norm).includes(l);
  const r = norm(rRaw);
  switch (op) {
    case 'eq':
      return l === r || (l === undefined && r === null);
    case 'ne':
      return !(l === r || (l === undefined && r === null));
    case 'gt':
      return (l as number) > (r as number);
    case 'ge':
      return (l as number) >= (r as number);
    case 'lt':
      return (l as number) < (r as number);
    default:
      return (l as number) <= (r as number);
  }
}

/** A value as the text a string function compares: absent is empty, strings as they are, anything else as JSON. */
function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
