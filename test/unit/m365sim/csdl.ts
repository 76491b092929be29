/**
 * A small reader for Microsoft's Graph CSDL ($metadata): entity/complex types with their properties and base types,
 * enum members, bound actions/functions, and the entity container. Line-based (the file puts one element per line),
 * cached as JSON in the OS temp dir keyed by file size and mtime, because the file is 3.5 MB.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface CsdlType {
  kind: 'entity' | 'complex';
  baseType?: string;
  properties: Record<string, string>;
  navigations: Record<string, string>;
}

export interface CsdlOperation {
  kind: 'action' | 'function';
  name: string;
  bindingType: string;
  returnType?: string;
}

export interface Csdl {
  types: Record<string, CsdlType>;
  enums: Record<string, string[]>;
  operations: CsdlOperation[];
  entitySets: Record<string, string>;
  singletons: Record<string, string>;
}

/**
 * Microsoft Graph's v1.0 schema (CSDL, MIT licence, 3.5 MB), kept with the project's reference notes in the `shared/`
 * folder beside the repository (CI's clone has a copy beside it too) rather than in the repository.
 */
const SCHEMA_FILE = path.resolve(import.meta.dirname, '../../../../shared/reference/graph/v1.0-cleanMetadata.xml');

const attr = (line: string, name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`).exec(line)?.[1];

/** Parses (or loads from cache) the CSDL file. */
export function loadCsdl(file = SCHEMA_FILE): Csdl {
  const st = statSync(file);
  const cache = path.join(tmpdir(), `m365sim-csdl-${st.size}-${Math.floor(st.mtimeMs)}.json`);
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as Csdl;
  const csdl = parseCsdl(readFileSync(file, 'utf8'));
  writeFileSync(cache, JSON.stringify(csdl));
  return csdl;
}

/** Parses CSDL text; type names are fully qualified (aliases expanded). */
function parseCsdl(xml: string): Csdl {
  const csdl: Csdl = { types: {}, enums: {}, operations: [], entitySets: {}, singletons: {} };
  const aliases = new Map<string, string>();
  let ns = '';
  let currentType: CsdlType | undefined;
  let currentEnum: string[] | undefined;
  let currentOp: CsdlOperation | undefined;
  for (const raw of xml.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('<Schema ')) {
      ns = attr(line, 'Namespace') ?? '';
      const alias = attr(line, 'Alias');
      if (alias) aliases.set(alias, ns);
    } else if (line.startsWith('<EntityType ') || line.startsWith('<ComplexType ')) {
      const base = attr(line, 'BaseType');
      currentType = { kind: line.startsWith('<EntityType') ? 'entity' : 'complex', properties: {}, navigations: {}, ...(base ? { baseType: base } : {}) };
      csdl.types[`${ns}.${attr(line, 'Name') ?? ''}`] = currentType;
      if (line.endsWith('/>')) currentType = undefined;
    } else if (line.startsWith('</EntityType') || line.startsWith('</ComplexType')) {
      currentType = undefined;
    } else if (currentType && line.startsWith('<Property ')) {
      currentType.properties[attr(line, 'Name') ?? ''] = attr(line, 'Type') ?? '';
    } else if (currentType && line.startsWith('<NavigationProperty ')) {
      currentType.navigations[attr(line, 'Name') ?? ''] = attr(line, 'Type') ?? '';
    } else if (line.startsWith('<EnumType ')) {
      currentEnum = [];
      csdl.enums[`${ns}.${attr(line, 'Name') ?? ''}`] = currentEnum;
    } else if (line.startsWith('</EnumType')) {
      currentEnum = undefined;
    } else if (currentEnum && line.startsWith('<Member ')) {
      currentEnum.push(attr(line, 'Name') ?? '');
    } else if ((line.startsWith('<Action ') || line.startsWith('<Function ')) && attr(line, 'IsBound') === 'true') {
      currentOp = { kind: line.startsWith('<Action') ? 'action' : 'function', name: attr(line, 'Name') ?? '', bindingType: '' };
      csdl.operations.push(currentOp);
    } else if (currentOp && line.startsWith('<Parameter ') && currentOp.bindingType === '') {
      currentOp.bindingType = attr(line, 'Type') ?? '';
    } else if (currentOp && line.startsWith('<ReturnType ')) {
      currentOp.returnType = attr(line, 'Type') ?? '';
    } else if (line.startsWith('</Action') || line.startsWith('</Function')) {
      currentOp = undefined;
    } else if (line.startsWith('<EntitySet ')) {
      csdl.entitySets[attr(line, 'Name') ?? ''] = attr(line, 'EntityType') ?? '';
    } else if (line.startsWith('<Singleton ')) {
      csdl.singletons[attr(line, 'Name') ?? ''] = attr(line, 'Type') ?? '';
    }
  }
  return normalise(csdl, aliases);
}

function qualify(type: string, aliases: Map<string, string>): string {
  const collection = /^Collection\((.+)\)$/.exec(type);
  if (collection?.[1]) return `Collection(${qualify(collection[1], aliases)})`;
  const dot = type.indexOf('.');
  if (dot < 0) return type;
  const head = type.slice(0, dot);
  const alias = aliases.get(head);
  return alias ? `${alias}${type.slice(dot)}` : type;
}

/** Aliases can be declared after use (later schemas), so qualification runs once at the end. */
function normalise(csdl: Csdl, aliases: Map<string, string>): Csdl {
  const q = (t: string): string => qualify(t, aliases);
  for (const t of Object.values(csdl.types)) {
    if (t.baseType) t.baseType = q(t.baseType);
    for (const k of Object.keys(t.properties)) t.properties[k] = q(t.properties[k] ?? '');
    for (const k of Object.keys(t.navigations)) t.navigations[k] = q(t.navigations[k] ?? '');
  }
  for (const op of csdl.operations) {
    op.bindingType = q(op.bindingType);
    if (op.returnType) op.returnType = q(op.returnType);
  }
  for (const k of Object.keys(csdl.entitySets)) csdl.entitySets[k] = q(csdl.entitySets[k] ?? '');
  for (const k of Object.keys(csdl.singletons)) csdl.singletons[k] = q(csdl.singletons[k] ?? '');
  return csdl;
}

/** A type and its ancestors, nearest first. */
export function lineage(csdl: Csdl, type: string): string[] {
  const out: string[] = [];
  for (let t: string | undefined = type; t && csdl.types[t]; t = csdl.types[t]?.baseType) out.push(t);
  return out;
}

/** Looks up a structural or navigation property through the base types; returns its declared type. */
export function propertyType(csdl: Csdl, type: string, name: string): string | undefined {
  for (const t of lineage(csdl, type)) {
    const def = csdl.types[t];
    const found = def?.properties[name] ?? def?.navigations[name];
    if (found) return found;
  }
  return undefined;
}

/** Element type of `Collection(x)`, or the type itself. */
export const elementType = (t: string): string => /^Collection\((.+)\)$/.exec(t)?.[1] ?? t;
