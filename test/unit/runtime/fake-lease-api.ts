import { ApiError } from '../../../pkg/runtime/api-error.ts';
import type { KubeClient, RequestOptions } from '../../../pkg/runtime/kube-client.ts';
import type { Lease } from '../../../pkg/runtime/lease-lock.ts';
import type { FakeMonotonicClock } from './fake-monotonic-clock.ts';

/** How one candidate's network behaves. */
export interface Link {
  /** Requests never get an answer (a black-holed connection) until their signal aborts. */
  blackholed?: boolean;
  /** Fake-clock ms each request takes before it is applied and answered. */
  latencyMs?: number;
}

/**
 * One Lease in memory with resourceVersion semantics (404, AlreadyExists, 409 on a stale PUT), shared by
 * several candidates, each through its own link. Timing comes only from the fake clock.
 */
export class FakeLeaseApi {
  lease: Lease | undefined;
  readonly links = new Map<string, Link>();
  /** Every write applied: who, at what fake time, and the holder it left. */
  readonly writes: { who: string; at: number; holder: string | undefined }[] = [];
  private rv = 0;
  private readonly clock: FakeMonotonicClock;

  constructor(clock: FakeMonotonicClock) {
    this.clock = clock;
  }

  /** Someone else's write that changes nothing but the resourceVersion (the holder's fast path then gets 409). */
  touch(): void {
    if (!this.lease) return;
    this.rv += 1;
    this.lease = { ...this.lease, metadata: { ...this.lease.metadata, resourceVersion: String(this.rv) } };
  }

  /** An intruder writes itself in as holder. */
  steal(holder: string): void {
    if (!this.lease) return;
    this.rv += 1;
    this.lease = {
      ...this.lease,
      metadata: { ...this.lease.metadata, resourceVersion: String(this.rv) },
      spec: { ...this.lease.spec, holderIdentity: holder },
    };
  }

  /** A KubeClient stand-in for candidate `who` (only `request` is used by LeaseLock). */
  clientFor(who: string): KubeClient {
    const request = (method: string, path: string, opts: RequestOptions = {}): Promise<unknown> => this.handle(who, method, path, opts);
    return { request } as unknown as KubeClient;
  }

  private async handle(who: string, method: string, path: string, opts: RequestOptions): Promise<unknown> {
    const link = this.links.get(who) ?? {};
    const signal = opts.signal;
    if (link.blackholed) {
      return new Promise((_, reject) => {
        const fail = (): void => reject(new ApiError(0, method, path, undefined, { cause: signal?.reason }));
        if (!signal || signal.aborted) fail();
        else signal.addEventListener('abort', fail, { once: true });
      });
    }
    if (link.latencyMs && !(await this.clock.sleep(link.latencyMs, signal))) throw new ApiError(0, method, path, undefined, { cause: signal?.reason });
    if (signal?.aborted) throw new ApiError(0, method, path, undefined, { cause: signal.reason });
    return this.apply(who, method, path, opts.body as Lease | undefined);
  }

  private apply(who: string, method: string, path: string, body: Lease | undefined): Lease {
    if (method === 'GET') {
      if (!this.lease) throw new ApiError(404, method, path, { reason: 'NotFound' });
      return structuredClone(this.lease);
    }
    if (method === 'POST') {
      if (this.lease) throw new ApiError(409, method, path, { reason: 'AlreadyExists' });
    } else if (method === 'PUT') {
      if (!this.lease) throw new ApiError(404, method, path, { reason: 'NotFound' });
      if (body?.metadata?.resourceVersion !== this.lease.metadata?.resourceVersion) throw new ApiError(409, method, path, { reason: 'Conflict' });
    } else {
      throw new Error(`unexpected ${method}`);
    }
    this.rv += 1;
    this.lease = { ...structuredClone(body ?? {}), metadata: { ...body?.metadata, resourceVersion: String(this.rv) } };
    this.writes.push({ who, at: this.clock.now(), holder: this.lease.spec?.holderIdentity });
    return structuredClone(this.lease);
  }
}
