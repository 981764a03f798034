/*
 * `{path}` templates, used by `template`, string `default` values and `referralLink`.
 * `{{` and `}}` stand for literal braces; any other lone brace is an error, so a typo such as
 * "{customerProfile.name referral" is caught when the file is loaded, not at sync time.
 */

export type TemplatePart = { text: string } | { path: string };

export type ParsedTemplate = { ok: true; parts: TemplatePart[] } | { ok: false; error: string };

export function parseTemplate(template: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i];
    const next = template[i + 1];
    if ((ch === '{' && next === '{') || (ch === '}' && next === '}')) {
      text += ch;
      i += 2;
    } else if (ch === '{') {
      const end = template.indexOf('}', i + 1);
      const path = end === -1 ? '' : template.slice(i + 1, end).trim();
      if (end === -1 || path === '' || path.includes('{')) {
        return { ok: false, error: `unmatched "{" at position ${i + 1} (write "{{" for a literal brace)` };
      }
      if (text) parts.push({ text });
      text = '';
      parts.push({ path });
      i = end + 1;
    } else if (ch === '}') {
      return { ok: false, error: `unmatched "}" at position ${i + 1} (write "}}" for a literal brace)` };
    } else {
      text += ch;
      i += 1;
    }
  }
  if (text) parts.push({ text });
  return { ok: true, parts };
}

export const templatePaths = (parts: TemplatePart[]): string[] => parts.flatMap((p) => ('path' in p ? [p.path] : []));

/**
 * Renders parsed parts. `resolve` returns the text for one placeholder ('' when missing).
 * `empty` is true when the template has placeholders and every one of them was empty, so a
 * rule can treat "{customerProfile.name} referral" without a name as missing.
 */
export function renderTemplate(
  parts: TemplatePart[],
  resolve: (path: string) => string,
): { text: string; empty: boolean } {
  let text = '';
  let placeholders = 0;
  let filled = 0;
  for (const part of parts) {
    if ('text' in part) {
      text += part.text;
    } else {
      const value = resolve(part.path);
      placeholders += 1;
      if (value !== '') filled += 1;
      text += value;
    }
  }
  return { text, empty: placeholders > 0 && filled === 0 };
}
