import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { createApp } from '../../src/api/app.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import { parseConfigText } from '../../src/config/load.js';
import type { SupervisorConfig } from '../../src/config/types.js';
import { contextFiles, parseCopy, parseDockerignore, parseStages, type Stage } from '../helpers/dockerfile.js';
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
  const documents = parseAllDocuments(read('examples/kubernetes/hale.yaml')).map(
    (doc) => doc.toJS() as { kind: string; [key: string]: unknown },
  );
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
    for (const path of [container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path])
      expect(await statusOfPath(path)).toBe(200);
    // The token the config needs on 0.0.0.0 comes from the secret.
    expect(container.env.map((e) => e.name)).toContain('HALE_API_TOKEN');
    expect(config.api.token).toBe('from-the-secret');
    // Room for every plugin's staged stop.
    const slowest = Math.max(...config.plugins.map((p) => p.stopTimeout));
    expect(spec.terminationGracePeriodSeconds * 1_000).toBeGreaterThan(slowest + 5_000);
    expect(container.args).toEqual(['hale', 'run', '-c', '/etc/hale/supervisor.yaml']);
  });
});

type SecurityContext = {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  procMount?: string;
  seccompProfile?: { type: string };
  capabilities?: { add?: string[]; drop?: string[] };
  windowsOptions?: { hostProcess?: boolean };
  sysctls?: unknown[];
};
type PodContainer = {
  name: string;
  securityContext?: SecurityContext;
  ports?: Array<{ hostPort?: number }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
};
type PodSpec = {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext;
  containers: PodContainer[];
  initContainers?: PodContainer[];
  ephemeralContainers?: PodContainer[];
  volumes?: Array<Record<string, unknown> & { name: string }>;
};

// The volume types the Pod Security Standards' restricted profile allows (kubernetes.io/docs/concepts/security/pod-security-standards).
const restrictedVolumeTypes = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** What the restricted profile (with the baseline it includes) refuses in a pod, in words; empty when it admits it. */
const restrictedViolations = (pod: PodSpec): string[] => {
  const found: string[] = [];
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (pod[field] === true) found.push(`${field}: true`);
  for (const volume of pod.volumes ?? []) {
    const types = Object.keys(volume).filter((key) => key !== 'name');
    for (const type of types) if (!restrictedVolumeTypes.has(type)) found.push(`volume ${volume.name}: ${type} is not allowed`);
  }
  const podContext = pod.securityContext ?? {};
  const containers = [...pod.containers, ...(pod.initContainers ?? []), ...(pod.ephemeralContainers ?? [])];
  for (const container of containers) {
    const where = `container ${container.name}`;
    const context = container.securityContext ?? {};
    if (context.privileged === true) found.push(`${where}: privileged`);
    if (context.windowsOptions?.hostProcess === true || podContext.windowsOptions?.hostProcess === true)
      found.push(`${where}: hostProcess`);
    if (context.procMount !== undefined && context.procMount !== 'Default') found.push(`${where}: procMount ${context.procMount}`);
    for (const port of container.ports ?? []) if ((port.hostPort ?? 0) !== 0) found.push(`${where}: hostPort ${port.hostPort}`);
    if (context.allowPrivilegeEscalation !== false) found.push(`${where}: allowPrivilegeEscalation must be false`);
    // Non-root: true on the pod or on the container, and false on neither.
    if (context.runAsNonRoot === false || (context.runAsNonRoot !== true && podContext.runAsNonRoot !== true))
      found.push(`${where}: runAsNonRoot must be true`);
    if (context.runAsUser === 0 || podContext.runAsUser === 0) found.push(`${where}: runAsUser 0`);
    const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      found.push(`${where}: seccompProfile must be RuntimeDefault or Localhost (is ${seccomp})`);
    if (!(context.capabilities?.drop ?? []).includes('ALL')) found.push(`${where}: capabilities must drop ALL`);
    for (const added of context.capabilities?.add ?? []) if (added !== 'NET_BIND_SERVICE') found.push(`${where}: adds capability ${added}`);
  }
  return found;
};

describe('examples/kubernetes: Pod Security "restricted"', () => {
  const documents = parseAllDocuments(read('examples/kubernetes/hale.yaml')).map(
    (doc) => doc.toJS() as { kind: string; metadata?: { labels?: Record<string, string> } },
  );
  const pods = documents.flatMap((doc) => {
    const spec = (doc as { spec?: { template?: { spec?: PodSpec } } }).spec;
    return spec?.template?.spec === undefined ? [] : [spec.template.spec];
  });

  test('the rules catch what they are about', () => {
    const open: PodSpec = {
      hostPID: true,
      containers: [{ name: 'c', securityContext: { runAsUser: 0, capabilities: { add: ['SYS_ADMIN'] } } }],
      volumes: [{ name: 'h', hostPath: {} }],
    };
    expect(restrictedViolations(open)).toEqual([
      'hostPID: true',
      'volume h: hostPath is not allowed',
      'container c: allowPrivilegeEscalation must be false',
      'container c: runAsNonRoot must be true',
      'container c: runAsUser 0',
      'container c: seccompProfile must be RuntimeDefault or Localhost (is undefined)',
      'container c: capabilities must drop ALL',
      'container c: adds capability SYS_ADMIN',
    ]);
  });

  test('every pod passes the restricted profile, in a namespace that enforces it', () => {
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) expect(restrictedViolations(pod)).toEqual([]);
    const namespace = documents.find((doc) => doc.kind === 'Namespace');
    expect(namespace?.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('every container has resource requests and limits, a read-only root, and somewhere to write its state and sockets', () => {
    for (const pod of pods) {
      for (const container of pod.containers) {
        expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
        expect(container.resources?.limits?.['memory']).toBeDefined();
        expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
        const writable = (container.volumeMounts ?? []).filter(
          (mount) => pod.volumes?.find((v) => v.name === mount.name)?.['emptyDir'] !== undefined,
        );
        // The state dir, and the temp dir where hale makes its plugins' socket folders.
        expect(writable.map((mount) => mount.mountPath).sort()).toEqual(['/tmp', '/var/lib/hale']);
      }
    }
  });

  test('holds no secret value: the token comes from a Secret the user creates', () => {
    expect(documents.filter((doc) => doc.kind === 'Secret')).toEqual([]);
    const text = read('examples/kubernetes/hale.yaml');
    expect(text).toMatch(/kubectl (-n hale )?create secret generic hale-api-token/);
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

const run = promisify(execFile);

/** What the builder is sent: the repository, less what .dockerignore leaves out. */
const dockerignored = parseDockerignore(existsSync(join(repoRoot, '.dockerignore')) ? read('.dockerignore') : '');

/**
 * Replays a stage's WORKDIR, ENV, COPY and RUN lines into `root` (the image's `/`), as the builder would with the
 * repository as its context: a COPY of something missing from the context, or left out of it, fails as it does there.
 */
const replayStage = async (stage: Stage, root: string, timeoutMs: number): Promise<{ workdir: string }> => {
  let workdir = '/';
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? tmpdir(),
    npm_config_prefer_offline: 'true',
  };
  const inImage = (path: string) => join(root, posix.resolve(workdir, path));
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, args);
      mkdirSync(inImage('.'), { recursive: true });
    } else if (keyword === 'ENV') {
      const equals = args.indexOf('=');
      env[args.slice(0, equals)] = args.slice(equals + 1);
    } else if (keyword === 'COPY') {
      const { flags, sources, destination } = parseCopy(args);
      expect(flags['from'], `${keyword} ${args}: a build stage copies from the context`).toBeUndefined();
      const intoFolder = destination.endsWith('/') || destination === '.' || sources.length > 1;
      for (const source of sources) {
        const relative = posix.normalize(source).replace(/^\/+/, '').replace(/\/+$/, '');
        const from = join(repoRoot, relative);
        if (!existsSync(from) || dockerignored(relative))
          throw new Error(`COPY ${args}: "${source}" is not in the build context (missing, or left out by .dockerignore)`);
        if (statSync(from).isDirectory()) {
          for (const file of contextFiles(repoRoot, dockerignored, relative)) {
            const to = join(inImage(destination), file.slice(relative.length + 1));
            mkdirSync(dirname(to), { recursive: true });
            cpSync(join(repoRoot, file), to);
          }
        } else {
          const to = intoFolder ? join(inImage(destination), posix.basename(relative)) : inImage(destination);
          mkdirSync(dirname(to), { recursive: true });
          cpSync(from, to);
        }
      }
    } else if (keyword === 'RUN') {
      try {
        await run('sh', ['-c', args], { cwd: inImage('.'), env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
      } catch (error) {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        throw new Error(`RUN ${args} failed in the replayed build stage:\n${stdout.slice(-3_000)}\n${stderr.slice(-3_000)}`);
      }
    }
  }
  return { workdir: inImage('.') };
};

describe('examples/docker: the image builds', () => {
  const stages = parseStages(read('examples/docker/Dockerfile'));
  const build = stages.find((stage) => stage.name === 'build');
  const runtime = stages.at(-1);

  test('the context leaves out what the build makes or does not need', () => {
    const files = contextFiles(repoRoot, dockerignored);
    for (const folder of ['node_modules/', 'dist/', '.git/', 'test-artifacts/', '.cache/']) {
      expect(files.filter((file) => file.startsWith(folder)).length, `files under ${folder} in the context`).toBe(0);
    }
    const bytes = files.reduce((sum, file) => sum + statSync(join(repoRoot, file)).size, 0);
    expect(bytes).toBeLessThan(20 * 1024 * 1024);
  });

  test('every stage starts from a Node release in support (Node 20 reached its end of life in April 2026)', () => {
    for (const stage of stages) expect(stage.from).toMatch(/^node:(22|24)[.-]/);
  });

  test(
    'its build stage, replayed in an empty folder, builds; the runtime stage finds all it copies, and hale runs',
    { timeout: 600_000 },
    async () => {
      expect(build, 'a stage named build').toBeDefined();
      expect(runtime).not.toBe(build);
      const root = mkdtempSync(join(tmpdir(), 'hale-docker-replay-'));
      try {
        const { workdir } = await replayStage(build as Stage, root, 480_000);
        expect(existsSync(join(workdir, 'dist/cli.js'))).toBe(true);
        for (const { keyword, args } of runtime?.instructions ?? []) {
          if (keyword !== 'COPY') continue;
          const { flags, sources } = parseCopy(args);
          for (const source of sources) {
            if (flags['from'] === 'build') expect(existsSync(join(root, source)), `${keyword} ${args}`).toBe(true);
            else expect(existsSync(join(repoRoot, source)) && !dockerignored(posix.normalize(source)), `${keyword} ${args}`).toBe(true);
          }
        }
        // What the runtime stage keeps: no build tools, and hale starts with only the runtime dependencies.
        expect(existsSync(join(workdir, 'node_modules/typescript'))).toBe(false);
        const { stdout } = await run(process.execPath, [join(workdir, 'dist/cli.js'), '--version'], { cwd: workdir, timeout: 30_000 });
        expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  );
});

describe('examples/systemd', () => {
  const unit = read('examples/systemd/hale.service');
  const settings = new Map(
    unit
      .split('\n')
      .filter((line) => /^[A-Za-z]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

  test('stops hale first and the cgroup after, restarts it on failure, gives it a state dir and the token as a credential', () => {
    expect(settings.get('KillMode')).toBe('mixed');
    expect(settings.get('Restart')).toBe('on-failure');
    expect(settings.get('StateDirectory')).toBe('hale');
    expect(settings.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(settings.get('LoadCredential')).toBe('api-token:/etc/hale/api-token');
    expect(Number(settings.get('TimeoutStopSec'))).toBeGreaterThan(10);
  });

  test('tells systemd when hale is ready (Type=notify, from systemd-notify, a child of hale) and runs as a dynamic user', () => {
    expect(settings.get('Type')).toBe('notify');
    expect(settings.get('NotifyAccess')).toBe('all');
    expect(settings.get('DynamicUser')).toBe('yes');
    expect(settings.has('User')).toBe(false);
    expect(settings.get('Delegate')).toBe('yes');
    expect(Number(settings.get('TimeoutStartSec'))).toBeGreaterThanOrEqual(60);
  });

  test('systemd-analyze verify finds nothing to say of the unit (where systemd-analyze is installed)', async () => {
    const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path));
    if (analyze === undefined) {
      // Without it: at least every line is a section, a comment or a Key=value.
      for (const line of unit.split('\n')) expect(line).toMatch(/^(|#.*|\[[A-Za-z]+\]|[A-Za-z]+=.*)$/);
      return;
    }
    const folder = mkdtempSync(join(tmpdir(), 'hale-unit-'));
    try {
      // verify wants ExecStart's program to exist: here it is the built hale, as `npm install -g` would link it.
      const file = join(folder, 'hale.service');
      writeFileSync(file, unit.replace('ExecStart=/usr/bin/hale ', `ExecStart=${process.execPath} ${join(repoRoot, 'dist/cli.js')} `));
      const { stdout, stderr } = await run(analyze, ['verify', '--man=no', file], { timeout: 30_000 });
      expect(`${stdout}${stderr}`.split('\n').filter((line) => line.includes('hale.service'))).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
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
