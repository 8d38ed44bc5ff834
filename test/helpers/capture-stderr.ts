/** What `fn` writes to process.stderr, caught instead of printed, with what `fn` returned. */
export async function captureStderr<T>(fn: () => T | Promise<T>): Promise<{ result: T; said: string }> {
  const write = process.stderr.write;
  let said = '';
  process.stderr.write = ((s: string) => {
    said += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await fn(), said };
  } finally {
    process.stderr.write = write;
  }
}
