import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createPresenceMetrics } from '../../../pkg/presence/metrics.ts';

test('createPresenceMetrics: registers the documented series on the given registry only', async () => {
  const registry = new Registry();
  const metrics = createPresenceMetrics(registry);
  metrics.webhookDeliveries.inc({ sync: 'ns/p', result: 'delivered' });
  metrics.pbxEvents.inc({ sync: 'ns/p', state: 'onCall' });
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
  assert.deepEqual(names, [
    'presence_call_sessions_active',
    'presence_http_refused_total',
    'presence_last_successful_poll_timestamp_seconds',
    'presence_pbx_events_total',
    'presence_poll_duration_seconds',
    'presence_poll_interval_seconds',
    'presence_stream_clients',
    'presence_stream_head_event_id',
    'presence_updates_published_total',
    'presence_users_tracked',
    'presence_users_unmatched',
    'presence_webhook_deliveries_total',
    'presence_webhook_last_delivery_timestamp_seconds',
  ]);
  assert.match(await registry.metrics(), /presence_webhook_deliveries_total\{sync="ns\/p",result="delivered"\} 1/);
  assert.doesNotThrow(() => createPresenceMetrics(new Registry()), 'a second registry is independent');
});
