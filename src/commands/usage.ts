const target = `  --url URL           the running hale's API (default: HALE_URL, else the config's api, else http://127.0.0.1:8080)
  --token TOKEN       the API token (default: HALE_API_TOKEN, else the config's)
  -c, --config FILE   take the address and token from this config (default: ./supervisor.yaml when it exists)`;

const exits = `Exit: 0 done, 1 it failed, 2 bad usage, 3 hale unreachable, 4 token refused, 5 no such plugin.`;

/** Help for each command, as `hale COMMAND --help` prints it. */
export const commandUsage: Record<string, string> = {
  run: `Usage: hale run [-c FILE]

Supervises the plugins of the config: spawns them, checks their health, restarts them, and serves the API.
SIGTERM or SIGINT stop every plugin in stages, then hale exits 0; SIGHUP reads the config again.

  -c, --config FILE   the config file (default: ./supervisor.yaml)
`,
  validate: `Usage: hale validate [-c FILE]

Checks the config and exits: 0 when valid, 2 with every error as file:line:col: field: message.

  -c, --config FILE   the config file (default: ./supervisor.yaml)
`,
  status: `Usage: hale status [--json] [--url URL] [--token TOKEN] [-c FILE]

Every plugin of a running hale: name, state, pid, uptime, restarts, last check and message; then its checks.

  --json              the /health answer as it is
${target}
${exits}
`,
  restart: `Usage: hale restart NAME [--detach] [--timeout DUR] [--url URL] [--token TOKEN] [-c FILE]

Restarts a plugin and waits until it serves again (a restart already under way is joined).

  --detach            return once the request is taken
  --timeout DUR       how long to wait (default 60s)
${target}
${exits}
`,
  stop: `Usage: hale stop NAME [--detach] [--timeout DUR] [--url URL] [--token TOKEN] [-c FILE]

Stops a plugin and waits until its processes are gone; it stays stopped, across restarts of hale, until started.

  --detach            return once the request is taken
  --timeout DUR       how long to wait (default 60s)
${target}
${exits}
`,
  start: `Usage: hale start NAME [--detach] [--timeout DUR] [--url URL] [--token TOKEN] [-c FILE]

Starts a stopped (or failed) plugin and waits until it serves.

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

  -n, --tail N        how many (1–1000, default 100)
  -f, --follow        keep printing new lines until interrupted
${target}
${exits}
`,
  healthcheck: `Usage: hale healthcheck [--readiness] [--url URL] [-c FILE]

For Docker's HEALTHCHECK: asks /health (or /health/readiness) within 3 s; exit 0 when healthy or degraded (ready),
1 otherwise — also when hale cannot be reached — with the reason on stderr.

  --readiness         ask readiness instead
${target}
`,
  init: `Usage: hale init [DIR] [--name NAME]

Writes a commented supervisor.yaml and a TypeScript plugin on hale's SDK (plugins/NAME/main.ts, plus package.json
and tsconfig.json where missing) in DIR (default: .), so that \`hale run\` there supervises it as it is.

  --name NAME         the plugin's name (default hello)
`,
};

export const usage = `Usage: hale [command] [options]

Commands:
  run           supervise the plugins of the config (the default)
  validate      check the config and exit: 0 when valid, 2 with the errors
  status        the plugins of a running hale, as a table (--json for all of it)
  restart NAME  restart a plugin and wait until it serves
  stop NAME     stop a plugin (it stays stopped until started)
  start NAME    start a stopped or failed plugin
  signal NAME SIG   send a signal to a plugin's process group
  logs NAME     its last lines; --follow for the new ones
  healthcheck   exit 0 when hale is healthy (a Docker HEALTHCHECK)
  init [DIR]    write a supervisor.yaml and a plugin to start from

Options:
  -c, --config FILE   the config file (default: ./supervisor.yaml)
  -h, --help          show this help (hale COMMAND --help for a command's)
  -v, --version       show hale's version

Signals: SIGTERM or SIGINT stop every plugin in stages, then hale exits 0.
`;
