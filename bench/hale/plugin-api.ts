/** A plugin as GET /plugins/status shows it (the fields the benches read). */
export interface StatusEntry {
  name: string;
  pid: number | null;
  state: string;
  address: string | null;
}

/** One recorded check as GET /plugins/health shows it. */
export interface CheckEntry {
  time: string;
  outcome: string;
  responseTimeMs: number;
}

/** A plugin as GET /plugins/health shows it (the fields the benches read). */
export interface HealthEntry {
  name: string;
  state: string;
  recentChecks: CheckEntry[];
}

const readJson = async (url: string): Promise<unknown> => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return response.json();
};

/**
 * GET /plugins/status: every plugin's pid, state and address.
 *
 * @example
 * const [greeter] = await readPluginStatus(bench.url); // { name: 'greeter', pid: 4242, state: 'healthy', address: 'unix:/…' }
 */
export const readPluginStatus = async (url: string): Promise<StatusEntry[]> => {
  const body = (await readJson(`${url}/plugins/status`)) as { plugins: StatusEntry[] };
  return body.plugins;
};

/**
 * GET /plugins/health: every plugin with its recent checks (up to 20 each, oldest first).
 *
 * @example
 * const plugins = await readPluginHealth(bench.url);
 * plugins[0]?.recentChecks.at(-1)?.responseTimeMs; // 0.41
 */
export const readPluginHealth = async (url: string): Promise<HealthEntry[]> => {
  const body = (await readJson(`${url}/plugins/health`)) as { plugins: Record<string, HealthEntry> };
  return Object.values(body.plugins);
};

/**
 * The running pid of `name`, or an error saying what state it is in instead.
 *
 * @example
 * const pid = await readPluginPid(bench.url, 'greeter');
 */
export const readPluginPid = async (url: string, name: string): Promise<number> => {
  const entry = (await readPluginStatus(url)).find((p) => p.name === name);
  if (entry?.pid == null) throw new Error(`plugin ${name} has no running process (${entry?.state ?? 'not configured'})`);
  return entry.pid;
};
