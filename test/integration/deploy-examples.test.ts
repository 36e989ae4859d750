import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { createApp } from '../../src/api/app.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import { parseConfigText } from '../../src/config/load.js';
import type { SupervisorConfig } from '../../src/config/types.js';
import { repoRoot } from '../helpers/paths.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend } from '../helpers/status-builder.js';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

const configFrom = (text: string, file: string, env: Record<string, string>): SupervisorConfig => {
  const parsed = parseConfigText(text, { file, env });
  if (!parsed.ok) throw new Error(`${file}: ${JSON.stringify(parsed.issues)}`);
  return parsed.config;
};

const servers: ApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The status a path gets from hale's API (healthy plugins): the probes must name routes it serves. */
const statusOfPath = async (path: string): Promise<number> => {
  const backend = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter')]));
  const server = await startApiServer({ app: createApp({ backend, token: 't' }), host: '127.0.0.1', port: 0 });
  servers.push(server);
  return (await fetch(`${server.url}${path}`)).status;
};

type Container = {
  args: string[];
  ports: Array<{ name: string; containerPort: number }>;
  env: Array<{ name: string }>;
  startupProbe: { grpc: { port: number; service: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
};

describe('examples/kubernetes', () => {
  const documents = parseAllDocuments(read('examples/kubernetes/hale.yaml')).map((doc) => doc.toJS() as { kind: string; [key: string]: unknown });
  const configMap = documents.find((doc) => doc.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
  const deployment = documents.find((doc) => doc.kind === 'Deployment') as unknown as {
    spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: Container[] } } };
  };

  test('probes hale where it answers: liveness, readiness over HTTP, and the native gRPC probe on grpc.address', async () => {
    const config = configFrom(configMap.data['supervisor.yaml'] ?? '', '/etc/hale/supervisor.yaml', { HALE_API_TOKEN: 'from-the-secret' });
    const spec = deployment.spec.template.spec;
    const container = spec.containers[0] as Container;
    const named = (name: string) => container.ports.find((p) => p.name === name)?.containerPort;
    expect(named('http')).toBe(config.api.port);
    expect(named('grpc')).toBe(portOf(config.grpc.address));
    expect(container.startupProbe.grpc).toEqual({ port: portOf(config.grpc.address), service: '' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/liveness', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/readiness', port: 'http' });
    for (const path of [container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path]) expect(await statusOfPath(path)).toBe(200);
    // The token the config needs on 0.0.0.0 comes from the secret.
    expect(container.env.map((e) => e.name)).toContain('HALE_API_TOKEN');
    expect(config.api.token).toBe('from-the-secret');
    // Room for every plugin's staged stop.
    const slowest = Math.max(...config.plugins.map((p) => p.stopTimeout));
    expect(spec.terminationGracePeriodSeconds * 1_000).toBeGreaterThan(slowest + 5_000);
    expect(container.args).toEqual(['hale', 'run', '-c', '/etc/hale/supervisor.yaml']);
  });
});

describe('examples/docker', () => {
  const dockerfile = read('examples/docker/Dockerfile');
  const instructions = dockerfile.split('\n').filter((line) => /^[A-Z]+ /.test(line));
  const last = (name: string) => instructions.filter((line) => line.startsWith(`${name} `)).at(-1) ?? '';

  test('builds in stages, runs as a non-root user behind an init, and checks itself with hale healthcheck', () => {
    expect(instructions.filter((line) => line.startsWith('FROM '))).toHaveLength(2);
    expect(last('USER')).toBe('USER node');
    expect(last('ENTRYPOINT')).toBe('ENTRYPOINT ["tini", "--"]');
    expect(last('HEALTHCHECK')).toMatch(/CMD \["hale", "healthcheck"\]$/);
    expect(last('CMD')).toBe('CMD ["hale", "run", "-c", "/etc/hale/supervisor.yaml"]');
  });

  test('its config serves the ports it exposes, with a token from the environment, and plugins that the image holds', () => {
    const config = configFrom(read('examples/docker/supervisor.yaml'), '/etc/hale/supervisor.yaml', { HALE_API_TOKEN: 'x' });
    const exposed = last('EXPOSE').split(' ').slice(1).map(Number);
    expect(exposed).toEqual([config.api.port, portOf(config.grpc.address)]);
    expect(parseConfigText(read('examples/docker/supervisor.yaml'), { file: 'docker.yaml', env: {} }).ok).toBe(false);
    for (const plugin of config.plugins) expect(plugin.args[0]).toMatch(/^\/app\/dist\/plugins\/[a-z]+\/main\.js$/);
    expect(dockerfile).toContain('COPY --from=build /app/dist dist');
  });

  test('compose: another service waits for hale to be healthy; the grace covers the stop', () => {
    type Service = { depends_on?: unknown; build?: { dockerfile: string }; stop_grace_period?: string };
    const { services } = parse(read('examples/docker/compose.yaml')) as { services: Record<string, Service> };
    expect(services['app']?.depends_on).toEqual({ hale: { condition: 'service_healthy' } });
    expect(services['hale']?.build?.dockerfile).toBe('examples/docker/Dockerfile');
    expect(services['hale']?.stop_grace_period).toBe('30s');
  });
});

describe('examples/systemd', () => {
  const unit = read('examples/systemd/hale.service');
  const settings = new Map(unit.split('\n').filter((line) => /^[A-Za-z]+=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));

  test('stops hale first and the cgroup after, restarts it on failure, gives it a state dir and the token as a credential', () => {
    expect(settings.get('KillMode')).toBe('mixed');
    expect(settings.get('Restart')).toBe('on-failure');
    expect(settings.get('StateDirectory')).toBe('hale');
    expect(settings.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(settings.get('LoadCredential')).toBe('api-token:/etc/hale/api-token');
    expect(Number(settings.get('TimeoutStopSec'))).toBeGreaterThan(10);
  });

  test('its config reads the token from the credential and keeps state where systemd says', () => {
    // As systemd hands a credential over: a file only the service's user reads.
    const credentials = mkdtempSync(join(tmpdir(), 'hale-credentials-'));
    try {
      writeFileSync(join(credentials, 'api-token'), 'from-a-credential\n', { mode: 0o600 });
      const config = configFrom(read('examples/systemd/supervisor.yaml'), '/etc/hale/supervisor.yaml', {
        CREDENTIALS_DIRECTORY: credentials,
        STATE_DIRECTORY: '/var/lib/hale',
      });
      expect(config.api).toMatchObject({ token: 'from-a-credential', tokenSource: 'tokenFile' });
      expect(config.stateDir).toBe('/var/lib/hale');
    } finally {
      rmSync(credentials, { recursive: true, force: true });
    }
  });
});
