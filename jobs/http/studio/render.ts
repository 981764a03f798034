import type { FieldRule } from '../../../src/mapping/field-rule.ts';
import type { Mapping } from '../../../src/mapping/schema.ts';
import type { MappingVersion } from '../../../src/ports/mapping-store.ts';
import { html, type SafeHtml } from '../render/html.ts';
import type { Identity } from '../types.ts';

/*
 * The mapping studio page (issue 17): the mapping in force as tables, the YAML editor (the client
 * bundle turns the textarea into CodeMirror), preview, impact, save and history. Server-rendered;
 * the bundle adds the live parts over JSON routes.
 */

const source = (rule: FieldRule): SafeHtml => {
  if (rule.from !== undefined) return html`<code>${rule.from}</code>`;
  if (rule.template !== undefined) return html`template <code>${rule.template}</code>`;
  return html`const <code>${JSON.stringify(rule.const)}</code>`;
};

const valueMap = (rule: FieldRule): SafeHtml | string => {
  if (!rule.values) return '';
  const pairs = Object.entries(rule.values).map(([k, v]) => html`<div>${k} → ${String(v)}</div>`);
  const other =
    rule.valuesDefault === undefined ? '' : html`<div class="muted">other → ${String(rule.valuesDefault)}</div>`;
  return html`${pairs}${other}`;
};

const defaultOf = (rule: FieldRule): string => {
  if (rule.required) return 'required';
  if (rule.defaultDaysFromNow !== undefined) return `sync day + ${rule.defaultDaysFromNow} days`;
  return rule.default === undefined ? '' : JSON.stringify(rule.default);
};

function rulesTable(caption: string, fields: Record<string, FieldRule>, match: readonly string[] = []): SafeHtml {
  const rows = Object.entries(fields).map(
    ([name, rule]) =>
      html`<tr data-field="${name}">
        <td><code>${name}</code>${match.includes(name) ? html` <span class="muted">(match)</span>` : ''}</td>
        <td>${source(rule)}</td>
        <td>${valueMap(rule)}</td>
        <td>${defaultOf(rule)}</td>
        <td>${rule.format ?? ''}${rule.maxLength ? ` max ${rule.maxLength}` : ''}</td>
        <td>${rule.createOnly || rule.defaultDaysFromNow !== undefined ? 'yes' : ''}</td>
      </tr>`,
  );
  return html`<table>
    <caption>
      ${caption}
    </caption>
    <tr>
      <th>CRM field</th>
      <th>← from</th>
      <th>value map</th>
      <th>default</th>
      <th>format</th>
      <th>create only</th>
    </tr>
    ${rows}
  </table>`;
}

function crmTables(mapping: Mapping): SafeHtml {
  const sf = mapping.salesforce;
  const dv = mapping.dynamics;
  return html`${
    sf
      ? html`<section id="table-salesforce">
          <h3>Salesforce ${sf.object} (upsert on <code>${sf.externalIdField}</code>)</h3>
          ${rulesTable(`${sf.object} fields`, sf.fields)}
          ${sf.account ? rulesTable('Account (found by match fields, else created)', sf.account.fields, sf.account.match) : ''}
        </section>`
      : ''
  }${
    dv
      ? html`<section id="table-dynamics">
          <h3>Dynamics 365 ${dv.entitySet} (upsert on <code>${dv.alternateKey}</code>)</h3>
          ${rulesTable(`${dv.entitySet} columns`, dv.fields)}
          ${dv.account ? rulesTable('account (found by match columns, else created)', dv.account.fields, dv.account.match) : ''}
        </section>`
      : ''
  }`;
}

function history(versions: readonly MappingVersion[], current: number | null, canSave: boolean): SafeHtml {
  if (versions.length === 0) return html`<p class="muted">No version saved yet: MAPPING_FILE is in force.</p>`;
  const rows = versions.map(
    (v) =>
      html`<tr data-version="${v.id}">
        <td><a href="/mapping/versions/${v.id}">${v.id}</a>${v.id === current ? ' (in force)' : ''}</td>
        <td>${v.at}</td>
        <td>${v.author}</td>
        <td>${v.comment}</td>
        <td>
          ${
            canSave && v.id !== current
              ? html`<form class="inline" method="post" action="/mapping/rollback">
                  <input type="hidden" name="version" value="${v.id}" /><button>Roll back to this</button>
                </form>`
              : ''
          }
        </td>
      </tr>`,
  );
  return html`<table id="history">
    <tr>
      <th>version</th>
      <th>saved</th>
      <th>by</th>
      <th>comment</th>
      <th></th>
    </tr>
    ${rows}
  </table>`;
}

export interface StudioPage {
  mapping: Mapping;
  text: string;
  version: MappingVersion | null;
  versions: readonly MappingVersion[];
  identity: Identity | null;
  /** Null: the editor bundle is unavailable (the page says so). */
  scriptPath: string | null;
  flash?: string | undefined;
}

export function renderStudio(p: StudioPage): SafeHtml {
  const canSave = p.identity?.role === 'operator';
  const inForce = p.version
    ? html`version ${p.version.id}, saved ${p.version.at} by
      ${p.version.author}${p.version.comment ? `: ${p.version.comment}` : ''}`
    : 'MAPPING_FILE (no version saved yet)';
  return html`${p.flash ? html`<p class="flash" id="flash">${p.flash}</p>` : ''}
    <h2>Mapping in force</h2>
    <p id="in-force">${inForce}</p>
    ${crmTables(p.mapping)}
    <h2>Edit</h2>
    <p class="muted">
      Problems are shown at their line as you type. Preview and impact use the text in the editor; nothing is written to
      a CRM until a saved version is picked up by the next sync of each referral.
    </p>
    <div id="studio" data-based-on="${p.version?.id ?? ''}" data-can-save="${canSave ? 'yes' : 'no'}">
      ${
        p.scriptPath
          ? ''
          : html`<p class="flash err">
              The editor could not be loaded (no bundle: run <code>npm run build:studio</code>).
            </p>`
      }
      <textarea id="mapping-text" rows="30" cols="100" spellcheck="false">${p.text}</textarea>
      <div id="editor"></div>
      <p id="check-status" class="muted">Checking…</p>
      <ul id="problems"></ul>
      <p>
        <button id="crm-refresh" type="button">Ask the CRM again</button>
        <span class="muted">(field metadata is kept 5 minutes)</span>
      </p>
      <ul id="crm-checks"></ul>
      <h3>Preview</h3>
      <p>
        <input id="preview-q" placeholder="referral id or customer name" size="40" />
        <button id="preview-run" type="button">Preview</button>
        <select id="preview-samples"></select>
      </p>
      <div id="preview-out"></div>
      <h3>Impact</h3>
      <p><button id="impact-run" type="button">Dry run over all stored referrals</button></p>
      <div id="impact-out"></div>
      <h3>Save</h3>
      ${
        canSave
          ? html`<p>
              <input id="save-comment" placeholder="what changed and why" size="60" />
              <button id="save" type="button">Save as a new version</button>
            </p>`
          : html`<p class="muted">Saving needs the operator role.</p>`
      }
      <p id="save-status"></p>
    </div>
    <h2>History</h2>
    ${history(p.versions, p.version?.id ?? null, canSave)}
    ${p.scriptPath ? html`<script src="${p.scriptPath}"></script>` : ''}`;
}

export function renderVersion(v: MappingVersion, diff: string, canSave: boolean): SafeHtml {
  return html`<h2>Mapping version ${v.id}</h2>
    <p>Saved ${v.at} by ${v.author}${v.comment ? `: ${v.comment}` : ''}</p>
    ${
      canSave
        ? html`<form method="post" action="/mapping/rollback">
            <input type="hidden" name="version" value="${v.id}" />
            <input name="comment" placeholder="why" size="40" /> <button>Roll back to this version</button>
          </form>`
        : ''
    }
    <h3>Changes from the version before</h3>
    <pre id="diff">${diff || '(first version)'}</pre>
    <h3>Text</h3>
    <pre id="text">${v.text}</pre>
    <p><a href="/mapping">Back to the studio</a></p>`;
}
