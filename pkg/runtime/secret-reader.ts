import { isNotFound } from './api-error.ts';
import type { KubeClient } from './kube-client.ts';
import { coreResources, type KubeObject } from './resource.ts';

/** A Secret as the controllers read it: its metadata and its base64-encoded `data`. */
export interface Secret extends KubeObject {
  readonly data?: Readonly<Record<string, string>>;
}

/** Reads one Secret by namespace and name; `undefined` when it does not exist. */
export type SecretReader = (namespace: string, name: string) => Promise<Secret | undefined>;

/**
 * A `SecretReader` over the apiserver.
 *
 * When to use: a controller that reads credentials a user named in a spec. A missing Secret is a state to report in
 * the object's status (the user may create it next), not an error, so 404 becomes `undefined`; every other failure
 * (403, 5xx, network) is thrown for the controller's retry.
 */
export function secretReader(client: Pick<KubeClient, 'get'>): SecretReader {
  return async (namespace, name) => {
    try {
      return await client.get<Secret>(coreResources.secrets, namespace, name);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
}
