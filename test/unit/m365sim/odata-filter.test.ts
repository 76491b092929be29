/** The simulator's $filter parser/evaluator on the forms the controller sends. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, parseFilter } from '../../../pkg/m365sim/graph/odata-filter.ts';

const MCOEV = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7';
const alice = {
  id: 'a1',
  userPrincipalName: 'Alice@Contoso.com',
  accountEnabled: true,
  displayName: 'Alice Example',
  assignedPlans: [
    { servicePlanId: MCOEV, capabilityStatus: 'Enabled' },
    { servicePlanId: '4ed3ff63-69d7-4fb7-b984-5aec7f605ca8', capabilityStatus: 'Deleted' },
  ],
  capabilities: ['userAssignment'],
};

const cases = [
  { name: 'LambdaWithAnd', filter: `assignedPlans/any(a:a/servicePlanId eq ${MCOEV} and a/capabilityStatus eq 'Enabled')`, want: true, advanced: false },
  {
    name: 'LambdaStatusMismatch',
    filter: `assignedPlans/any(a:a/servicePlanId eq 4ed3ff63-69d7-4fb7-b984-5aec7f605ca8 and a/capabilityStatus eq 'Enabled')`,
    want: false,
    advanced: false,
  },
  { name: 'BooleanEq', filter: 'accountEnabled eq true', want: true, advanced: false },
  {
    name: 'CaseInsensitiveString',
    filter: "userPrincipalName eq 'alice@contoso.com'",
    want: true,
    advanced: false,
    reason: 'directory string comparison ignores case',
  },
  { name: 'NotLambda', filter: `not assignedPlans/any(x:x/servicePlanId eq ${MCOEV})`, want: false, advanced: true },
  { name: 'Ne', filter: 'accountEnabled ne true', want: false, advanced: true },
  { name: 'EndsWith', filter: "endswith(userPrincipalName,'@contoso.com')", want: true, advanced: true },
  { name: 'StartsWith', filter: "startswith(displayName,'Ali')", want: true, advanced: false },
  { name: 'BareLambdaVariable', filter: "capabilities/any(c:c eq 'userAssignment')", want: true, advanced: false },
  { name: 'InList', filter: "id in ('x','a1')", want: true, advanced: false },
  { name: 'OrAndParens', filter: "(id eq 'zz' or id eq 'a1') and accountEnabled eq true", want: true, advanced: false },
  { name: 'QuotedQuote', filter: "displayName eq 'O''Brien'", want: false, advanced: false },
];

for (const tc of cases) {
  test(`odata-filter: ${tc.name}`, () => {
    const parsed = parseFilter(tc.filter);
    assert.equal(evaluate(parsed.root, alice), tc.want, tc.reason);
    assert.equal(parsed.advanced, tc.advanced);
  });
}

test('odata-filter: reports the top-level properties it reads (lambda variables excluded)', () => {
  assert.deepEqual([...parseFilter(`assignedPlans/any(a:a/servicePlanId eq ${MCOEV}) and accountEnabled eq true`).properties].sort(), [
    'accountEnabled',
    'assignedPlans',
  ]);
});

for (const bad of ['accountEnabled eq', 'foo(bar) eq 1', "id eq 'unterminated"]) {
  test(`odata-filter: rejects malformed '${bad}' with a 400`, () => {
    assert.throws(
      () => parseFilter(bad),
      (e: unknown) => (e as { status?: number }).status === 400,
    );
  });
}
