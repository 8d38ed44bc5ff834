export function editDistance(a: string, b: string): number;
export function closest(word: string, candidates: Iterable<string>, share?: number): string | undefined;
