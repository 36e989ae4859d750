import type { ProcessGuard } from '../containment/process-guard.js';
import type { Logger } from '../log.js';
import type { OutputEntry, SupervisorEvent } from '../model/events.js';
import type { Operation } from '../model/operation.js';
import type { EventBus } from '../util/event-bus.js';
import type { InstanceLauncher } from './instance-launcher.js';

/** What a runner needs of the one it replaces. */
export interface ReplacedRunner {
  /** The newest generation it numbered: the new runner counts on from there. */
  readonly lastGeneration: number;
  retire(reason: string): Promise<void>;
}

export interface RunnerDeps {
  bus: EventBus<SupervisorEvent>;
  log: Logger;
  /** The supervisor's private directory; each plugin gets a folder in it. */
  socketRoot: string;
  guard: ProcessGuard;
  now?: () => number;
  /** Places each generation's steady checks within their interval; Math.random by default. */
  random?: () => number;
  /** What spawns, checks and stops each generation's process; real processes by default. */
  launcher?: InstanceLauncher;
  /** Hears the plugin's output lines as they are logged. */
  output?: EventBus<OutputEntry>;
  /**
   * The runner this one replaces (a reload of a changed plugin): generations
   * go on counting from its, and the first process waits until its are gone.
   */
  replaces?: ReplacedRunner;
  /** Arms the memory watch: a generation with a memoryMax no cgroup enforces was spawned. */
  watchMemory?: () => void;
}

/** What a request to restart, stop or start came to. */
export interface ControlOutcome {
  operation: Operation;
  coalesced: boolean;
  /** False when there was nothing to do (already stopped, already running). */
  accepted: boolean;
}
