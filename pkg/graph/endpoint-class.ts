/**
 * Bounded label for metrics and limiter selection; never a raw URL (URLs carry ids and tokens, and unbounded label
 * values break Prometheus).
 */
export type EndpointClass =
  'users' | 'delta' | 'numbers' | 'policies' | 'userConfigurations' | 'presence' | 'mail' | 'contacts' | 'directoryRoles' | 'batch' | 'other';

/** Which documented throttling bucket an endpoint class falls in (https://learn.microsoft.com/graph/throttling-limits). */
export type LimitClass = 'identity' | 'presence' | 'teamsAdmin' | 'outlook';

const RULES: ReadonlyArray<readonly [RegExp, EndpointClass]> = [
  [/^\$batch$/, 'batch'],
  [/^users\/delta$/, 'delta'],
  [/^(communications\/(getpresencesbyuserid|presences)|(users\/[^/]+|me)\/presence)/, 'presence'],
  [/^(users\/[^/]+|me)\/sendmail$/, 'mail'],
  [/^(users\/[^/]+|me)\/(contacts|contactfolders)/, 'contacts'],
  [/^((users\/[^/]+|me)\/(transitive)?memberof|directoryroles|rolemanagement)/, 'directoryRoles'],
  [/^admin\/teams\/telephonenumbermanagement/, 'numbers'],
  [/^admin\/teams\/policy/, 'policies'],
  [/^admin\/teams\/userconfigurations/, 'userConfigurations'],
  [/^(users|me)(\/|$|\()/, 'users'],
];

/**
 * Classifies a Graph URL or path (absolute, or relative to the version root, with or without a query).
 * Matching is case-insensitive because Graph paths are.
 */
export function endpointClassOf(urlOrPath: string): EndpointClass {
  const path = versionRelativePath(urlOrPath).toLowerCase();
  for (const [pattern, cls] of RULES) {
    if (pattern.test(path)) return cls;
  }
  return 'other';
}

/** The throttling bucket of an endpoint class. */
export function limitClassOf(cls: EndpointClass): LimitClass {
  switch (cls) {
    case 'presence':
      return 'presence';
    case 'numbers':
    case 'policies':
    case 'userConfigurations':
      return 'teamsAdmin';
    case 'mail':
    case 'contacts':
      return 'outlook';
    default:
      return 'identity';
  }
}

/**
 * The mailbox an Outlook request targets: `users/{id|upn}/...` → the id or UPN lower-cased (URL-decoded), `me/...` →
 * `me`; undefined for anything else. Outlook limits apply per mailbox, so the limiter keys its lanes by this.
 */
export function mailboxOf(urlOrPath: string): string | undefined {
  const path = versionRelativePath(urlOrPath);
  const m = /^(users\/([^/]+)|me)(\/|$)/i.exec(path);
  if (m === null) return undefined;
  const id = m[2];
  if (id === undefined) return 'me';
  try {
    return decodeURIComponent(id)
      .replace(/^'(.*)'$/, '$1')
      .toLowerCase();
  } catch {
    return id.toLowerCase();
  }
}

/** `https://host/prefix/v1.0/users/x?$top=1` → `users/x`; `/users/x` → `users/x`. */
export function versionRelativePath(urlOrPath: string): string {
  let path = urlOrPath.replace(/[?#].*$/, '');
  const scheme = path.indexOf('://');
  if (scheme !== -1) {
    const slash = path.indexOf('/', scheme + 3);
    path = slash === -1 ? '' : path.slice(slash);
  }
  const version = /\/(v1\.0|beta)(\/|$)/.exec(`/${path.replace(/^\/+/, '')}`);
  const relative = version === null ? path : `/${path.replace(/^\/+/, '')}`.slice(version.index + version[0].length);
  return relative.replace(/^\/+/, '');
}
