import type { ComponentHealth, HealthReport, HealthStatus } from '../model/health-report.js';

const statuses: ReadonlySet<string> = new Set<HealthStatus>(['healthy', 'degraded', 'unhealthy']);

const field = (raw: unknown, key: string): unknown =>
  typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[key] : undefined;

const text = (raw: unknown): string => (typeof raw === 'string' ? raw : '');

const toStatus = (raw: unknown): HealthStatus | null => (typeof raw === 'string' && statuses.has(raw) ? (raw as HealthStatus) : null);

const toComponent = (raw: unknown): ComponentHealth => {
  const latency = field(raw, 'latencyMs');
  return {
    name: text(field(raw, 'name')),
    status: toStatus(field(raw, 'status')) ?? 'unknown',
    critical: field(raw, 'critical') === true,
    latencyMs: typeof latency === 'number' && Number.isFinite(latency) && latency >= 0 ? latency : 0,
    message: text(field(raw, 'message')),
  };
};

/**
 * The author's health answer (a HealthReportInput) as a full HealthReport. The answer is checked,
 * not trusted: a JavaScript caller can return anything, and an answer
 * without a known status is an UNHEALTHY that says so.
 *
 * @example
 * toHealthReport({ status: 'degraded', message: 'cache cold' });
 * // { status: 'degraded', message: 'cache cold', components: [] }
 */
export const toHealthReport = (input: unknown): HealthReport => {
  const status = toStatus(field(input, 'status'));
  const components = field(input, 'components');
  if (status === null) {
    return {
      status: 'unhealthy',
      message: `health() returned no valid status (got ${JSON.stringify(field(input, 'status')) ?? 'nothing'}; expected healthy, degraded or unhealthy)`,
      components: [],
    };
  }
  return {
    status,
    message: text(field(input, 'message')),
    components: Array.isArray(components) ? components.map(toComponent) : [],
  };
};

/**
 * Asks the author's `health()` and turns whatever happens into a report: a
 * throw or a rejection is UNHEALTHY with its message, since a plugin's bug is
 * a value the supervisor should see, not a crash. No `health()` means healthy.
 *
 * @example
 * await readHealth(() => { throw new Error('db down'); }); // { status: 'unhealthy', message: 'health() failed: db down', components: [] }
 */
export const readHealth = async (health: (() => unknown) | undefined): Promise<HealthReport> => {
  if (health === undefined) return { status: 'healthy', message: '', components: [] };
  try {
    return toHealthReport(await health());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'unhealthy', message: `health() failed: ${message}`, components: [] };
  }
};
