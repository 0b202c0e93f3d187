/**
 * Characters that can hide or reorder what a person reads (Trojan Source, CVE-2021-42574):
 * C0 and C1 controls and DEL (C1 includes CSI, which drives terminals), the Arabic letter
 * mark, Mongolian vowel separator, zero-width and direction marks (U+200B–U+200F), line and
 * paragraph separators (U+2028/2029), bidi embeddings and overrides (U+202A–U+202E),
 * word joiner and invisible operators (U+2060–U+2064), bidi isolates (U+2066–U+2069), the
 * BOM / zero-width no-break space (U+FEFF) and interlinear annotation marks (U+FFF9–U+FFFB).
 * A name holding one could make an approval card read "code 47" as "74", or be invisible.
 */
export const HIDDEN_CHARACTERS = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff\\ufff9-\\ufffb';

/** The pattern every person-facing name must match; the error handler recognises it to name the field. */
export const DISPLAY_TEXT_PATTERN = `^[^${HIDDEN_CHARACTERS}]+$`;

const hidden = new RegExp(`[${HIDDEN_CHARACTERS}]`, 'gu');

/**
 * Shows every hidden character as a visible escape, for text written where it cannot be
 * refused: a terminal. `json` writes `\uXXXX` (still valid inside JSON strings), `text`
 * writes `\u{XXXX}`. Characters in `keep` (a newline between lines) pass through.
 */
export function revealHidden(text: string, style: 'text' | 'json' = 'text', keep: readonly string[] = ['\n']): string {
  return text.replace(hidden, (c) => {
    if (keep.includes(c)) return c;
    const hex = c.codePointAt(0)!.toString(16).padStart(4, '0');
    return style === 'json' ? `\\u${hex}` : `\\u{${hex}}`;
  });
}
