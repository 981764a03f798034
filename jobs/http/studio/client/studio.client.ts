import { autocompletion } from '@codemirror/autocomplete';
import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorView, basicSetup } from 'codemirror';
import {
  el,
  renderCrmChecks,
  renderImpact,
  renderPreview,
  renderProblems,
  type ImpactAnswer,
  type PreviewAnswer,
  type Problem,
} from './render-results.ts';
import { schemaCompletion, type Schema } from './schema-complete.ts';

/*
 * The mapping studio in the browser (issue 17): CodeMirror over the page's textarea, problems
 * from the server's validate-mapping at their lines (the lint extension debounces), completion
 * from the JSON Schema, and the preview / impact / save buttons. Every check that matters runs on
 * the server again at save.
 */

const byId = <T extends HTMLElement = HTMLElement>(id: string): T | null => document.getElementById(id) as T | null;

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function start(): void {
  const root = byId('studio');
  const area = byId<HTMLTextAreaElement>('mapping-text');
  const host = byId('editor');
  if (!root || !area || !host) return;
  let basedOn = root.dataset.basedOn ? Number(root.dataset.basedOn) : null;
  const status = byId('check-status');
  const problemsList = byId('problems');
  const crmList = byId('crm-checks');
  let schema: Schema = {};
  void fetch('/mapping/schema.json')
    .then((r) => r.json() as Promise<Schema>)
    .then((s) => {
      schema = s;
    });

  const check = linter(
    async (view): Promise<Diagnostic[]> => {
      const text = view.state.doc.toString();
      const r = await post('/mapping/check', { text });
      if (!r.ok) {
        if (status) status.textContent = `Check failed (${r.status}).`;
        return [];
      }
      const a = (await r.json()) as {
        ok: boolean;
        problems: Problem[];
        restart?: { path: string }[];
        crm?: { crm: string; path: string; message: string }[];
      };
      if (view.state.doc.toString() !== text) return [];
      if (problemsList) renderProblems(problemsList, a.problems);
      if (crmList) renderCrmChecks(crmList, a.crm);
      if (status) {
        const restart = a.restart?.length
          ? ` Needs a worker restart to apply: ${a.restart.map((c) => c.path).join(', ')}.`
          : '';
        status.textContent = a.ok ? `No problems.${restart}` : `${a.problems.length} problem(s).`;
        status.className = a.ok ? 'ok' : 'bad';
      }
      const len = view.state.doc.length;
      return a.problems.map((p) => ({
        from: Math.min(p.from, len),
        to: Math.min(Math.max(p.to, p.from + 1), len),
        severity: 'error',
        message: `${p.path ? `${p.path}: ` : ''}${p.message}`,
      }));
    },
    { delay: 400 },
  );

  byId('crm-refresh')?.addEventListener('click', () => {
    void (async () => {
      const r = await post('/mapping/check?refresh=1', { text: view.state.doc.toString() });
      if (r.ok && crmList)
        renderCrmChecks(crmList, ((await r.json()) as { crm?: { crm: string; path: string; message: string }[] }).crm);
    })();
  });

  const view = new EditorView({
    doc: area.value,
    extensions: [
      basicSetup,
      yaml(),
      lintGutter(),
      check,
      autocompletion({ override: [(ctx) => schemaCompletion(schema)(ctx)] }),
    ],
    parent: host,
  });
  area.hidden = true;
  const text = () => view.state.doc.toString();

  const previewOut = byId('preview-out');
  const samples = byId<HTMLSelectElement>('preview-samples');
  const q = byId<HTMLInputElement>('preview-q');
  const runPreview = async (referralId: string) => {
    if (!previewOut) return;
    const r = await post('/mapping/preview', { text: text(), referralId });
    if (!r.ok) {
      previewOut.replaceChildren(el('p', await r.text(), { class: 'bad', id: 'preview-error' }));
      return;
    }
    renderPreview(previewOut, (await r.json()) as PreviewAnswer);
  };
  const loadSamples = async (query: string) => {
    const r = await fetch(`/mapping/referrals?q=${encodeURIComponent(query)}`);
    const list = (await r.json()) as { id: string; name: string; customer: string; category: string }[];
    samples?.replaceChildren(
      el('option', list.length ? `${list.length} referral(s): pick one` : 'no referral found', { value: '' }),
      ...list.map((x) => el('option', `${x.category}: ${x.customer} (${x.name})`, { value: x.id })),
    );
    return list;
  };
  void loadSamples('');
  samples?.addEventListener('change', () => {
    if (samples.value) void runPreview(samples.value);
  });
  byId('preview-run')?.addEventListener('click', () => {
    void (async () => {
      const list = await loadSamples(q?.value ?? '');
      const first = list[0];
      if (first) void runPreview(first.id);
      else previewOut?.replaceChildren(el('p', 'No stored referral matches.', { id: 'preview-error' }));
    })();
  });

  byId('impact-run')?.addEventListener('click', () => {
    void (async () => {
      const out = byId('impact-out');
      if (!out) return;
      out.textContent = 'Running…';
      const r = await post('/mapping/impact', { text: text() });
      if (!r.ok) out.textContent = await r.text();
      else renderImpact(out, (await r.json()) as ImpactAnswer);
    })();
  });

  byId('save')?.addEventListener('click', () => {
    void (async () => {
      const out = byId('save-status');
      const comment = byId<HTMLInputElement>('save-comment')?.value ?? '';
      const r = await post('/mapping/save', { text: text(), comment, basedOn });
      const a = (await r.json()) as {
        version?: number;
        problems?: Problem[];
        current?: number | null;
        unchanged?: boolean;
      };
      if (r.status === 201 && a.version) {
        basedOn = a.version;
        location.assign(`/mapping?saved=${a.version}`);
      } else if (out) {
        out.className = 'bad';
        out.textContent = a.problems
          ? `Not saved: ${a.problems.length} problem(s), shown above.`
          : a.unchanged
            ? 'Nothing to save: this is the version in force.'
            : `Not saved: version ${String(a.current)} was saved meanwhile; reload to edit it.`;
      }
    })();
  });
}

start();
