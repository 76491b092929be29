/**
 * Names the simulator may emit that are not in the v1.0 schema, each with the Microsoft page documenting it.
 * The contract test (test/unit/m365sim/contract.test.ts) allows exactly these; anything else must be in the schema.
 */

/** A documented name outside the v1.0 CSDL. */
export interface DocumentedName {
  name: string;
  source: string;
}

/** Properties per qualified entity/complex type that only beta (or the docs, not the CSDL) define. Empty today. */
export const DOCUMENTED_BETA_PROPERTIES: Readonly<Record<string, readonly DocumentedName[]>> = {};

/**
 * Instance annotations that are not `@odata.*` control information. `@removed` marks deleted items in delta
 * responses.
 */
export const ALLOWED_INSTANCE_ANNOTATIONS: readonly DocumentedName[] = [
  { name: '@removed', source: 'https://learn.microsoft.com/en-us/graph/delta-query-overview' },
];

/** OData system resources the CSDL does not describe but every Graph service serves. */
export const ODATA_SYSTEM_SEGMENTS: readonly DocumentedName[] = [
  { name: '$batch', source: 'https://learn.microsoft.com/en-us/graph/json-batching' },
  { name: '$count', source: 'https://learn.microsoft.com/en-us/graph/query-parameters#count-parameter' },
];
