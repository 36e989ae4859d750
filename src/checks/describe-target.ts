import type { DependencyConfig } from '../config/types.js';

/**
 * What a dependency check asks, in a few words for a status page.
 *
 * @example
 * describeTarget({ protocol: 'tcp', host: '127.0.0.1', port: 5432, retries: 0, retryDelayMs: 100 }); // 'tcp 127.0.0.1:5432'
 */
export const describeTarget = (check: DependencyConfig['check']): string => {
  switch (check.protocol) {
    case 'grpc':
      return `grpc ${check.address ?? ''} ${JSON.stringify(check.service)}`;
    case 'http':
      return `GET ${check.url}${check.field === null ? '' : ` (${check.field})`}`;
    case 'tcp':
      return `tcp ${check.host.includes(':') ? `[${check.host}]` : check.host}:${check.port}`;
    case 'exec':
      return `exec ${[check.command, ...check.args].join(' ')}`.slice(0, 200);
  }
};
