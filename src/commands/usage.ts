export const usage = `Usage: hale [command] [options]

Commands:
  run        supervise the plugins of the config (the default)
  validate   check the config and exit: 0 when valid, 2 with the errors

Options:
  -c, --config FILE   the config file (default: ./supervisor.yaml)
  -h, --help          show this help
  -v, --version       show hale's version

Signals: SIGTERM or SIGINT stop every plugin in stages, then hale exits 0.
`;
