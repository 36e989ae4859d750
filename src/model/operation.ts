/** What a person or program can ask of one plugin. */
export type ControlAction = 'restart' | 'stop' | 'start';

export type OperationStatus = 'pending' | 'succeeded' | 'failed';

/**
 * One request to restart, stop or start a plugin, followed until it is done:
 * a restart or start succeeds once the plugin serves, a stop once its
 * processes are gone. A request for what is already under way joins the
 * pending operation instead of starting another.
 */
export interface Operation {
  id: string;
  action: ControlAction;
  plugin: string;
  reason: string;
  status: OperationStatus;
  requestedAt: number;
  finishedAt: number | null;
  /** How it ended, in words; null while pending. */
  outcome: string | null;
  /** Requests this operation answers: the first, and those coalesced into it. */
  requests: number;
}
