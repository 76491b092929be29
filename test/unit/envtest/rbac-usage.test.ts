/** The deployed suite's RBAC proof: grants vs audited uses, with RBAC's wildcard, scope and resourceNames rules. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEvent } from '../../../pkg/envtest/audit.ts';
import type { BoundRole } from '../../../pkg/envtest/install-manifests.ts';
import { compare, usageTable } from '../../deployed/support/rbac-usage.ts';

const roles: BoundRole[] = [
  {
    kind: 'ClusterRole',
    name: 'manager',
    scope: '',
    rules: [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'delete'] },
      { apiGroups: ['x.io'], resources: ['things'], verbs: ['list'] },
      { apiGroups: ['x.io'], resources: ['things/status'], verbs: ['patch'] },
    ],
  },
  {
    kind: 'Role',
    name: 'leader',
    scope: 'sys',
    rules: [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['lock'], verbs: ['get', 'update'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ],
  },
];

let n = 0;
interface Extra {
  namespace?: string;
  name?: string;
  subresource?: string;
  decision?: string;
}
function event(verb: string, apiGroup: string, resource: string, code: number, x: Extra = {}): AuditEvent {
  return {
    auditID: String(n++),
    stage: 'ResponseComplete',
    verb,
    requestURI: '/',
    user: { username: 'sa' },
    objectRef: {
      apiGroup,
      resource,
      ...(x.subresource ? { subresource: x.subresource } : {}),
      ...(x.namespace ? { namespace: x.namespace } : {}),
      ...(x.name ? { name: x.name } : {}),
    },
    responseStatus: { code },
    ...(x.decision ? { annotations: { 'authorization.k8s.io/decision': x.decision } } : {}),
  };
}

const everything = (): AuditEvent[] => [
  event('get', '', 'secrets', 404, { namespace: 'a', name: 's', decision: 'allow' }), // allowed, then not found: the verb is needed
  event('delete', '', 'secrets', 200, { namespace: 'a', name: 's' }),
  event('list', 'x.io', 'things', 200),
  event('patch', 'x.io', 'things', 200, { subresource: 'status', namespace: 'a', name: 't' }),
  event('get', 'coordination.k8s.io', 'leases', 200, { namespace: 'sys', name: 'lock' }),
  event('update', 'coordination.k8s.io', 'leases', 200, { namespace: 'sys', name: 'lock' }),
  event('create', 'coordination.k8s.io', 'leases', 201, { namespace: 'sys' }),
  { ...event('get', '', 'x', 200), objectRef: undefined } as unknown as AuditEvent, // discovery: ignored
];

test('every grant used and nothing refused passes', () => {
  const result = compare(roles, everything());
  assert.deepEqual([result.unused, result.forbidden, result.uncovered], [[], [], []]);
  assert.match(usageTable(result), /sys\s+coordination\.k8s\.io\s+leases\s+get\(lock\),update\(lock\),create\s+get,update,create\s+-\s+-/);
});

test('an unused grant, a refused request and a use outside the role are each reported', () => {
  const events = everything().filter((e) => e.verb !== 'delete');
  events.push(event('watch', '', 'secrets', 403, { decision: 'forbid' }));
  events.push(event('update', 'coordination.k8s.io', 'leases', 403, { namespace: 'sys', name: 'other', decision: 'forbid' })); // resourceNames exclude it
  events.push(event('get', 'coordination.k8s.io', 'leases', 200, { namespace: 'elsewhere', name: 'lock' })); // the Role's scope excludes it
  const result = compare(roles, events);
  assert.deepEqual(
    result.unused.map((g) => `${g.verb} ${g.resource}`),
    ['delete secrets'],
  );
  assert.deepEqual(
    result.forbidden.map((u) => `${u.verb} ${u.resource}`),
    ['watch secrets', 'update leases'],
  );
  assert.deepEqual(
    result.uncovered.map((u) => `${u.verb} ${u.resource} ${u.namespace}`),
    ['get leases elsewhere'],
  );
});
