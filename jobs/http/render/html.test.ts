import { describe, expect, it } from 'vitest';
import { duration, html, raw, safeText } from './html.ts';

describe('html', () => {
  it('escapes every interpolated value, arrays included, unless it is SafeHtml', () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<td>${name}</td>`.value).toBe('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</td>');
    expect(html`<ul>${['<a>', html`<li>${'<b>'}</li>`]}</ul>`.value).toBe('<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>');
    expect(html`${raw('<br>')}${null}${undefined}${false}${0}`.value).toBe('<br>0');
  });

  it('blanks credentials, emails and international phone numbers in free text', () => {
    const text = 'failed for ines.marquardt@customer3.example (+49 30 1234 5678) with Bearer abc.def.ghi on 2025-03-04';
    expect(safeText(text)).toBe('failed for [email hidden] ([phone hidden]) with [redacted] on 2025-03-04');
  });

  it('formats durations for people', () => {
    expect([duration(null), duration(42), duration(600), duration(7200), duration(3 * 86_400)]).toEqual([
      'n/a',
      '42 s',
      '10 min',
      '2.0 h',
      '3.0 d',
    ]);
  });
});
