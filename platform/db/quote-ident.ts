/** `s` as a PostgreSQL quoted identifier (a table, column or role name): in double quotes, each double quote doubled. */
export function quoteIdent(s: string): string {
  return '"' + s.replace(/"/g, '""') + '"';
}
