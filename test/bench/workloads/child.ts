/** Runs a child script (TypeScript under tsx, or plain .mjs as is) and parses the JSON it prints last. */
import path from 'node:path';
import { runChildOk } from '../measure.ts';

export async function runTsChild<T>(root: string, script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 600_000): Promise<T> {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const r = await runChildOk(process.execPath, [...loader, path.join(root, script), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    timeoutMs,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${script} printed no JSON result: ${(r.stderr || r.stdout).trim().slice(-300)}`);
  }
}
