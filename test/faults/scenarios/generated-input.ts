/**
 * Scenario 5: objects generated from the CRD schemas (fast-check arbitraries over the pkg/apis TypeBox sources,
 * filtered by each kind's validator so the apiserver accepts them all), with unicode and boundary values,
 * created while the daemon runs. A third of those with a tenantRef point at the scenario's real tenant, the rest at tenants that
 * do not exist. The daemon must not crash, and every object must end up with a Ready condition; when it is not
 * True it must carry a reason and a message.
 */
import fc from 'fast-check';
import {
  ApiVersion,
  PresenceSyncSpecSchema,
  TeamsSyncSpecSchema,
  TeamsTenantSpecSchema,
  UserLicenseMappingSpecSchema,
  validatePresenceSync,
  validateTeamsSync,
  validateTeamsTenant,
  validateUserLicenseMapping,
} from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { KubeObject, ResourceRef } from '../../../pkg/runtime/resource.ts';
import { TeamsSyncResource, TeamsTenantResource, UserLicenseMappingResource } from '../../../controllers/shared/resources.ts';
import { TENANT, until, type FaultWorld } from '../support/fault-env.ts';
import { seconds, type Row } from '../support/report.ts';
import { arbitraryOf } from '../support/schema-arbitrary.ts';
import type { FaultSizes } from '../support/sizes.ts';
import { tally } from '../support/tally.ts';

const PresenceSyncResource: ResourceRef = {
  group: TeamsSyncResource.group,
  version: TeamsSyncResource.version,
  plural: 'presencesyncs',
  kind: 'PresenceSync',
  namespaced: true,
};

const KINDS = [
  { kind: 'TeamsTenant', resource: TeamsTenantResource, schema: TeamsTenantSpecSchema, validate: validateTeamsTenant },
  { kind: 'UserLicenseMapping', resource: UserLicenseMappingResource, schema: UserLicenseMappingSpecSchema, validate: validateUserLicenseMapping },
  { kind: 'PresenceSync', resource: PresenceSyncResource, schema: PresenceSyncSpecSchema, validate: validatePresenceSync },
  { kind: 'TeamsSync', resource: TeamsSyncResource, schema: TeamsSyncSpecSchema, validate: validateTeamsSync },
] as const;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
type Observed = KubeObject & { status?: { conditions?: Condition[]; phase?: string } };

/**
 * `count` valid objects of the four kinds (round robin), drawn with `seed`, in batches of 40 with a turn of the
 * event loop between them: the simulators of the scenarios running alongside live in this process.
 */
async function* generatedObjects(count: number, seed: number): AsyncGenerator<{ resource: ResourceRef; object: KubeObject }[]> {
  const arbitraries = KINDS.map((k) =>
    arbitraryOf(k.schema as never)
      .chain((spec) => fc.tuple(fc.constant(spec), fc.nat(5)))
      .map(([spec, pick]) => {
        const s = spec as Record<string, unknown>;
        if (pick < 2 && typeof s['tenantRef'] === 'object') s['tenantRef'] = { name: TENANT };
        return s;
      })
      .filter((spec) => k.validate({ apiVersion: ApiVersion, kind: k.kind, metadata: { name: 'x' }, spec }).ok),
  );
  const BATCH = 40;
  for (let start = 0, batch = 0; start < count; start += BATCH, batch++) {
    const out: { resource: ResourceRef; object: KubeObject }[] = [];
    const n = Math.min(BATCH, count - start);
    KINDS.forEach((k, kindIndex) => {
      const share = Math.floor(n / KINDS.length) + (kindIndex < n % KINDS.length ? 1 : 0);
      const specs = fc.sample(arbitraries[kindIndex] as fc.Arbitrary<Record<string, unknown>>, {
        numRuns: share,
        seed: seed + batch * KINDS.length + kindIndex,
      });
      specs.forEach((spec, i) =>
        out.push({
          resource: k.resource,
          object: { apiVersion: ApiVersion, kind: k.kind, metadata: { name: `${k.kind.toLowerCase()}-${batch}-${i}` }, spec } as KubeObject,
        }),
      );
    });
    yield out;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function generatedInput(world: FaultWorld, size: FaultSizes['fuzz'], seed: number): Promise<Row> {
  const sc = await world.scenario('fuzz', { users: 10 });
  try {
    const daemon = await sc.daemon();
    const refused: string[] = [];
    const started = Date.now();
    let created = 0;
    for await (const batch of generatedObjects(size.objects, seed)) {
      created += batch.length;
      await Promise.all(
        batch.map(async ({ resource, object }) => {
          try {
            await world.kube.create(resource, sc.namespace, object);
          } catch (error) {
            refused.push(`${object.kind}/${object.metadata?.name}: ${(error as Error).message.slice(0, 300)}`);
          }
        }),
      );
    }
    const createdMs = Date.now() - started;
    const list = async (): Promise<Observed[]> =>
      (await Promise.all(KINDS.map(async (k) => (await world.kube.list<Observed>(k.resource, { namespace: sc.namespace })).items))).flat();
    // Ready=True, or a Ready condition saying why not; a TeamsSync run (no Ready condition) has a phase, and when it
    // did not succeed a condition saying why.
    const unexplained = (o: Observed): boolean => {
      const conditions = o.status?.conditions ?? [];
      const ready = conditions.find((c) => c.type === 'Ready');
      if (ready !== undefined) return ready.status !== 'True' && (!ready.reason || !ready.message);
      if (o.kind !== 'TeamsSync' || o.status?.phase === undefined) return true;
      return o.status.phase !== 'Succeeded' && !conditions.some((c) => c.reason && c.message);
    };
    // A TeamsSync a user creates with trigger Auto is closed as Failed a minute after its creation (controllers/teamssync
    // #recoverAuto). Any still without a status at the end are counted apart and asserted by test 5b.
    const userAuto = (o: Observed): boolean =>
      o.kind === 'TeamsSync' && (o as { spec?: { trigger?: string } }).spec?.trigger === 'Auto' && o.status?.phase === undefined;
    let last: Observed[] = [];
    const settled = await until(
      'every generated object to carry a Ready condition',
      async () => {
        last = await list();
        // Auto records a user made are closed by the controller a minute after creation: waited for too.
        return last.every((o) => !unexplained(o));
      },
      size.objects > 1000 ? 1_800_000 : 300_000,
      3000,
    ).then(
      () => '',
      (error: unknown) => String(error),
    );
    const settledMs = Date.now() - started;
    const silentAuto = last.filter((o) => unexplained(o) && userAuto(o)).length;
    const bad = last.filter((o) => unexplained(o) && !userAuto(o));
    const badKinds = [...new Set(bad.map((o) => o.kind))].map((k) => `${k} ${bad.filter((o) => o.kind === k).length}`).join(', ');
    const end = tally(sc, [], 10);
    // Generated mappings on the real tenant may legitimately hold numbers; only lost/orphaned of OUR mappings count (none here).
    const result = {
      ...end,
      lost: 0,
      orphaned: 0,
      details: [
        ...refused.slice(0, 3).map((r) => `refused: ${r}`),
        ...bad.slice(0, 5).map((o) => `no reason: ${o.kind}/${o.metadata?.name} ${JSON.stringify(o.status?.conditions ?? null).slice(0, 200)}`),
      ],
    };
    const notReady = last.filter((o) => !o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    return {
      scenario: '5 generated objects',
      tally: result,
      problems: refused.length + bad.length,
      knownDefects: silentAuto,
      figures: `${created} objects (${KINDS.map((k) => k.kind).join(', ')}) created in ${seconds(createdMs)}, ${refused.length} refused by the apiserver; ${notReady} not Ready, ${bad.length} without a Ready reason and message${badKinds ? ` (${badKinds})` : ''}${settled === '' ? '' : ` (${settled.slice(0, 300)})`}, ${silentAuto} user-created Auto TeamsSync still without a status after ${seconds(settledMs)}; daemon alive: ${daemon.running() ? 'yes' : 'NO'}`,
    };
  } finally {
    await sc.close();
  }
}
