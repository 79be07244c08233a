// The webhook's metrics; the exposition format is lib/metrics.ts's.
import { Counter, Gauge, Histogram, renderFamilies } from '../lib/metrics.js';

export function createWebhookMetrics() {
  const metrics = {
    requests: new Counter(
      'medusa_webhook_admission_requests_total',
      'Admission requests by route, kind, operation and result.',
    ),
    duration: new Histogram(
      'medusa_webhook_admission_duration_seconds',
      'Time to answer an admission request.',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    errors: new Counter(
      'medusa_webhook_errors_total',
      'Requests that could not be decided (bad body, lookup failure, bug).',
    ),
    inFlight: new Gauge('medusa_webhook_requests_in_flight', 'Admission requests being answered.', 0),
    certificateReloads: new Counter(
      'medusa_webhook_certificate_reloads_total',
      'Serving certificate reloads by result.',
    ),
  };
  return {
    ...metrics,
    render: (): string => renderFamilies(Object.values(metrics).map((m) => m.family())),
  };
}

export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>;
