import type { ComponentHealth, HealthReport, HealthStatus, PluginInfo } from '../model/health-report.js';
import { keepUntrustedText } from '../text/bounded-text.js';

/**
 * What hale keeps of a plugin's answers, in UTF-8 bytes (text) and entries: an
 * answer is untrusted input, and what is kept of it is copied, never sliced,
 * so a huge answer is not held in memory by the little that is kept.
 */
export const answerLimits = {
  /** A whole answer; a larger one is refused unread and the call fails. */
  answerBytes: 1024 * 1024,
  healthMessageBytes: 1_024,
  components: 64,
  componentNameBytes: 128,
  componentMessageBytes: 256,
  /** GetInfo's name and version. */
  infoFieldBytes: 256,
  infoDescriptionBytes: 1_024,
  /** The details of an error the plugin answered with. */
  errorBytes: 1_024,
} as const;

const statusNames: Record<string, HealthStatus> = {
  HEALTHY: 'healthy',
  DEGRADED: 'degraded',
  UNHEALTHY: 'unhealthy',
  UNKNOWN: 'unknown',
};

const toStatus = (raw: unknown): HealthStatus => (typeof raw === 'string' ? statusNames[raw] : undefined) ?? 'unknown';

const toNumber = (raw: unknown): number => (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 ? raw : 0);

const field = (raw: unknown, key: string): unknown =>
  typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[key] : undefined;

const toComponent = (raw: unknown): ComponentHealth => ({
  name: keepUntrustedText(field(raw, 'name'), answerLimits.componentNameBytes),
  status: toStatus(field(raw, 'status')),
  critical: field(raw, 'critical') === true,
  latencyMs: toNumber(field(raw, 'latencyMs')),
  message: keepUntrustedText(field(raw, 'message'), answerLimits.componentMessageBytes),
});

/**
 * A HealthCheck answer as hale keeps it: every text copied and cut to
 * answerLimits, at most answerLimits.components components.
 *
 * @example
 * toHealthReport({ status: 'HEALTHY', message: 'x'.repeat(5_000) }).message.length; // 1025: 1,024 bytes and '…'
 */
export const toHealthReport = (raw: unknown): HealthReport => {
  const components = field(raw, 'components');
  return {
    status: toStatus(field(raw, 'status')),
    message: keepUntrustedText(field(raw, 'message'), answerLimits.healthMessageBytes),
    components: Array.isArray(components) ? components.slice(0, answerLimits.components).map(toComponent) : [],
  };
};

// A day: past it a latency is a lie, and kept as the bound.
const maxPushedLatencyMs = 86_400_000;

/**
 * A WatchHealth message as hale keeps it: the report (as toHealthReport) and
 * the latency the plugin says its run took, a finite number of ms held
 * between 0 and a day (0 when it says nothing or nonsense).
 *
 * @example
 * toPushedHealth({ status: 'HEALTHY', latencyMs: 12.5 }).latencyMs; // 12.5
 */
export const toPushedHealth = (raw: unknown): { report: HealthReport; latencyMs: number } => {
  return { report: toHealthReport(raw), latencyMs: Math.min(maxPushedLatencyMs, toNumber(field(raw, 'latencyMs'))) };
};

/**
 * A GetInfo answer as hale keeps it, every field copied and cut to answerLimits.
 *
 * @example
 * toPluginInfo({ name: 'greeter', version: '1.0.0' }); // { name: 'greeter', version: '1.0.0', description: '' }
 */
export const toPluginInfo = (raw: unknown): PluginInfo => ({
  name: keepUntrustedText(field(raw, 'name'), answerLimits.infoFieldBytes),
  version: keepUntrustedText(field(raw, 'version'), answerLimits.infoFieldBytes),
  description: keepUntrustedText(field(raw, 'description'), answerLimits.infoDescriptionBytes),
});
