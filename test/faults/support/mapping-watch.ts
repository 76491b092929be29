/**
 * Watches the mappings of a namespace through the apiserver (a real watch, so no transition is missed between
 * polls) and records per mapping when it first became Ready and how often it left Ready afterwards.
 */
import type { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { resourcePath } from '../../../pkg/runtime/resource.ts';
import { UserLicenseMappingResource, type CachedMapping } from '../../../controllers/shared/resources.ts';
import { isReady, until } from './fault-env.ts';

export interface ReadyTimeline {
  /** Mapping name → epoch ms it was first seen Ready. */
  readonly firstReady: Map<string, number>;
  /** Ready → not Ready transitions seen after the first Ready, with the reason it flipped to. */
  readonly flips: { name: string; reason: string }[];
  stop(): void;
}

/** Starts watching; `stop` ends it. */
export async function watchReadiness(kube: KubeClient, namespace: string): Promise<ReadyTimeline> {
  const firstReady = new Map<string, number>();
  const flips: { name: string; reason: string }[] = [];
  const ready = new Map<string, boolean>();
  const controller = new AbortController();
  // A fresh CRD's storage may still be initialising (429): retried.
  const stream = await until(
    'the mapping watch',
    () => kube.openStream(resourcePath(UserLicenseMappingResource, namespace), { watch: true }, controller.signal),
    60_000,
  );
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of stream) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim() === '') continue;
          const event = JSON.parse(line) as { type: string; object: CachedMapping };
          const name = event.object.metadata?.name ?? '';
          if (event.type === 'DELETED') continue;
          const now = isReady(event.object);
          if (now && !firstReady.has(name)) firstReady.set(name, Date.now());
          if (ready.get(name) === true && !now) {
            const cond = event.object.status?.conditions?.find((c) => c.type === 'Ready');
            flips.push({ name, reason: cond?.reason ?? '(no Ready condition)' });
          }
          ready.set(name, now);
        }
      }
    } catch {
      // aborted by stop()
    }
  })();
  return { firstReady, flips, stop: () => controller.abort() };
}
