import type { KubeClient } from './kube-client.ts';
import { coreResources, type ObjectMeta } from './resource.ts';

/** The object an Event is about (`regarding`). */
export interface EventReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
}

/** An `events.k8s.io/v1` Event as written by the recorder. */
export interface EventObject {
  apiVersion: 'events.k8s.io/v1';
  kind: 'Event';
  metadata: ObjectMeta;
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  note: string;
  type: 'Normal' | 'Warning';
  regarding: EventReference;
  series?: { count: number; lastObservedTime: string };
}

/** Where the recorder writes; a fake in unit tests, {@link KubeEventSink} in production. */
export interface EventSink {
  /** Creates the Event; resolves with its name. */
  create(namespace: string, event: EventObject): Promise<string>;
  /** Bumps a series on an existing Event. */
  updateSeries(namespace: string, name: string, series: { count: number; lastObservedTime: string }): Promise<void>;
}

/** Writes Events to the apiserver (events.k8s.io/v1): POST to create, merge patch of `series` to update. */
export class KubeEventSink implements EventSink {
  private readonly client: KubeClient;

  constructor(client: KubeClient) {
    this.client = client;
  }

  async create(namespace: string, event: EventObject): Promise<string> {
    const created = await this.client.create(coreResources.events, namespace, event);
    return created.metadata.name ?? event.metadata.name ?? '';
  }

  async updateSeries(namespace: string, name: string, series: { count: number; lastObservedTime: string }): Promise<void> {
    await this.client.patch(coreResources.events, namespace, name, { series });
  }
}
