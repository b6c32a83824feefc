/**
 * "Did you mean …?" for names a user typed: commands, options, config fields. One rule for all
 * of them, so a typo gets the same help wherever it is made.
 */

/** Edits (insert, delete, replace or swap two neighbouring characters) between two words. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate `word` most likely stands for: same letters but case, a prefix or extension of
 * it (`--secret` → `--secrets`), or at most two edits away (one for short words).
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: { name: string; score: number } | undefined;
  for (const name of candidates) {
    const other = name.toLowerCase();
    const score =
      other === lower
        ? 0
        : lower.length >= 3 && (other.startsWith(lower) || lower.startsWith(other))
          ? 1
          : editDistance(lower, other);
    const limit = Math.min(2, Math.floor(Math.max(lower.length, 2) / 3));
    if (score <= Math.max(limit, 1) && (!best || score < best.score)) best = { name, score };
  }
  return best?.name;
}

/** `; did you mean 'x'?` or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
  return match ? ` (did you mean '${match}'?)` : '';
}
