const target = `  --url URL           the running hale's API (default: HALE_URL, else the config's api, else http://127.0.0.1:8080)
  --token TOKEN       the API token (default: HALE_API_TOKEN, else the config's)
  -c, --config FILE   take the address and token from this config (default: ./supervisor.yaml when it exists)`;

const exits = `Exit: 0 done, 1 it failed, 2 bad usage, 3 hale unreachable, 4 token refused, 5 no such plugin.`;

const statusUsage = `Usage: hale status [NAME] [--json] [--url URL] [--token TOKEN] [-c FILE]

Every plugin of a running hale: name, state, pid, CPU, memory, uptime, restarts, last check, and its message (or, when it
does not serve, why); then its checks. On a terminal, lines are cut to its width. \`hale ls\` is the same.
With NAME, that plugin in detail: why it is in its state and since when, pid, command, restarts, last exit,
components and latest checks.

  --json              the /health answer as it is (with NAME: its entry of /plugins/health)
${target}
${exits}
`;

/** Help for each command, as `hale COMMAND --help` prints it. */
export const commandUsage: Record<string, string> = {
  run: `Usage: hale run [-c FILE] [--port N]

Supervises the plugins of the config: spawns them, checks their health, restarts them, and serves the API.
SIGTERM or SIGINT stop every plugin in stages, then hale exits 0; SIGHUP reads the config again (as hale reload).

  -c, --config FILE   the config file (default: ./supervisor.yaml)
  --port N            the API's port (0–65535; 0 picks a free one), over HALE_API_PORT and the config's api.port
`,
  validate: `Usage: hale validate [-c FILE]

Checks the config and exits: 0 when valid, 2 with every error as file:line:col: field: message.

  -c, --config FILE   the config file (default: ./supervisor.yaml)
`,
  status: statusUsage,
  ls: statusUsage.replace('Usage: hale status', 'Usage: hale ls'),
  top: `Usage: hale top [--once] [--url URL] [--token TOKEN] [-c FILE]

A live view of a running hale, as pm2 monit: each plugin's state, pid, CPU (percent of one core), memory (its
process tree's, or its cgroup's), processes, restarts and uptime, read again each second. q or Ctrl-C quits.
When stdout is not a terminal, or with --once, one snapshot is printed and hale top exits.

  --once              print one snapshot and exit
${target}
${exits}
`,
  reload: `Usage: hale reload [--json] [--url URL] [--token TOKEN] [-c FILE]

Makes the running hale read its config file again and apply it, as SIGHUP does: added plugins start, removed ones
stop, changed ones restart, the others are left alone. Prints which are which.
Exit 2, with every error as file:line:col: field: message, when the file is not valid (nothing is changed then).

  --json              the answer as it is
${target}
${exits}
`,
  restart: `Usage: hale restart NAME|--all [--detach] [--timeout DUR] [--url URL] [--token TOKEN] [-c FILE]

Restarts a plugin and waits until it serves again (a restart already under way is joined).
With --all, every plugin, one after another, each reported; exit 0 only when every one succeeded.

  --all               every plugin of the running hale
  --detach            return once the request is taken
  --timeout DUR       how long to wait (default 60s; with --all, for each)
${target}
${exits}
`,
  stop: `Usage: hale stop NAME|--all [--detach] [--timeout DUR] [--url URL] [--token TOKEN] [-c FILE]

Stops a plugin and waits until its processes are gone; it stays stopped, across restarts of hale, until started.

  --all               every plugin, one after another
  --detach            return once the request is taken
  --timeout DUR       how long to wait (default 60s)
${target}
${exits}
`,
  start: `Usage: hale start NAME|--all [--detach] [--timeout DUR] [--url URL] [--token TOKEN] [-c FILE]

Starts a stopped (or failed) plugin and waits until it serves.

  --all               every plugin, one after another
  --detach            return once the request is taken
  --timeout DUR       how long to wait (default 60s)
${target}
${exits}
`,
  signal: `Usage: hale signal NAME SIGNAL [--url URL] [--token TOKEN] [-c FILE]

Sends SIGSTOP, SIGCONT, SIGKILL, SIGTERM, SIGHUP, SIGUSR1 or SIGUSR2 (or kill, STOP …) to the plugin's process group,
for fault drills.

${target}
${exits}
`,
  logs: `Usage: hale logs NAME [--tail N] [--follow] [--url URL] [--token TOKEN] [-c FILE]

The last N lines the plugin printed (stdout and stderr), oldest first; with --follow, every new one as it is logged.
A follower outlives a restart of hale: it says on stderr that it lost the connection, tries again (every 2 s at
most) at the same address, says when it is back, and prints the lines logged meanwhile, none twice.

  -n, --tail N        how many (1–1000, default 100)
  -f, --follow        keep printing new lines until interrupted
${target}
${exits}
`,
  healthcheck: `Usage: hale healthcheck [--readiness] [--url URL] [--token TOKEN] [-c FILE]

For Docker's HEALTHCHECK: asks /health (or /health/readiness) within 3 s; exit 0 when healthy or degraded (ready),
1 otherwise — also when hale cannot be reached — with the reason on stderr.

  --readiness         ask readiness instead
${target}
`,
  init: `Usage: hale init [DIR] [--name NAME]

Writes a commented supervisor.yaml and a TypeScript plugin on hale's SDK (plugins/NAME/main.ts, plus package.json
and tsconfig.json where missing) in DIR (default: .). Then \`cd DIR && npm install && npm start\` supervises it as it is:
the package.json installs this hale (from its folder or tarball, else the registry) and tsx, and npm start is hale run.

  --name NAME         the plugin's name (default hello)
`,
};

export const usage = `Usage: hale [command] [options]

Commands:
  run           supervise the plugins of the config (the default)
  validate      check the config and exit: 0 when valid, 2 with the errors
  status [NAME] the plugins of a running hale, as a table (--json for all of it); NAME: one in detail
  ls            the same as status
  top           a live view of every plugin's state, CPU, memory and restarts (--once: one snapshot)
  restart NAME  restart a plugin and wait until it serves (--all: every plugin)
  stop NAME     stop a plugin (it stays stopped until started; --all: every plugin)
  start NAME    start a stopped or failed plugin (--all: every plugin)
  reload        make the running hale read its config again (as SIGHUP)
  signal NAME SIG   send a signal to a plugin's process group
  logs NAME     its last lines; --follow for the new ones
  healthcheck   exit 0 when hale is healthy (a Docker HEALTHCHECK)
  init [DIR]    write a supervisor.yaml and a plugin to start from

Options (each command takes only its own: hale COMMAND --help; any other exits 2):
  -c, --config FILE   the config file (default: ./supervisor.yaml)
  --port N            hale run: the API's port
  -h, --help          show this help (hale COMMAND --help for a command's)
  -v, --version       show hale's version

Signals: SIGTERM or SIGINT stop every plugin in stages, then hale exits 0.
`;
