/** The supervisor.yaml that `hale init` writes: every section a newcomer needs, explained where it stands. */
export const configTemplate = (
  name: string,
): string => `# supervisor.yaml — written by \`hale init\`. Check it with \`npm run validate\`, run it with \`npm start\` (\`hale run\`).
# Every duration is text: 250ms, 30s, 5m. Every key is in hale's README (Config reference).

api:
  host: 127.0.0.1              # loopback: only this machine can reach the API
  port: 8080
  token: \${HALE_API_TOKEN:-}   # set it to guard restart / stop / start / signal / reload

grpc:
  address: 127.0.0.1:50051     # grpc.health.v1 for every plugin, "" for hale as a whole

defaults:                      # for every plugin; each may set its own
  checkInterval: 10s           # a health check this often
  checkTimeout: 2s             # ... answered within this, or it failed
  failureThreshold: 3          # failed checks in a row → unhealthy → restarted
  maxRestarts: 5               # automatic restarts before it is failed
  restartBackoff: 5s           # 0s, 5s, 10s … between restarts, up to maxRestartBackoff

plugins:
  - name: ${name}
    command: node
    # A TypeScript plugin, run as it is through tsx; for production, \`npm run build\` and args: [dist/plugins/${name}/main.js].
    args: [--import, tsx, plugins/${name}/main.ts]
    critical: true             # down → /health answers 503 and hale is not ready

# Dependencies that are not plugins (a database port, an HTTP endpoint, a command):
# checks:
#   - { name: db, protocol: tcp, port: 5432 }
#   - { name: search, protocol: http, url: "http://127.0.0.1:9200/_cluster/health", field: status, critical: false }
`;

/** The plugin skeleton: a hale plugin on the SDK, healthy, with a place for its own work and checks. */
export const pluginTemplate = (
  name: string,
): string => `// ${name}: a hale plugin. hale starts it, asks its health() on every check, and stops it with Shutdown.
import { servePlugin } from 'hale/sdk';

let served = 0;
const work = setInterval(() => {
  served += 1; // Your plugin's work goes here.
}, 1_000);

await servePlugin({
  name: '${name}',
  version: '0.1.0',
  description: 'A plugin made by hale init',
  // A throw counts as UNHEALTHY with its message; a component marked critical that is down fails the check.
  health: () => ({
    status: 'healthy',
    message: \`\${served} rounds of work done\`,
    components: [{ name: 'work', status: 'healthy', critical: true }],
  }),
  onShutdown: (reason) => {
    clearInterval(work);
    process.stderr.write(\`${name} stopping: \${reason}\\n\`);
  },
});
`;

/**
 * What a scaffold installs beside hale: tsx runs its TypeScript plugin as it is, so it is a
 * dependency; tsc and Node's types only build it. Versions hale itself is tested with, all fit Node 20.
 */
export const scaffoldPackages = {
  dependencies: { tsx: '4.23.15' },
  devDependencies: { '@types/node': '20.19.43', typescript: '5.9.3' },
} as const;

/**
 * The scaffold's package.json: `npm install` brings hale (from `haleSpec`) and tsx, `npm start` runs
 * `hale run` (exec'd, so the SIGTERM npm passes on reaches hale, not only the shell between them).
 */
export const packageTemplate = (name: string, haleSpec: string): string =>
  `${JSON.stringify(
    {
      name,
      version: '0.1.0',
      private: true,
      type: 'module',
      engines: { node: '>=20.19' },
      scripts: { start: 'exec hale run', status: 'hale status', validate: 'hale validate', build: 'tsc -p .' },
      dependencies: { hale: haleSpec, ...scaffoldPackages.dependencies },
      devDependencies: { ...scaffoldPackages.devDependencies },
    },
    null,
    2,
  )}\n`;

export const tsconfigTemplate = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      outDir: 'dist',
      rootDir: '.',
      skipLibCheck: true,
    },
    include: ['plugins'],
  },
  null,
  2,
)}\n`;

/** What npm install and npm run build make, kept out of version control. */
export const gitignoreTemplate = 'node_modules/\ndist/\n';
