// Types of provision-test-servers.mjs, for the tests that import it.

export interface ServerSpec {
  key: 'natsServer' | 'chromium';
  name: string;
  envVar: string;
  packageName: string;
  systemPaths: string[];
  packagePath: string;
}

export interface Machine {
  env: Record<string, string | undefined>;
  platform: string;
  isRoot: boolean;
  hasAptGet: boolean;
  isExecutableFile: (path: string) => boolean;
  findOnPath: (name: string) => string | null;
}

export type StepSource = 'env' | 'system' | 'cache' | 'apt-install' | 'apt-download';

export interface Step {
  server: ServerSpec;
  source: StepSource;
  path: string | null;
}

export type Plan = { ok: true; steps: Step[] } | { ok: false; message: string };

export interface ProvisionedServer {
  path: string;
  source: 'env' | 'system' | 'cache';
  libraryPath: string[];
}

export type Provisioned =
  { ok: true; servers: Record<'natsServer' | 'chromium', ProvisionedServer>; fetched: string[] } | { ok: false; message: string };

export declare const repoRoot: string;
export declare const defaultCacheDir: string;
export declare const serversFileName: string;
export declare const servers: ServerSpec[];
export declare const completeMark: (cacheDir: string, server: ServerSpec) => string;
export declare const probeMachine: (env?: Record<string, string | undefined>) => Machine;
export declare const planTestServers: (machine: Machine, cacheDir?: string) => Plan;
export declare const parseSimulatedInstalls: (output: string) => string[];
export declare const choosePackages: (wanted: string[], companions: string[], simulated: string[]) => string[];
export declare const provisionTestServers: (options?: {
  machine?: Machine;
  cacheDir?: string;
  log?: (line: string) => void;
}) => Provisioned;

export declare const isExecutableFile: (path: string) => boolean;
