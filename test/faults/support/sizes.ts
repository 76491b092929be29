/**
 * How big each scenario is. `make test` runs the small sizes (a few minutes on 2 cores); `npm run test:faults`
 * sets FAULTS_SIZE=full for the sizes issue 15 asks for.
 */
export interface FaultSizes {
  readonly name: 'small' | 'full';
  /** Scenario 1: mappings of the initial sync and kills during it; mappings removed and kills during that. */
  readonly crash: { readonly mappings: number; readonly syncKills: number; readonly removed: number; readonly removalKills: number };
  /** Scenario 2: mappings applied while the leader is killed `kills` times. */
  readonly failover: { readonly mappings: number; readonly kills: number };
  /** Scenario 3: mappings synced under throttling, 503s, latency spikes and resets after apply. */
  readonly throttle: { readonly mappings: number };
  /** Scenario 4: mappings created per disruption; how long the apiserver is unreachable. */
  readonly apiserver: { readonly perStep: number; readonly outageMs: number };
  /** Scenario 5: generated objects. */
  readonly fuzz: { readonly objects: number };
}

const SMALL: FaultSizes = {
  name: 'small',
  crash: { mappings: 40, syncKills: 3, removed: 15, removalKills: 2 },
  failover: { mappings: 24, kills: 2 },
  throttle: { mappings: 15 },
  apiserver: { perStep: 5, outageMs: 10_000 },
  fuzz: { objects: 150 },
};

const FULL: FaultSizes = {
  name: 'full',
  crash: { mappings: 1000, syncKills: 20, removed: 300, removalKills: 20 },
  failover: { mappings: 200, kills: 10 },
  throttle: { mappings: 200 },
  apiserver: { perStep: 25, outageMs: 60_000 },
  fuzz: { objects: 10_000 },
};

export const sizes: FaultSizes = process.env['FAULTS_SIZE'] === 'full' ? FULL : SMALL;
