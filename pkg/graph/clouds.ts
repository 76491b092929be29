import { FeatureUnavailableInCloudError } from './errors.ts';

/** The national clouds the controller supports (https://learn.microsoft.com/graph/deployments). */
export type CloudName = 'Global' | 'USGovGCCHigh' | 'USGovDoD' | 'China';

/** The features whose availability differs between clouds; everything else (users, licences, mail) is everywhere. */
export type CloudFeature = 'teamsNumberManagement' | 'teamsPolicyAssignment' | 'teamsUserConfiguration' | 'presence' | 'contactsDelta';

/** Where a cloud's Entra ID and Graph live. */
export interface CloudEndpoints {
  /** Entra ID authority host, https origin without a trailing slash. */
  readonly authorityHost: string;
  /** Graph root with a trailing slash; requests go to `${graphBaseUrl}v1.0/...`. */
  readonly graphBaseUrl: string;
  /** Scope for app-only tokens (`<graph root>/.default`). */
  readonly appScope: string;
  /** Scope prefix for delegated permissions (`<graph root>/`), e.g. `${prefix}User.Read`. */
  readonly delegatedScopePrefix: string;
}

interface CloudEntry extends CloudEndpoints {
  readonly features: ReadonlySet<CloudFeature>;
}

const ALL_FEATURES: ReadonlySet<CloudFeature> = new Set<CloudFeature>([
  'teamsNumberManagement',
  'teamsPolicyAssignment',
  'teamsUserConfiguration',
  'presence',
  'contactsDelta',
]);

function entry(authorityHost: string, graphRoot: string, features: ReadonlySet<CloudFeature>): CloudEntry {
  return {
    authorityHost,
    graphBaseUrl: `${graphRoot}/`,
    appScope: `${graphRoot}/.default`,
    delegatedScopePrefix: `${graphRoot}/`,
    features,
  };
}

/**
 * The endpoint and feature table. Teams number management, policy assignment and (assumed) user configuration are
 * Global only; presence is in Global, GCC High and DoD; China lacks presence and contacts delta.
 */
export const CLOUDS: Readonly<Record<CloudName, CloudEntry>> = {
  Global: entry('https://login.microsoftonline.com', 'https://graph.microsoft.com', ALL_FEATURES),
  USGovGCCHigh: entry('https://login.microsoftonline.us', 'https://graph.microsoft.us', new Set(['presence', 'contactsDelta'])),
  USGovDoD: entry('https://login.microsoftonline.us', 'https://dod-graph.microsoft.us', new Set(['presence', 'contactsDelta'])),
  China: entry('https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn', new Set()),
};

const FEATURE_NAMES: Readonly<Record<CloudFeature, string>> = {
  teamsNumberManagement: 'Teams telephone number management',
  teamsPolicyAssignment: 'Teams policy assignment',
  teamsUserConfiguration: 'Teams user configuration',
  presence: 'Teams presence',
  contactsDelta: 'Outlook contacts delta',
};

/** Overrides for the simulator or a private endpoint; the scope keeps naming the real cloud's resource. */
export interface EndpointOverrides {
  readonly authorityHost?: string;
  readonly graphBaseUrl?: string;
  /** PEM file of an extra CA to trust (the simulator's). */
  readonly caBundlePath?: string;
  /** App-only scope; defaults to the real cloud's `<graph root>/.default`. */
  readonly appScope?: string;
  /** Host name → `address:port` to connect to instead, names kept (pkg/graph/tls.ts `parseConnectTo`; the simulator playing a national cloud). */
  readonly connectTo?: Readonly<Record<string, string>>;
}

/** The endpoints a tenant client uses after applying overrides. */
export interface ResolvedEndpoints extends CloudEndpoints {
  readonly cloud: CloudName;
  readonly caBundlePath?: string;
  readonly connectTo?: Readonly<Record<string, string>>;
}

/**
 * Resolves a cloud plus optional overrides into concrete endpoints.
 *
 * Gotchas: the override authority host may carry a port (`https://127.0.0.1:8443`); trailing slashes are normalised.
 * Scopes stay those of the real cloud, which is what the simulator issues tokens for as well.
 */
export function resolveEndpoints(cloud: CloudName, overrides: EndpointOverrides = {}): ResolvedEndpoints {
  const base = CLOUDS[cloud];
  return {
    cloud,
    authorityHost: (overrides.authorityHost ?? base.authorityHost).replace(/\/+$/, ''),
    graphBaseUrl: (overrides.graphBaseUrl ?? base.graphBaseUrl).replace(/\/*$/, '/'),
    appScope: overrides.appScope ?? base.appScope,
    delegatedScopePrefix: base.delegatedScopePrefix,
    ...(overrides.caBundlePath === undefined ? {} : { caBundlePath: overrides.caBundlePath }),
    ...(overrides.connectTo === undefined ? {} : { connectTo: overrides.connectTo }),
  };
}

/** True when Microsoft offers `feature` in `cloud`. */
export function isFeatureAvailable(cloud: CloudName, feature: CloudFeature): boolean {
  return CLOUDS[cloud].features.has(feature);
}

/** Throws `FeatureUnavailableInCloudError` before any request is made when the feature is absent in the cloud. */
export function assertFeatureAvailable(cloud: CloudName, feature: CloudFeature): void {
  if (!isFeatureAvailable(cloud, feature)) throw new FeatureUnavailableInCloudError(FEATURE_NAMES[feature], cloud);
}

/** Type guard for cloud names read from a CR spec. */
export function isCloudName(value: unknown): value is CloudName {
  return typeof value === 'string' && Object.hasOwn(CLOUDS, value);
}
