/** A collector failed: carries the collector id and the underlying cause. The CLI maps it to exit 2. */
export class CollectorError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly collector: string,
    cause: unknown,
  ) {
    super(`collector ${collector} failed: ${(cause as Error)?.message?.split('\n')[0] ?? String(cause)}`, { cause });
    this.name = 'CollectorError';
  }
}
