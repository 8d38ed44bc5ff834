/**
 * Claims no wider than their checks (issue: "a claim shown live must be true").
 *
 * A live control's statement and claim are what a buyer reads. When they promise something
 * of *every* object of a kind ("no table can hold a body", "every secret is encrypted"),
 * at least one of the control's checks must judge every object of that kind, not only
 * the ones its parameters name. Each check declares what it covers universally
 * (`CheckDefinition.scope`); this module finds the universal phrases of a text and the
 * ones no check covers. It is deliberately a small vocabulary of object kinds: a phrase
 * outside it is not judged, so widening the vocabulary only ever makes the rule stricter.
 */
import type { CheckDefinition, ScopeNoun } from './checks/types.ts';

/** Plural or capitalised forms, mapped to the noun checks declare. */
const NOUNS: Record<string, ScopeNoun> = {
  table: 'table',
  tables: 'table',
  column: 'column',
  columns: 'column',
  row: 'row',
  rows: 'row',
  resource: 'resource',
  resources: 'resource',
  agent: 'agent',
  agents: 'agent',
  vm: 'vm',
  vms: 'vm',
  account: 'account',
  accounts: 'account',
  secret: 'secret',
  secrets: 'secret',
  token: 'token',
  tokens: 'token',
  password: 'password',
  passwords: 'password',
  event: 'event',
  events: 'event',
  file: 'file',
  files: 'file',
  cookie: 'cookie',
  cookies: 'cookie',
  ciphertext: 'ciphertext',
  ciphertexts: 'ciphertext',
};

const UNIVERSAL = new RegExp(String.raw`\b(no|every|any|all|each)\s+(${Object.keys(NOUNS).join('|')})\b`, 'gi');

export interface UniversalPhrase {
  /** The phrase as written, e.g. "no table". */
  text: string;
  noun: ScopeNoun;
}

/** The universal phrases of a text ("no table", "every secret"), in order, each once. */
export function universalPhrases(text: string): UniversalPhrase[] {
  const seen = new Set<string>();
  const out: UniversalPhrase[] = [];
  for (const m of text.matchAll(UNIVERSAL)) {
    const noun = NOUNS[m[2].toLowerCase()];
    const key = `${m[1].toLowerCase()} ${noun}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ text: m[0], noun });
  }
  return out;
}

/** What a check covers universally with these parameters. */
export function coveredNouns(def: CheckDefinition, params: Record<string, unknown>): ScopeNoun[] {
  const s = def.scope;
  if (!s) return [];
  if (typeof s === 'function') {
    // Parameters that do not parse cover nothing; the loader reports them separately.
    const parsed = def.params.safeParse(params);
    return parsed.success ? s(parsed.data) : [];
  }
  return s;
}

/**
 * The universal phrases of a live control's statement and claim that none of its checks
 * covers. Empty when the claim is no wider than its checks.
 */
export function uncoveredPhrases(
  control: { statement: string; claim?: string; checks: { check: string; params: Record<string, unknown> }[] },
  findCheck: (id: string) => CheckDefinition | undefined,
): UniversalPhrase[] {
  const covered = new Set<ScopeNoun>();
  for (const ref of control.checks) {
    const def = findCheck(ref.check);
    if (def) for (const n of coveredNouns(def, ref.params)) covered.add(n);
  }
  return universalPhrases(`${control.statement}\n${control.claim ?? ''}`).filter((p) => !covered.has(p.noun));
}
