import { isAlreadyExists, isNotFound } from './api-error.ts';
import type { KubeClient } from './kube-client.ts';
import { coreResources, resourcePath, type ObjectMeta } from './resource.ts';

/** `coordination.k8s.io/v1` LeaseSpec fields used by leader election (client-go `LeaderElectionRecord`). */
export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** A Lease object as stored. */
export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: LeaseRecord;
}

/**
 * The Lease as a lock with optimistic concurrency (client-go `resourcelock.LeaseLock`): `get` returns
 * undefined when absent, `create` returns undefined when someone else created it first, `update` is a PUT
 * carrying the resourceVersion (409 when another candidate wrote in between, thrown as ApiError).
 * Its writes bypass the client's write fence: writing the Lease is how the right to write is obtained.
 */
export class LeaseLock {
  readonly namespace: string;
  readonly name: string;
  private readonly client: KubeClient;

  constructor(client: KubeClient, namespace: string, name: string) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
  }

  /** The current Lease, or undefined if it does not exist. */
  async get(signal: AbortSignal, timeoutMs: number): Promise<Lease | undefined> {
    try {
      return await this.client.request<Lease>('GET', resourcePath(coreResources.leases, this.namespace, this.name), { signal, timeoutMs, unfenced: true });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Creates the Lease with `record`; undefined if it already exists. */
  async create(record: LeaseRecord, signal: AbortSignal, timeoutMs: number): Promise<Lease | undefined> {
    const body: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec: record };
    try {
      return await this.client.request<Lease>('POST', resourcePath(coreResources.leases, this.namespace), { body, signal, timeoutMs, unfenced: true });
    } catch (err) {
      if (isAlreadyExists(err)) return undefined;
      throw err;
    }
  }

  /** Replaces the spec, guarded by `resourceVersion`. */
  update(resourceVersion: string, record: LeaseRecord, signal: AbortSignal, timeoutMs: number): Promise<Lease> {
    const body: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, resourceVersion },
      spec: record,
    };
    return this.client.request<Lease>('PUT', resourcePath(coreResources.leases, this.namespace, this.name), { body, signal, timeoutMs, unfenced: true });
  }
}

/** True when two records are identical (any difference counts as the holder being alive). */
export function sameRecord(a: LeaseRecord | undefined, b: LeaseRecord | undefined): boolean {
  return (
    a?.holderIdentity === b?.holderIdentity &&
    a?.renewTime === b?.renewTime &&
    a?.acquireTime === b?.acquireTime &&
    a?.leaseTransitions === b?.leaseTransitions &&
    a?.leaseDurationSeconds === b?.leaseDurationSeconds
  );
}
