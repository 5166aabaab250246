/**
 * The phrases of a JSGF grammar, as a transcription prompt: each run of words
 * between operators and rule references ("when are you open", "book", …), in
 * order of first use, deduplicated, joined by ", " and cut at a phrase
 * boundary so it stays within `maxChars`. Network recognizers cannot be
 * constrained by a grammar, but a prompt listing its phrases steers their
 * spelling and vocabulary. Tolerant: text that is not JSGF gives what words it has.
 */
export function grammarPhrases(jsgf: string, maxChars = 800): string {
  const text = jsgf
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/#JSGF[^;]*;/, ' ')
    .replace(/(^|;)\s*grammar\s+[^;]*;/, '$1');
  const phrases: string[] = [];
  const seen = new Set<string>();
  const add = (words: string[]): void => {
    const phrase = words.join(' ');
    if (phrase === '' || seen.has(phrase.toLowerCase())) return;
    seen.add(phrase.toLowerCase());
    phrases.push(phrase);
  };
  for (const statement of text.split(';')) {
    const eq = statement.indexOf('=');
    const body = /<[^<>]+>\s*$/.test(statement.slice(0, eq < 0 ? 0 : eq)) ? statement.slice(eq + 1) : statement;
    const tokens = body.match(/"[^"]*"|<[^<>]*>|\{[^}]*\}|\/[^/]*\/|[|()[\]*+=]|[^\s|()[\]*+<>{}/"=]+/g) ?? [];
    let run: string[] = [];
    for (const token of tokens) {
      if (token.startsWith('{') || /^\/[^/]*\/$/.test(token)) continue; // tags and weights
      if (token.startsWith('<') || /^[|()[\]*+=]$/.test(token)) {
        add(run);
        run = [];
        continue;
      }
      run.push(token.startsWith('"') ? token.slice(1, -1) : token);
    }
    add(run);
  }
  let out = '';
  for (const phrase of phrases) {
    const next = out === '' ? phrase : `${out}, ${phrase}`;
    if (next.length > maxChars) break;
    out = next;
  }
  return out;
}
