import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stateScope } from '../../../../controllers/shared/resources.ts';
import { operationKey } from '../../../../controllers/userlicensemapping/actions.ts';

const tenant = (namespace: string, name: string, tenantId = '7d2a4c8e-3b5f-4a1c-9d0e-6f9e8c7b5a32') => ({ metadata: { namespace, name }, spec: { tenantId } });
const assign = { kind: 'AssignNumber', userId: 'u', number: '+14255550100', numberType: 'directRouting' } as const;

test('state scope: two TeamsTenants for one Entra tenant never share delta links or journal entries', () => {
  const a = stateScope(tenant('customer-a', 'contoso'));
  const b = stateScope(tenant('customer-b', 'contoso'));
  assert.notEqual(a, b, 'another namespace, same name and Entra tenant');
  assert.notEqual(operationKey(a, assign), operationKey(b, assign));
  assert.notEqual(
    stateScope(tenant('customer-a', 'contoso')),
    stateScope(tenant('customer-a', 'contoso', '00000000-0000-4000-8000-000000000001')),
    'a TeamsTenant pointed at another Entra tenant starts afresh',
  );
  assert.equal(a, 'customer-a/contoso:7d2a4c8e-3b5f-4a1c-9d0e-6f9e8c7b5a32');
});
