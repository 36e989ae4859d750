// The programs the tests drive besides hale: nats-server (the NATS tests) and chromium (the browser tests).
// `npm test` runs this first; alone: `node scripts/provision-test-servers.mjs`. Each is taken, in order, from
// HALE_TEST_NATS_SERVER / HALE_TEST_CHROMIUM, from the machine, from the cache a previous run filled, or from
// Debian's packages: `apt-get install` as root, else `apt-get download` + `dpkg -x` into .cache/test-servers/.
// Where there is no apt-get it stops at once with one message. The result goes to .cache/test-servers/servers.json,
// which test/helpers/test-servers.ts reads.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));
export const defaultCacheDir = join(repoRoot, '.cache', 'test-servers');
export const serversFileName = 'servers.json';

/** What the tests need, the variable that names another copy, the package it comes from, and where that package puts it. */
export const servers = [
  {
    key: 'natsServer',
    name: 'nats-server',
    envVar: 'HALE_TEST_NATS_SERVER',
    packageName: 'nats-server',
    systemPaths: [],
    packagePath: 'usr/sbin/nats-server',
  },
  // Debian's /usr/bin/chromium is a shell launcher naming /usr/lib/chromium by its absolute path: an extracted copy runs the binary itself.
  {
    key: 'chromium',
    name: 'chromium',
    envVar: 'HALE_TEST_CHROMIUM',
    packageName: 'chromium',
    systemPaths: ['/usr/bin/chromium'],
    packagePath: 'usr/lib/chromium/chromium',
  },
];

/** Written once a server's packages are all extracted, so a run cut short fetches again rather than use half a tree. */
export const completeMark = (cacheDir, server) => join(cacheDir, 'root', `.complete-${server.packageName}`);

/** True when PATH is a regular file this user may execute. */
export const isExecutableFile = (path) => {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const findOnPath = (name, pathValue) => {
  for (const dir of (pathValue ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
};

/** The facts the plan rests on, read from this machine; tests pass their own. */
export const probeMachine = (env = process.env) => ({
  env,
  platform: process.platform,
  isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  hasAptGet: findOnPath('apt-get', env.PATH) !== null && findOnPath('dpkg', env.PATH) !== null,
  isExecutableFile,
  findOnPath: (name) => findOnPath(name, env.PATH),
});

const refusalMessage = (missing) => {
  const names = missing.map((server) => server.name).join(' and ');
  const vars = missing.map((server) => `${server.envVar}=/path/to/${server.name}`).join(' ');
  return [
    `npm test needs ${names}, and this machine has neither ${missing.length === 1 ? 'it' : 'them'} nor apt-get to fetch ${missing.length === 1 ? 'it' : 'them'} from Debian's packages.`,
    `Install ${names} (nats-server: https://docs.nats.io/running-a-nats-service/introduction/installation; chromium: your system's package or any Chromium/Chrome build),`,
    `then put ${missing.length === 1 ? 'it' : 'them'} on PATH or name ${missing.length === 1 ? 'it' : 'them'}: ${vars} npm test`,
  ].join('\n');
};

/**
 * Decides where each server comes from, touching nothing: a value, either
 * `{ ok: true, steps }` (one step a server: `env`, `system`, `cache`,
 * `apt-install` or `apt-download`) or `{ ok: false, message }`.
 *
 * @example
 * planTestServers(probeMachine(), '.cache/test-servers');
 * // { ok: true, steps: [{ server: …nats-server, source: 'system', path: '/usr/bin/nats-server' }, …] }
 */
export const planTestServers = (machine, cacheDir = defaultCacheDir) => {
  const steps = [];
  const problems = [];
  for (const server of servers) {
    const named = machine.env[server.envVar];
    if (named !== undefined && named !== '') {
      if (machine.isExecutableFile(named)) steps.push({ server, source: 'env', path: named });
      else
        problems.push(
          `${server.envVar}=${named}: not an executable file (it should name the ${server.name} program the tests run; unset it to let npm test find or fetch one)`,
        );
      continue;
    }
    const onMachine = server.systemPaths.find((path) => machine.isExecutableFile(path)) ?? machine.findOnPath(server.name);
    if (onMachine !== null) {
      steps.push({ server, source: 'system', path: onMachine });
      continue;
    }
    const cached = join(cacheDir, 'root', server.packagePath);
    if (machine.isExecutableFile(cached) && existsSync(completeMark(cacheDir, server)))
      steps.push({ server, source: 'cache', path: cached });
    else steps.push({ server, source: machine.isRoot ? 'apt-install' : 'apt-download', path: null });
  }
  if (problems.length > 0) return { ok: false, message: problems.join('\n') };
  const fetching = steps.filter((step) => step.source === 'apt-install' || step.source === 'apt-download');
  if (fetching.length > 0 && (machine.platform !== 'linux' || !machine.hasAptGet)) {
    return { ok: false, message: refusalMessage(fetching.map((step) => step.server)) };
  }
  return { ok: true, steps };
};

const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error !== undefined) return { ok: false, output: `${command}: ${result.error.message}` };
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
};

const runOrThrow = (command, args, options = {}) => {
  const result = run(command, args, options);
  if (!result.ok) throw new Error(`\`${command} ${args.join(' ')}\` failed:\n${result.output.trim()}`);
  return result.output;
};

/** Options that point apt at lists of the cache's own, for a user who cannot update the machine's. */
const privateListOptions = (cacheDir) => [
  '-o',
  `Dir::State::Lists=${join(cacheDir, 'apt', 'lists')}`,
  '-o',
  `Dir::Cache=${join(cacheDir, 'apt', 'cache')}`,
  '-o',
  'Debug::NoLocking=1',
];

const hasCandidate = (packages, aptOptions) => {
  const output = run('apt-cache', [...aptOptions, 'policy', ...packages]).output;
  const candidates = [...output.matchAll(/^\s+Candidate: (.+)$/gm)].map((match) => match[1]);
  return candidates.length === packages.length && candidates.every((candidate) => candidate !== '(none)');
};

/**
 * The names `apt-get install --simulate` says it would install: apt's own
 * choice among alternatives, and only what dpkg says is not installed.
 *
 * @example
 * parseSimulatedInstalls('Inst libnss3 (2:3.87.1-1 Debian:12 [amd64])\nConf libnss3 …'); // ['libnss3']
 */
export const parseSimulatedInstalls = (output) => [...output.matchAll(/^Inst (\S+)/gm)].map((match) => match[1]);

/**
 * The packages a non-root run downloads: each server's own package, the
 * packages it ships with that share its name (chromium-common), and the
 * library packages (lib*) the simulated install lacks; not the daemons,
 * themes and tools an install would also bring.
 *
 * @example
 * choosePackages(['chromium'], ['chromium', 'chromium-common'], ['libnss3', 'dbus', 'chromium-common', 'chromium']);
 * // ['chromium', 'chromium-common', 'libnss3']
 */
export const choosePackages = (wanted, companions, simulated) => {
  const chosen = new Set([...wanted, ...companions]);
  for (const name of simulated) if (name.startsWith('lib') || chosen.has(name)) chosen.add(name);
  return [...chosen];
};

const companionsOf = (packageName, aptOptions) => {
  const output = run('apt-cache', [
    ...aptOptions,
    'depends',
    '--no-recommends',
    '--no-suggests',
    '--no-conflicts',
    '--no-breaks',
    '--no-replaces',
    '--no-enhances',
    packageName,
  ]).output;
  return [...output.matchAll(/^\s+\|?(?:Pre)?Depends: (\S+)$/gm)]
    .map((match) => match[1])
    .filter((name) => name.startsWith(`${packageName}-`));
};

const installAsRoot = (packages, log) => {
  if (!hasCandidate(packages, [])) {
    log(`apt-get update (no candidate yet for ${packages.join(', ')})`);
    runOrThrow('apt-get', ['update'], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  log(`apt-get install -y --no-install-recommends ${packages.join(' ')}`);
  runOrThrow('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
};

/** Directories under ROOT holding shared libraries (lib*.so*, not pam or dri modules), for LD_LIBRARY_PATH. */
const libraryDirsUnder = (root) => {
  const dirs = new Set();
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if ((entry.isFile() || entry.isSymbolicLink()) && /^lib.*\.so(\.\d+)*$/.test(entry.name)) dirs.add(entry.parentPath);
  }
  return [...dirs].sort();
};

const downloadAndExtract = (packages, cacheDir, log) => {
  let aptOptions = [];
  if (!hasCandidate(packages, aptOptions)) {
    aptOptions = privateListOptions(cacheDir);
    mkdirSync(join(cacheDir, 'apt', 'lists', 'partial'), { recursive: true });
    mkdirSync(join(cacheDir, 'apt', 'cache', 'archives', 'partial'), { recursive: true });
    if (!hasCandidate(packages, aptOptions)) {
      log(`apt-get update into ${join(cacheDir, 'apt')} (the machine's package lists know no ${packages.join(', ')})`);
      runOrThrow('apt-get', [...aptOptions, 'update'], { stdio: ['ignore', 'inherit', 'inherit'] });
    }
  }
  const companions = packages.flatMap((name) => companionsOf(name, aptOptions));
  const simulated = parseSimulatedInstalls(
    runOrThrow('apt-get', [...aptOptions, '-o', 'Debug::NoLocking=1', '--simulate', 'install', '--no-install-recommends', ...packages]),
  );
  const chosen = choosePackages(packages, companions, simulated);
  const debs = join(cacheDir, 'debs');
  rmSync(debs, { recursive: true, force: true });
  mkdirSync(debs, { recursive: true });
  log(`apt-get download ${chosen.join(' ')}`);
  runOrThrow('apt-get', [...aptOptions, 'download', ...chosen], { cwd: debs, stdio: ['ignore', 'inherit', 'inherit'] });
  const root = join(cacheDir, 'root');
  mkdirSync(root, { recursive: true });
  const files = readdirSync(debs)
    .filter((name) => name.endsWith('.deb'))
    .sort();
  log(`dpkg -x ${files.length} packages into ${root}`);
  for (const file of files) runOrThrow('dpkg', ['-x', join(debs, file), root]);
  rmSync(debs, { recursive: true, force: true });
  return chosen;
};

const locateInstalled = (server, machine) =>
  server.systemPaths.find((path) => machine.isExecutableFile(path)) ??
  machine.findOnPath(server.name) ??
  [`/usr/sbin/${server.name}`, `/usr/bin/${server.name}`].find((path) => machine.isExecutableFile(path)) ??
  null;

/**
 * Carries out a plan: installs or downloads what it lacks, then writes
 * CACHE/servers.json: `{ natsServer: { path, source, libraryPath }, chromium: … }`.
 * Returns that record, or `{ ok: false, message }`.
 *
 * @example
 * const result = provisionTestServers();
 * if (!result.ok) console.error(result.message);
 */
export const provisionTestServers = ({
  machine = probeMachine(),
  cacheDir = defaultCacheDir,
  log = (line) => process.stderr.write(`test servers: ${line}\n`),
} = {}) => {
  const plan = planTestServers(machine, cacheDir);
  if (!plan.ok) return plan;
  const record = {};
  const fetched = [];
  try {
    const toInstall = plan.steps.filter((step) => step.source === 'apt-install');
    if (toInstall.length > 0) {
      const packages = toInstall.map((step) => step.server.packageName);
      installAsRoot(packages, log);
      fetched.push(...packages);
    }
    const toDownload = plan.steps.filter((step) => step.source === 'apt-download');
    if (toDownload.length > 0) {
      fetched.push(
        ...downloadAndExtract(
          toDownload.map((step) => step.server.packageName),
          cacheDir,
          log,
        ),
      );
      for (const step of toDownload) writeFileSync(completeMark(cacheDir, step.server), `${new Date().toISOString()}\n`);
    }
  } catch (error) {
    const vars = plan.steps
      .filter((step) => step.source.startsWith('apt-'))
      .map((step) => step.server.envVar)
      .join(' or ');
    return { ok: false, message: `could not fetch the test servers: ${error.message}\n(to use programs of your own instead, set ${vars})` };
  }
  const extracted = join(cacheDir, 'root');
  const libraryPath = existsSync(extracted) ? libraryDirsUnder(extracted) : [];
  for (const step of plan.steps) {
    const { server } = step;
    let path = step.path;
    let source = step.source;
    if (source === 'apt-install') {
      path = locateInstalled(server, machine);
      source = 'system';
    }
    if (source === 'apt-download') {
      path = join(extracted, server.packagePath);
      source = 'cache';
    }
    if (path === null || !machine.isExecutableFile(path)) {
      return {
        ok: false,
        message: `${server.name} is still missing after ${step.source} (looked for ${path ?? `${server.name} on PATH`}); set ${server.envVar} to one`,
      };
    }
    record[server.key] = { path, source, libraryPath: source === 'cache' ? libraryPath : [] };
  }
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, serversFileName), `${JSON.stringify(record, null, 2)}\n`);
  return { ok: true, servers: record, fetched };
};

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const result = provisionTestServers();
  if (!result.ok) {
    process.stderr.write(`${result.message}\n`);
    process.exit(1);
  }
  for (const [key, server] of Object.entries(result.servers)) process.stdout.write(`${key}: ${server.path} (${server.source})\n`);
  if (result.fetched.length > 0) process.stdout.write(`fetched: ${result.fetched.join(' ')}\n`);
  process.stdout.write(`written: ${join(defaultCacheDir, serversFileName)}\n`);
}
