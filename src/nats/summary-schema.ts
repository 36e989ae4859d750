// The summary a hub publishes on `{prefix}.{hub}.health.summary`, as one zod schema: the type hale writes is
// inferred from it, and the schema this hale reads other hubs' summaries with is it, loosened where they may differ.
import { z } from 'zod';
import { pluginStates } from '../model/plugin-state.js';

/** One service in a summary: the summary's fields (README, NATS), then hale's own. */
const summaryServiceSchema = z.object({
  name: z.string().min(1),
  /** A plugin hale runs, or a dependency under `checks:` it only checks. */
  type: z.enum(['plugin', 'check']),
  /** Serving, serving with trouble, or not serving. */
  status: z.enum(['up', 'degraded', 'down']),
  /** hale's own word: `restarting`, `failed`, `unknown` … (a dependency's states are among a plugin's). */
  state: z.enum(pluginStates),
  critical: z.boolean(),
  /** The last check's, or null before the first. */
  latency_ms: z.number().nonnegative().nullable(),
  /** The plugin's GetInfo version; '' when it gave none, and for checks. */
  version: z.string(),
  /** Null while no process runs, and for checks. */
  uptime_seconds: z.number().nonnegative().nullable(),
  restart_count: z.number().int().nonnegative(),
  /**
   * May it take work: a plugin serving with its readiness probe (if any)
   * passing, a check serving. Optional: hubs from before it send none.
   */
  ready: z.boolean().optional(),
});

/** A hub's whole state, in the summary shape the README documents. */
export const healthSummarySchema = z.object({
  hub_id: z.string().min(1),
  timestamp: z.iso.datetime({ offset: true }),
  overall_status: z.enum(['healthy', 'degraded', 'unhealthy']),
  services: z.array(summaryServiceSchema),
  /** The dependencies under `checks:`, as services of type `check`. */
  checks: z.array(summaryServiceSchema),
  /** The supervisor itself; `shutting_down` is true in the last summary of a hale that is stopping. */
  hale: z.object({
    version: z.string(),
    pid: z.number().int().nonnegative(),
    uptime_seconds: z.number().nonnegative(),
    shutting_down: z.boolean(),
  }),
  /** How often a summary comes when nothing changes; a reader can tell a silent hub by it. */
  interval_seconds: z.number().positive(),
});

export type SummaryService = z.infer<typeof summaryServiceSchema>;
export type HealthSummary = z.infer<typeof healthSummarySchema>;
export type ServiceStatus = SummaryService['status'];
export type ServiceType = SummaryService['type'];

// Loose objects: a newer hub may send fields (and states) this one does not know; they are kept and shown as sent.
const heardServiceSchema = summaryServiceSchema.extend({ state: z.string() }).loose();

/**
 * A summary as this hale accepts it from any hub: the summary's schema, but
 * for a state in words it may not know, no `checks` (a hub that sends its
 * dependencies among its services is read all the same), no `shutting_down`,
 * and fields it does not know kept.
 *
 * @example
 * heardSummarySchema.safeParse(JSON.parse(text)).success; // true for what buildSummary makes
 */
export const heardSummarySchema = healthSummarySchema
  .extend({
    services: z.array(heardServiceSchema),
    checks: z.array(heardServiceSchema).optional(),
    hale: healthSummarySchema.shape.hale.omit({ shutting_down: true }).loose(),
  })
  .loose();

/** One service in a summary another hub sent, as it sent it. */
export type HeardService = z.output<typeof heardServiceSchema>;

/** A summary another hub sent, checked; fields this hale does not know are kept. */
export type HeardSummary = z.output<typeof heardSummarySchema>;
