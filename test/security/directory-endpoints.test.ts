/**
 * The two directory endpoints an attacker can reach, against the daemon as it ships (test/security/support):
 *  - the users endpoint of `kubectl teamssync users` on the METRICS listener (per-tenant TokenReview +
 *    SubjectAccessReview on teamstenants/users; controllers/teamstenant/users-endpoint.ts),
 *  - the ContactSync PBX directory on the PRESENCE port (bearer token of the ContactSync's own Secret;
 *    pkg/contacts/directory-endpoint.ts).
 * Missing, wrong, misplaced and cross-object tokens, path tricks, hostile paging/sync/ETag input, unparsable request
 * targets and slow clients. Every refusal is checked for data and secrets in the body; the log and Events at the end.
 * Run: node --import tsx test/run.ts test/security/directory-endpoints.test.ts   (SECURITY_LOG=1 shows the daemon's log)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDaemon } from '../../pkg/envtest/daemon.ts';
import { apiserverEndpoint, kubeconfigPath, kubectl } from '../harness/kube.ts';
import { AttackLog } from './support/attack-log.ts';
import { describeOutcome, refused, runAttack } from './support/attack-runner.ts';
import { bearer, contactsPath, startDirectoryEnv, usersPath, type DirectoryEnv } from './support/directory-env.ts';
import { send, slowHeaders, type Attempt, type Outcome, type Target } from './support/hostile-client.ts';
import { PRESENCE_MAX_CONNECTIONS, type SecurityEnv } from './support/security-env.ts';

const log = new AttackLog();
let directory: DirectoryEnv | undefined;
let env: SecurityEnv;
let otherNamespace = '';
let TOKEN_A = '';
let TOKEN_B = '';
let supportToken = '';
let secrets: string[] = [];

const basic = (token: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` });

/** Secrets or directory data in an answer (body or headers). */
function leaks(o: Outcome): boolean {
  if (o.kind !== 'answered') return false;
  const text = `${JSON.stringify(o.headers)}\n${o.body}`;
  return secrets.some((secret) => text.includes(secret)) || /"(items|entries|changes)"\s*:/.test(o.body);
}
/** Refused and nothing in the answer. */
const refusedClean = (o: Outcome): boolean => refused(o) && !leaks(o);
const status = (o: Outcome): number | string => (o.kind === 'answered' ? o.status : o.kind);
/** Any answer but a 5xx (503 is a refusal), with no secret in it. */
const survivedClean = (o: Outcome): boolean =>
  o.kind === 'closed' || (o.kind === 'answered' && (o.status < 500 || o.status === 503) && !secrets.some((s) => o.body.includes(s)));

function attack(endpoint: string, name: string, expected: string, target: Target, attempts: readonly Attempt[], ok: (o: Outcome) => boolean) {
  return runAttack(log, { endpoint, attack: name, expected }, target, attempts, ok);
}

describe('security: the users and PBX directory endpoints', () => {
  before(async () => {
    directory = await startDirectoryEnv();
    ({ env, otherNamespace, tokenA: TOKEN_A, tokenB: TOKEN_B, supportToken } = directory);
    secrets = [...directory.secrets];
  });
  after(async () => {
    log.publish();
    await directory?.close();
  });

  test('controls: the legitimate callers are served (so the refusals below are not breakage)', async () => {
    const users = await send(env.metrics, { path: `${usersPath(env.namespace, 'contoso')}?limit=2`, headers: bearer(supportToken) });
    assert.equal(status(users), 200);
    const list = JSON.parse(users.kind === 'answered' ? users.body : '{}') as { items?: unknown[]; metadata?: { continue?: string } };
    assert.equal(list.items?.length, 2, 'the seeded tenant has more than two users');
    assert.ok(list.metadata?.continue !== undefined);
    const next = await send(env.metrics, {
      path: `${usersPath(env.namespace, 'contoso')}?limit=2&continue=${list.metadata.continue}`,
      headers: bearer(supportToken),
    });
    assert.equal(status(next), 200);
    const book = await send(env.presence, { path: contactsPath(env.namespace, 'book-a'), headers: bearer(TOKEN_A) });
    assert.equal(status(book), 200);
    const etag = book.kind === 'answered' ? book.headers.etag : undefined;
    assert.ok(typeof etag === 'string');
    const again = await send(env.presence, { path: contactsPath(env.namespace, 'book-a'), headers: { ...bearer(TOKEN_A), 'if-none-match': etag } });
    assert.equal(status(again), 304);
    const { syncToken } = JSON.parse(book.kind === 'answered' ? book.body : '{}') as { syncToken?: string };
    const since = await send(env.presence, { path: `${contactsPath(env.namespace, 'book-a')}?since=${syncToken ?? ''}`, headers: bearer(TOKEN_A) });
    assert.equal(status(since), 200);
  });

  test('users endpoint: missing, wrong and misplaced credentials, other tenants and namespaces', async () => {
    const e = 'users (metrics listener)';
    const contoso = usersPath(env.namespace, 'contoso');
    await attack(e, 'no token', '401', env.metrics, [{ path: contoso }], (o) => status(o) === 401 && refusedClean(o));
    await attack(
      e,
      'wrong token (made up, a PBX token, the metrics-reader token, truncated support token)',
      '401/403',
      env.metrics,
      [bearer('guess'), bearer(TOKEN_A), bearer(env.metricsToken), bearer(supportToken.slice(0, -2))].map((headers) => ({ path: contoso, headers })),
      refusedClean,
    );
    await attack(
      e,
      'support token in the query string / Basic scheme / lower-case scheme with junk',
      '401',
      env.metrics,
      [
        { path: `${contoso}?access_token=${supportToken}` },
        { path: `${contoso}?token=${supportToken}` },
        { path: contoso, headers: basic(supportToken) },
        { path: contoso, headers: { authorization: `Bearer ${supportToken} extra` } },
      ],
      refusedClean,
    );
    await attack(
      e,
      'support token (contoso in its namespace only) on another tenant / namespace',
      '403',
      env.metrics,
      [
        usersPath(env.namespace, 'fabrikam'),
        usersPath(env.namespace, 'nosuch'),
        usersPath(otherNamespace, 'contoso'),
        usersPath('default', 'contoso'),
        usersPath('kube-system', 'contoso'),
      ].map((path) => ({ path, headers: bearer(supportToken) })),
      (o) => status(o) === 403 && refusedClean(o),
    );
    await attack(
      e,
      'path tricks: traversal, encoded slashes, overlong names, trailing slash, case',
      '4xx, never a page',
      env.metrics,
      [
        `${contoso}/../../fabrikam/users`,
        `/teamssync/v1alpha1/namespaces/${env.namespace}/teamstenants/contoso%2F..%2Ffabrikam/users`,
        `/teamssync/v1alpha1/namespaces/${env.namespace}%2Fteamstenants%2Ffabrikam/teamstenants/contoso/users`,
        `/teamssync/v1alpha1/namespaces/${env.namespace}/teamstenants/%2e%2e/users`,
        usersPath(env.namespace, 'a'.repeat(300)),
        usersPath('n'.repeat(70), 'contoso'),
        `${contoso}/`,
        usersPath(env.namespace, 'Contoso'),
        `/teamssync/v1alpha1/namespaces/${env.namespace}/teamstenants/contoso/users%00`,
      ].map((path) => ({ path, headers: bearer(supportToken) })),
      refusedClean,
    );
    // Whether a tenant exists is not told to a caller who may not read it.
    const known = await send(env.metrics, { path: usersPath(env.namespace, 'fabrikam'), headers: bearer(supportToken) });
    const unknown = await send(env.metrics, { path: usersPath(env.namespace, 'nosuch'), headers: bearer(supportToken) });
    const anonymousKnown = await send(env.metrics, { path: usersPath(env.namespace, 'fabrikam') });
    const anonymousUnknown = await send(env.metrics, { path: usersPath(env.namespace, 'nosuch') });
    const same = (a: Outcome, b: Outcome): boolean =>
      a.kind === 'answered' && b.kind === 'answered' && a.status === b.status && a.body.replaceAll('fabrikam', 'X') === b.body.replaceAll('nosuch', 'X');
    log.record({
      endpoint: e,
      attack: 'existence oracle: an existing vs an unknown tenant, unauthorised / anonymous',
      expected: 'identical answers',
      outcome: describeOutcome([known, unknown, anonymousKnown, anonymousUnknown]),
      tries: 2,
      through: (same(known, unknown) ? 0 : 1) + (same(anonymousKnown, anonymousUnknown) ? 0 : 1),
    });
  });

  test('users endpoint: hostile paging input from an authorised caller', async () => {
    const e = 'users (metrics listener)';
    const contoso = usersPath(env.namespace, 'contoso');
    await attack(
      e,
      'malformed / huge continue tokens',
      '400',
      env.metrics,
      ['!!!', 'x'.repeat(8000), '%00%00', encodeURIComponent('../../'), Buffer.from('no separator').toString('base64url')].map((c) => ({
        path: `${contoso}?continue=${c}`,
        headers: bearer(supportToken),
      })),
      (o) => status(o) === 400 && !leaks(o),
    );
    await attack(
      e,
      'hostile limit / filter / repeated parameters',
      'clamped 200 or 400, never 5xx',
      env.metrics,
      `limit=-1 limit=1e309 limit=NaN limit=99999999999999999999 limit=0x10 filter=__proto__ filter=constructor filter=${'a'.repeat(4000)}`
        .split(' ')
        .concat('limit=1&limit=2&continue=a&continue=b')
        .map((q) => ({ path: `${contoso}?${q}`, headers: bearer(supportToken) })),
      survivedClean,
    );
    await attack(
      e,
      'oversized headers (40 KB Authorization / If-None-Match)',
      '400/431 or closed',
      env.metrics,
      [
        { path: contoso, headers: { authorization: `Bearer ${'a'.repeat(40_000)}` } },
        { path: contoso, headers: { ...bearer(supportToken), 'if-none-match': `"${'b'.repeat(40_000)}"` } },
      ],
      refusedClean,
    );
  });

  test('PBX directory: missing, wrong and misplaced tokens, other ContactSyncs and namespaces', async () => {
    const e = 'PBX directory (presence port)';
    const bookA = contactsPath(env.namespace, 'book-a');
    const bookB = contactsPath(env.namespace, 'book-b');
    await attack(
      e,
      'no token (existing and unknown ContactSync)',
      '401',
      env.presence,
      [{ path: bookA }, { path: contactsPath(env.namespace, 'nosuch') }],
      (o) => status(o) === 401 && refusedClean(o),
    );
    await attack(
      e,
      'wrong token (made up, truncated, padded, the support ServiceAccount token)',
      '403',
      env.presence,
      [bearer('guess'), bearer(TOKEN_A.slice(0, -1)), bearer(`${TOKEN_A}x`), bearer(supportToken)].map((headers) => ({ path: bookA, headers })),
      (o) => status(o) === 403 && refusedClean(o),
    );
    await attack(
      e,
      'token of ContactSync A on B, on A of another namespace, on default',
      '403',
      env.presence,
      [
        { path: bookB, headers: bearer(TOKEN_A) },
        { path: bookA, headers: bearer(TOKEN_B) },
        { path: contactsPath(otherNamespace, 'book-a'), headers: bearer(TOKEN_A) },
        { path: contactsPath(otherNamespace, 'book-a'), headers: bearer(TOKEN_B) },
        { path: contactsPath('default', 'book-a'), headers: bearer(TOKEN_A) },
      ],
      (o) => status(o) === 403 && refusedClean(o),
    );
    await attack(
      e,
      'token in the query string / Basic scheme / two tokens',
      '401/403',
      env.presence,
      [
        { path: `${bookA}?access_token=${TOKEN_A}` },
        { path: `${bookA}?token=${TOKEN_A}` },
        { path: bookA, headers: basic(TOKEN_A) },
        { path: bookA, headers: { authorization: `Bearer guess Bearer ${TOKEN_A}` } },
      ],
      refusedClean,
    );
    await attack(
      e,
      'path tricks: traversal, encoded slashes, overlong names, other methods',
      '4xx, never a page',
      env.presence,
      [
        { path: `${bookA}/../book-b`, headers: bearer(TOKEN_A) },
        { path: `${bookA}%2F..%2Fbook-b`, headers: bearer(TOKEN_A) },
        { path: `/contacts/${env.namespace}%2Fbook-b`, headers: bearer(TOKEN_A) },
        { path: `/contacts/..%2F${env.namespace}/book-b`, headers: bearer(TOKEN_A) },
        { path: contactsPath(env.namespace, 'b'.repeat(300)), headers: bearer(TOKEN_A) },
        { path: contactsPath('n'.repeat(70), 'book-a'), headers: bearer(TOKEN_A) },
        { path: `${bookA}/entries`, headers: bearer(TOKEN_A) },
        { method: 'POST', path: bookA, headers: { ...bearer(TOKEN_A), 'content-type': 'application/json' }, body: '{"entries":[]}' },
        { method: 'DELETE', path: bookA, headers: bearer(TOKEN_A) },
      ],
      refusedClean,
    );
    // An ETag is no oracle: a caller without the token never gets 304 for a tag it guessed or saw.
    const page = await send(env.presence, { path: bookB, headers: bearer(TOKEN_B) });
    const etag = page.kind === 'answered' ? (page.headers.etag ?? '') : '';
    await attack(
      e,
      "B's current ETag in If-None-Match without / with A's token",
      '401/403, never 304',
      env.presence,
      [
        { path: bookB, headers: { 'if-none-match': etag } },
        { path: bookB, headers: { ...bearer(TOKEN_A), 'if-none-match': etag } },
      ],
      (o) => (status(o) === 401 || status(o) === 403) && refusedClean(o),
    );
    const existing = await send(env.presence, { path: bookB, headers: bearer(TOKEN_A) });
    const unknown = await send(env.presence, { path: contactsPath(env.namespace, 'nosuch'), headers: bearer(TOKEN_A) });
    const same = existing.kind === 'answered' && unknown.kind === 'answered' && existing.status === unknown.status && existing.body === unknown.body;
    log.record({
      endpoint: e,
      attack: 'existence oracle: an existing vs an unknown ContactSync with a wrong token',
      expected: 'identical answers',
      outcome: describeOutcome([existing, unknown]),
      tries: 1,
      through: same ? 0 : 1,
    });
  });

  test('PBX directory: hostile since / cursor / limit / If-None-Match from an authorised caller', async () => {
    const e = 'PBX directory (presence port)';
    const bookA = contactsPath(env.namespace, 'book-a');
    const first = await send(env.presence, { path: bookA, headers: bearer(TOKEN_A) });
    const syncToken = (JSON.parse(first.kind === 'answered' ? first.body : '{}') as { syncToken?: string }).syncToken ?? '';
    const epoch = syncToken.split('.')[0] ?? '';
    const bSync = await send(env.presence, { path: contactsPath(env.namespace, 'book-b'), headers: bearer(TOKEN_B) });
    const bToken = (JSON.parse(bSync.kind === 'answered' ? bSync.body : '{}') as { syncToken?: string }).syncToken ?? '';
    const a = (query: string, headers: Record<string, string> = {}): Attempt => ({ path: `${bookA}?${query}`, headers: { ...bearer(TOKEN_A), ...headers } });
    await attack(
      e,
      'malformed / huge since tokens',
      '400',
      env.presence,
      ['', '-1', 'abc', '9'.repeat(8000), `${epoch}.${'9'.repeat(30)}`, `${epoch}.1e5`, `${epoch}.-1`, `${epoch}.0x10`, `${'e'.repeat(40)}.1`]
        .concat([`${epoch}.1\u0000`, '\u{1F600}.1'].map(encodeURIComponent))
        .map((since) => a(`since=${since}`)),
      (o) => status(o) === 400 && !leaks(o),
    );
    await attack(
      e,
      "well-formed but foreign since tokens (future sequence, another epoch, B's token on A)",
      '410',
      env.presence,
      [`since=${epoch}.999999999999999`, 'since=deadbeef0000.0', `since=${bToken}`].map((q) => a(q)),
      (o) => status(o) === 410 && !leaks(o),
    );
    await attack(
      e,
      'malformed / huge / foreign cursors and limits',
      '400/410',
      env.presence,
      `cursor=!!! cursor=${'x'.repeat(8000)} limit=0 limit=-5 limit=1001 limit=1e4 limit=NaN limit=${'9'.repeat(400)}`
        .split(' ')
        .concat(['no bar at all', 'deadbeef0000.0|'].map((c) => `cursor=${Buffer.from(c).toString('base64url')}`))
        .map((q) => a(q)),
      (o) => (status(o) === 400 || status(o) === 410) && !leaks(o),
    );
    await attack(
      e,
      "hostile If-None-Match (8 KB, *, lists, another ContactSync's tag) and repeated parameters",
      'any 200/304, never 5xx',
      env.presence,
      [
        a('', { 'if-none-match': `"${'c'.repeat(8000)}"` }),
        a('', { 'if-none-match': '*' }),
        a('', { 'if-none-match': `W/"x", "y", ${'"z", '.repeat(500)}"w"` }),
        a('', { 'if-none-match': (bSync.kind === 'answered' ? bSync.headers.etag : undefined) ?? '"b"' }),
        a(`limit=1&limit=2&since=${syncToken}&since=x`),
        a(`since=${syncToken}&cursor=!!!`),
      ],
      (o) => (status(o) === 200 || status(o) === 304) && !secrets.some((s) => o.kind === 'answered' && o.body.includes(s)),
    );
  });

  test('unparsable request targets (GET //, //[) are answered and do not stop the daemon', async () => {
    const targets = ['//', '//[', '//a:b@/x', '//x:99999/metrics', '//[/contacts/x/y'];
    for (const [endpoint, target] of Object.entries({ 'metrics listener': env.metrics, 'presence port': env.presence, 'health probes': env.health })) {
      await attack(
        endpoint,
        'unparsable request targets',
        '400',
        target,
        targets.map((path) => ({ path })),
        refusedClean,
      );
    }
    const healthz = await send(env.health, { path: '/healthz' });
    const users = await send(env.metrics, { path: usersPath(env.namespace, 'contoso'), headers: bearer(supportToken) });
    const up = status(healthz) === 200 && status(users) === 200;
    log.record({
      endpoint: 'daemon',
      attack: 'still up after unparsable targets',
      expected: 'healthz 200, users 200',
      outcome: describeOutcome([healthz, users]),
      tries: 1,
      through: up ? 0 : 1,
    });
    assert.ok(up, `the daemon stopped answering: ${env.daemon.lines().slice(-10).join('\n')}`);
  });

  test('slow clients on both endpoints: probes, metrics and the directory keep being served', async () => {
    const slowUsers = slowHeaders(env.metrics, usersPath(env.namespace, 'contoso'), 40, 90_000);
    const slowContacts = slowHeaders(env.presence, contactsPath(env.namespace, 'book-a'), PRESENCE_MAX_CONNECTIONS - 8, 90_000);
    const served: Outcome[] = [];
    for (let round = 0; round < 3; round++) {
      served.push(
        ...(await Promise.all([
          send(env.health, { path: '/healthz' }),
          send(env.metrics, { path: '/metrics', headers: bearer(env.metricsToken) }),
          send(env.metrics, { path: usersPath(env.namespace, 'contoso'), headers: bearer(supportToken) }),
          send(env.presence, { path: contactsPath(env.namespace, 'book-a'), headers: bearer(TOKEN_A) }),
        ])),
      );
    }
    const [users, contacts] = await Promise.all([slowUsers, slowContacts]);
    log.record({
      endpoint: 'metrics listener + presence port',
      attack: `slow headers (${String(users.opened)} on users, ${String(contacts.opened)} on the directory)`,
      expected: 'closed by the daemon',
      outcome: `${String(users.closedByServer + contacts.closedByServer)}/${String(users.opened + contacts.opened)} closed`,
      tries: users.opened + contacts.opened,
      through: users.opened - users.closedByServer + (contacts.opened - contacts.closedByServer),
    });
    const ok = served.filter((o) => status(o) === 200).length;
    log.record({
      endpoint: 'daemon',
      attack: 'legitimate requests during the slow clients',
      expected: 'all 200',
      outcome: describeOutcome(served),
      tries: served.length,
      through: served.length - ok,
    });
    assert.equal(ok, served.length, describeOutcome(served));
  });

  test('a standby replica tells an unauthorised caller nothing about which objects exist', async () => {
    const standby = await startDaemon({
      controlPlane: { ...apiserverEndpoint(), kubectl: process.env['TSC_KUBECTL'] ?? 'kubectl', kubeconfigPath: kubeconfigPath() },
      graph: { authorityHost: env.sim.loginUrl, baseUrl: env.sim.graphUrl, caBundle: env.sim.caFile },
      flags: env.flags,
    });
    try {
      const presence: Target = { port: Number(new URL(standby.presenceUrl).port), ca: env.presenceCa };
      const metrics: Target = { port: Number(new URL(standby.metricsUrl).port), ca: env.presenceCa };
      const e = 'PBX directory (standby)';
      const contacts = await attack(
        e,
        'existing / unknown ContactSync, no / wrong / right token',
        '503 + Retry-After for all alike',
        presence,
        [
          { path: contactsPath(env.namespace, 'book-a') },
          { path: contactsPath(env.namespace, 'nosuch') },
          { path: contactsPath(env.namespace, 'book-a'), headers: bearer('guess') },
          { path: contactsPath(env.namespace, 'nosuch'), headers: bearer('guess') },
          { path: contactsPath(env.namespace, 'book-a'), headers: bearer(TOKEN_A) },
        ],
        (o) => status(o) === 503 && o.kind === 'answered' && o.headers['retry-after'] !== undefined && refusedClean(o),
      );
      const bodies = new Set(contacts.map((o) => (o.kind === 'answered' ? o.body : o.kind)));
      log.record({
        endpoint: e,
        attack: 'existence oracle on a standby',
        expected: 'one answer for all',
        outcome: `${String(bodies.size)} distinct`,
        tries: 1,
        through: bodies.size === 1 ? 0 : 1,
      });
      const u = 'users (standby metrics listener)';
      await attack(
        u,
        'no token on an existing / unknown tenant',
        '401',
        metrics,
        [{ path: usersPath(env.namespace, 'contoso') }, { path: usersPath(env.namespace, 'nosuch') }],
        (o) => status(o) === 401 && refusedClean(o),
      );
      await attack(
        u,
        'support token on an existing / unknown tenant it may not read',
        '403 alike',
        metrics,
        [usersPath(env.namespace, 'fabrikam'), usersPath(env.namespace, 'nosuch')].map((path) => ({ path, headers: bearer(supportToken) })),
        (o) => status(o) === 403 && refusedClean(o),
      );
      await attack(
        u,
        'support token on its own tenant (a standby holds no directory)',
        '404, no data',
        metrics,
        [{ path: usersPath(env.namespace, 'contoso'), headers: bearer(supportToken) }],
        (o) => status(o) === 404 && refusedClean(o),
      );
      const leakedLines = standby.lines().filter((line) => secrets.some((secret) => line.includes(secret))).length;
      log.record({
        endpoint: 'standby',
        attack: 'tokens in the standby log',
        expected: '0 lines',
        outcome: `${String(leakedLines)} lines`,
        tries: 1,
        through: leakedLines,
      });
    } finally {
      await standby.stop();
    }
  });

  test('no token or secret of this file in the daemon log or the Events; nothing got through', async () => {
    assert.ok(env.daemon.running(), 'the daemon process is alive');
    const leakedLines = env.daemon.lines().filter((line) => secrets.some((secret) => line.includes(secret))).length;
    log.record({
      endpoint: 'daemon',
      attack: 'tokens in the daemon log',
      expected: '0 lines',
      outcome: `${String(leakedLines)} lines`,
      tries: 1,
      through: leakedLines,
    });
    let leakedEvents = 0;
    for (const namespace of [env.namespace, otherNamespace]) {
      const events = await kubectl(['get', 'events', '-o', 'json'], { namespace });
      assert.equal(events.code, 0, events.stderr);
      leakedEvents += secrets.filter((secret) => events.stdout.includes(secret)).length;
    }
    log.record({ endpoint: 'daemon', attack: 'tokens in Events', expected: '0', outcome: String(leakedEvents), tries: 1, through: leakedEvents });
    assert.deepEqual(
      log.unexpectedBreaches().map((b) => `${b.endpoint}: ${b.attack} → ${b.outcome}`),
      [],
      'nothing got through',
    );
  });
});
