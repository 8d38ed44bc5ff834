/**
 * Error classes shared by the platform, collectors, catalog and engine.
 * The CLI maps them to documented exit codes: InputError and EnvironmentError -> 2.
 */

/** Bad input from a user: a file, a flag, a config value. Message is one line and says where. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown; details?: string[] }) {
    super(message, options);
    this.name = 'InputError';
    this.details = options?.details ?? [];
  }
  details: string[];
}

/** The environment is not usable: database unreachable, tool missing. */
export class EnvironmentError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvironmentError';
  }
}

/**
 * A platform operation refused a request (unknown region, missing agent, wrong tier...).
 * `code` is stable and machine-readable; nothing was written when this is thrown.
 */
export class PlatformError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PlatformError';
  }
}
