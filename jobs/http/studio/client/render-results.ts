/*
 * DOM output of the studio's JSON answers. Text only (textContent), never markup from a response:
 * referral data is customer data.
 */

type Value = string | number | boolean | null;

export function el(tag: string, text?: string, attrs: Record<string, string> = {}): HTMLElement {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

const show = (v: Value | undefined): string => (v === undefined ? '—' : v === null ? '(cleared)' : String(v));

export interface Problem {
  line: number | null;
  from: number;
  to: number;
  path: string;
  message: string;
}

export function renderProblems(list: HTMLElement, problems: readonly Problem[]): void {
  list.replaceChildren(
    ...problems.map((p) =>
      el('li', `${p.line === null ? '' : `line ${p.line}: `}${p.path ? `${p.path}: ` : ''}${p.message}`, {
        class: 'bad',
        'data-line': String(p.line ?? ''),
      }),
    ),
  );
}

export function renderCrmChecks(
  list: HTMLElement,
  checks: readonly { crm: string; path: string; message: string }[] | undefined,
): void {
  list.replaceChildren(
    ...(checks ?? []).map((c) => el('li', `${c.crm}: ${c.path ? `${c.path}: ` : ''}${c.message}`, { class: 'bad' })),
  );
}

export interface PreviewAnswer {
  referral: { id: string; name: string; customer: string; status: string; category: string };
  route: { crm: string; why: string };
  routeBefore?: { crm: string; why: string };
  fields: { name: string; value: Value; createOnly: boolean; before?: Value; changed: boolean }[];
  dropped: string[];
  account: { match: Record<string, Value>; fields: Record<string, Value> } | null;
  error: string | null;
  errorBefore: string | null;
  crmNow?: Record<string, Value> | null;
  crmDiffers?: string[];
}

export function renderPreview(out: HTMLElement, p: PreviewAnswer): void {
  const r = p.referral;
  const parts: HTMLElement[] = [
    el('p', `${r.id}: ${r.name} (${r.customer}), ${r.status}, ${r.category}`),
    el(
      'p',
      `Goes to ${p.route.crm} (${p.route.why})${p.routeBefore ? `; today it goes to ${p.routeBefore.crm}` : ''}.`,
      { id: 'preview-route' },
    ),
  ];
  if (p.error) {
    parts.push(el('p', `Would be parked: ${p.error}`, { id: 'preview-error', class: 'bad' }));
    out.replaceChildren(...parts);
    return;
  }
  const hasCrm = p.crmNow !== undefined;
  const table = el('table', undefined, { id: 'preview-fields' });
  const head = el('tr');
  for (const h of ['field', 'this edit writes', 'version in force writes', ...(hasCrm ? ['in the CRM now'] : []), ''])
    head.append(el('th', h));
  table.append(head);
  for (const f of p.fields) {
    const row = el('tr', undefined, { 'data-field': f.name, ...(f.changed ? { class: 'changed' } : {}) });
    const crm = p.crmNow?.[f.name];
    const note = [
      f.changed ? 'changed by this edit' : '',
      f.createOnly ? 'create only' : '',
      p.crmDiffers?.includes(f.name)
        ? p.crmNow === null
          ? 'created by the next sync'
          : 'a sync would update the CRM'
        : '',
    ].filter(Boolean);
    row.append(
      el('td', f.name),
      el('td', show(f.value)),
      el('td', show(f.before)),
      ...(hasCrm ? [el('td', p.crmNow === null ? '(no opportunity yet)' : show(crm))] : []),
      el('td', note.join('; ')),
    );
    table.append(row);
  }
  parts.push(table);
  if (p.dropped.length > 0)
    parts.push(
      el('p', `No longer written (left as they are in the CRM): ${p.dropped.join(', ')}`, { id: 'preview-dropped' }),
    );
  if (p.account) {
    const match = Object.entries(p.account.match)
      .map(([k, v]) => `${k} = ${show(v)}`)
      .join(', ');
    parts.push(
      el('p', `Account: found by ${match}; else created with ${Object.keys(p.account.fields).join(', ')}.`, {
        id: 'preview-account',
      }),
    );
  }
  out.replaceChildren(...parts);
}

export interface ImpactAnswer {
  referrals: number;
  changed: number;
  fields: Record<string, number>;
  rerouted: number;
  parked: number;
  fixed: number;
  reasons: { reason: string; count: number }[];
}

export function renderImpact(out: HTMLElement, i: ImpactAnswer): void {
  const parts: HTMLElement[] = [
    el(
      'p',
      `Of ${i.referrals} stored referrals, ${i.changed} opportunities would change at their next sync; ${i.parked} would be parked; ${i.rerouted} go to another CRM; ${i.fixed} parked today would map.`,
      { id: 'impact-summary' },
    ),
  ];
  const fields = Object.entries(i.fields).sort((a, b) => b[1] - a[1]);
  if (fields.length > 0) {
    const t = el('table', undefined, { id: 'impact-fields' });
    t.append(el('tr'));
    t.firstElementChild?.append(el('th', 'field'), el('th', 'opportunities'));
    for (const [name, n] of fields) {
      const row = el('tr', undefined, { 'data-field': name });
      row.append(el('td', name), el('td', String(n)));
      t.append(row);
    }
    parts.push(t);
  }
  if (i.reasons.length > 0) {
    const ul = el('ul', undefined, { id: 'impact-reasons' });
    ul.append(...i.reasons.map((r) => el('li', `${r.count} × ${r.reason}`, { class: 'bad' })));
    parts.push(ul);
  }
  out.replaceChildren(...parts);
}
