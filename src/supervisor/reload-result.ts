/** What a reload did, plugin by plugin, or why it did nothing. */
export type ReloadResult =
  | {
      ok: true;
      added: string[];
      removed: string[];
      /** Restarted with their new config. */
      changed: string[];
      unchanged: string[];
      /** Settings that only take effect when the supervisor restarts, e.g. "api.port". */
      ignored: string[];
    }
  | {
      ok: false;
      code: 'invalid_config' | 'shutting_down' | 'reload_unavailable';
      message: string;
      /** Each problem of an invalid file as file:line:col: field: message. */
      issues: string[];
    };
