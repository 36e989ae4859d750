import { Hono } from 'hono';
import type { HaleMetrics } from '../../metrics/create-metrics.js';
import { answerError, rejectMethod } from '../errors.js';

/**
 * GET / — the Prometheus scrape, in the registry's text format. Mounted at
 * /metrics. A scrape that fails answers 500 with the JSON error shape.
 *
 * @example
 * app.route('/metrics', createMetricsRoutes({ metrics: createMetrics(supervisor) }));
 * // GET /metrics → 200 text/plain; version=0.0.4 … hale_plugin_up{plugin="greeter"} 1
 */
export const createMetricsRoutes = (options: { metrics: HaleMetrics }): Hono => {
  const { metrics } = options;
  const routes = new Hono();

  routes.get('/', async (c) => {
    try {
      const { contentType, text } = await metrics.render();
      return c.body(text, 200, { 'Content-Type': contentType });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return answerError(c, 500, 'internal_error', `could not render the metrics: ${why}`);
    }
  });

  routes.all('/', rejectMethod('GET, HEAD'));
  return routes;
};
