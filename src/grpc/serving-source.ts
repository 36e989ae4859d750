// Declared below the supervisor so the health server needs nothing above grpc/; supervisor/serving-status.ts fills it.

/** What grpc.health.v1 says of a service hale knows. */
export type ServingStatus = 'SERVING' | 'NOT_SERVING';

/** One service whose status changed; SERVICE_UNKNOWN when a reload removed it. */
export type ServingChange = { service: string; status: ServingStatus | 'SERVICE_UNKNOWN' };

/** The grpc.health.v1 name of the supervisor as a whole. */
export const supervisorService = '';

/** The serving statuses of a supervisor, kept current, with a feed of their changes. */
export interface ServingSource {
  /** The statuses as of the last change reported. */
  current(): ReadonlyMap<string, ServingStatus>;
  /** `listener` gets every batch of real changes; returns the function that unsubscribes. */
  subscribe(listener: (changes: ServingChange[]) => void): () => void;
  /** Stops following the supervisor; no listener is called after it. */
  close(): void;
}
