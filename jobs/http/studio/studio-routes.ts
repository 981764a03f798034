import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Referral } from '../../../src/domain/referral.ts';
import { categorize, CATEGORIES } from '../../../src/mapping/category.ts';
import { mappingImpact } from '../../../src/mapping/impact.ts';
import { mappingJsonSchema } from '../../../src/mapping/json-schema.ts';
import { mappingChanges, restartChanges } from '../../../src/mapping/mapping-changes.ts';
import { previewReferral, sameCrmValue, type Deployment } from '../../../src/mapping/preview.ts';
import type { Mapping } from '../../../src/mapping/schema.ts';
import type { Clock } from '../../../src/ports/clock.ts';
import type { CrmKind, FieldValue } from '../../../src/ports/crm.ts';
import type { MappingStore, MappingVersion } from '../../../src/ports/mapping-store.ts';
import type { ReferralStore } from '../../../src/ports/state.ts';
import { checkForDeployment, saveMappingVersion, textDiff, versionLabel } from '../../mapping-versions.ts';
import { page, safeText, type PageOptions } from '../render/html.ts';
import type { HttpRequest, HttpResponse, HttpRoute } from '../types.ts';
import { studioAsset } from './bundle.ts';
import { renderStudio, renderVersion } from './render.ts';

/*
 * The mapping studio's routes (issue 17). Viewers see, check, preview and run the impact; only
 * operators save or roll back, and a save is checked here whatever the browser did. Nothing here
 * writes to a CRM: preview and impact map referrals in memory, and the CRM reads (field metadata,
 * the opportunity as it stands) are GETs.
 */

/** One live CRM problem with a mapped field (doctor's checks, per field). */
export interface CrmFieldProblem {
  crm: CrmKind;
  /** e.g. `salesforce.fields.Region__c`. */
  path: string;
  message: string;
}

export interface StudioDeps {
  store: MappingStore;
  deployment: Deployment;
  /** MAPPING_FILE, in force while no version was saved. */
  file: string;
  referrals: ReferralStore;
  clock: Clock;
  log: Logger;
  nav?: PageOptions['nav'];
  /** Live CRM checks of a mapping's target fields (cached by the provider); absent: not shown. */
  crmChecks?: ((mapping: Mapping, refresh: boolean) => Promise<CrmFieldProblem[]>) | undefined;
  /** The opportunity's current values in the CRM (a read); absent: the preview shows no CRM column. */
  readOpportunity?:
    | ((crm: CrmKind, referralId: string, fields: string[]) => Promise<Record<string, FieldValue> | null | undefined>)
    | undefined;
}

const STATUSES = ['New', 'Active', 'Closed'];
const text = (status: number, body: string): HttpResponse => ({
  status,
  body,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
});

const TextBody = z.object({ text: z.string().max(500_000) });
const PreviewBody = TextBody.extend({ referralId: z.string().min(1).max(200) });
const SaveBody = TextBody.extend({
  comment: z.string().max(500).default(''),
  basedOn: z.number().int().positive().nullable(),
});

function jsonBody<T extends z.ZodType>(req: HttpRequest, schema: T): z.infer<T> | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(req.body.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const scrub = (v: FieldValue): FieldValue => (typeof v === 'string' ? safeText(v) : v);
const scrubAll = (r: Record<string, FieldValue>): Record<string, FieldValue> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, scrub(v)]));

const authorOf = (req: HttpRequest): string => `dashboard:${req.identity?.user ?? req.identity?.role ?? 'unknown'}`;

export function mappingStudioRoutes(d: StudioDeps): HttpRoute[] {
  const inForce = async (): Promise<{ text: string; mapping: Mapping; version: MappingVersion | null }> => {
    const id = await d.store.currentId();
    const version = id === null ? null : await d.store.get(id);
    const t = version?.text ?? (await readFile(d.file, 'utf8'));
    const checked = checkForDeployment(t, d.deployment);
    if (!checked.ok) throw new Error(`the mapping in force (${versionLabel(version)}) does not validate`);
    return { text: t, mapping: checked.mapping, version };
  };

  async function allReferrals(): Promise<Referral[]> {
    const ids = [...new Set((await Promise.all(STATUSES.map((s) => d.referrals.idsWithStatus(s)))).flat())].sort();
    const out: Referral[] = [];
    for (let i = 0; i < ids.length; i += 200) {
      const batch = await Promise.all(ids.slice(i, i + 200).map((id) => d.referrals.get(id)));
      out.push(...batch.filter((r): r is Referral => r !== null));
    }
    return out;
  }

  const summary = (r: Referral) => ({
    id: r.id,
    name: r.name ?? '',
    customer: r.customerProfile?.name ?? '',
    status: `${r.status}/${r.substatus ?? ''}`,
    category: categorize(r),
  });

  async function studioPage(req: HttpRequest): Promise<HttpResponse> {
    const [current, versions, asset] = await Promise.all([
      inForce(),
      d.store.list(50),
      // Without the bundle the page still shows the mapping and history; the editor is a plain textarea.
      studioAsset().catch((err: unknown) => {
        d.log.error({ err }, 'mapping studio: no editor bundle (run `npm run build:studio`)');
        return null;
      }),
    ]);
    const saved = req.query.get('saved');
    const body = renderStudio({
      ...current,
      versions,
      identity: req.identity,
      scriptPath: asset?.path ?? null,
      flash:
        saved && /^\d+$/.test(saved) ? `Saved version ${saved}; workers apply it from their next sync job.` : undefined,
    });
    return { status: 200, body: page('Mapping studio', body, { identity: req.identity, nav: d.nav ?? [] }) };
  }

  async function versionPage(req: HttpRequest): Promise<HttpResponse> {
    const id = Number(req.params.id);
    const v = Number.isInteger(id) && id > 0 ? await d.store.get(id) : null;
    if (!v) return text(404, 'no such mapping version');
    const before = v.basedOn === null ? null : await d.store.get(v.basedOn);
    const diff = before
      ? textDiff({ label: versionLabel(before), text: before.text }, { label: versionLabel(v), text: v.text })
      : '';
    const body = renderVersion(v, diff, req.identity?.role === 'operator');
    return { status: 200, body: page(`Mapping version ${v.id}`, body, { identity: req.identity, nav: d.nav ?? [] }) };
  }

  async function check(req: HttpRequest): Promise<HttpResponse> {
    const b = jsonBody(req, TextBody);
    if (!b) return text(400, 'expected JSON {text}');
    const checked = checkForDeployment(b.text, d.deployment);
    if (!checked.ok) return { status: 200, body: { ok: false, problems: checked.problems } };
    const current = await inForce();
    const crm = d.crmChecks
      ? await d.crmChecks(checked.mapping, req.query.get('refresh') === '1').catch((err: unknown) => {
          d.log.warn({ err }, 'mapping studio: live CRM check failed');
          return [
            {
              crm: d.deployment.kinds[0] ?? 'salesforce',
              path: '',
              message: 'the CRM could not be asked (see the worker log)',
            },
          ];
        })
      : undefined;
    return {
      status: 200,
      body: {
        ok: true,
        problems: [],
        changes: mappingChanges(current.mapping, checked.mapping),
        restart: restartChanges(current.mapping, checked.mapping),
        ...(crm ? { crm } : {}),
      },
    };
  }

  async function referralsSearch(req: HttpRequest): Promise<HttpResponse> {
    const q = (req.query.get('q') ?? '').trim().toLowerCase();
    const all = await allReferrals();
    if (q === '') {
      // One sample per category, for an admin who does not know an id.
      const samples = CATEGORIES.flatMap((c) => all.find((r) => categorize(r) === c) ?? []);
      return { status: 200, body: samples.map(summary) };
    }
    const hits = all.filter(
      (r) =>
        r.id.toLowerCase() === q ||
        (r.customerProfile?.name ?? '').toLowerCase().includes(q) ||
        (r.name ?? '').toLowerCase().includes(q),
    );
    return { status: 200, body: hits.slice(0, 20).map(summary) };
  }

  async function preview(req: HttpRequest): Promise<HttpResponse> {
    const b = jsonBody(req, PreviewBody);
    if (!b) return text(400, 'expected JSON {text, referralId}');
    const checked = checkForDeployment(b.text, d.deployment);
    if (!checked.ok) return text(422, 'fix the problems first');
    const referral = await d.referrals.get(b.referralId);
    if (!referral) return text(404, 'no stored referral with that id');
    const current = await inForce();
    const p = previewReferral(referral, d.clock.now(), checked.mapping, current.mapping, d.deployment);
    let crmNow: Record<string, FieldValue> | null | undefined;
    if (d.readOpportunity && p.error === null) {
      crmNow = await d
        .readOpportunity(p.route.crm, referral.id, [...p.fields.map((f) => f.name), ...p.dropped])
        .catch((err: unknown) => {
          d.log.warn({ err, referralId: referral.id }, 'mapping studio: reading the opportunity failed');
          return undefined;
        });
    }
    // Fields a sync would change in the CRM (create-only ones are left once the record exists).
    const crmDiffers =
      crmNow === undefined
        ? undefined
        : p.fields
            .filter((f) => crmNow === null || (!f.createOnly && !sameCrmValue(f.value, crmNow[f.name])))
            .map((f) => f.name);
    // Values are shown, so contact details a rule may map (a team email, a phone) are blanked.
    const shown = {
      ...p,
      fields: p.fields.map((f) => ({
        ...f,
        value: scrub(f.value),
        ...(f.before === undefined ? {} : { before: scrub(f.before) }),
      })),
      account: p.account && {
        match: scrubAll(p.account.match),
        fields: scrubAll(p.account.fields),
      },
    };
    return {
      status: 200,
      body: {
        referral: summary(referral),
        ...shown,
        ...(crmNow === undefined ? {} : { crmNow: crmNow && scrubAll(crmNow), crmDiffers }),
      },
    };
  }

  async function impact(req: HttpRequest): Promise<HttpResponse> {
    const b = jsonBody(req, TextBody);
    if (!b) return text(400, 'expected JSON {text}');
    const checked = checkForDeployment(b.text, d.deployment);
    if (!checked.ok) return text(422, 'fix the problems first');
    const current = await inForce();
    const all = await allReferrals();
    return {
      status: 200,
      body: { ...mappingImpact(all, d.clock.now(), current.mapping, checked.mapping, d.deployment) },
    };
  }

  async function save(req: HttpRequest): Promise<HttpResponse> {
    const b = jsonBody(req, SaveBody);
    if (!b) return text(400, 'expected JSON {text, comment, basedOn}');
    const outcome = await saveMappingVersion(d.store, d.deployment, {
      text: b.text,
      author: authorOf(req),
      comment: b.comment,
      basedOn: b.basedOn,
      now: d.clock.now(),
    });
    d.log.info(
      {
        action: 'mapping save',
        user: req.identity?.user,
        ok: outcome.ok,
        ...(outcome.ok ? { mappingVersion: outcome.version.id } : { reason: outcome.reason }),
      },
      'dashboard action',
    );
    if (outcome.ok)
      return { status: 201, body: { version: outcome.version.id, changes: outcome.changes, restart: outcome.restart } };
    if (outcome.reason === 'invalid') return { status: 422, body: { problems: outcome.problems } };
    if (outcome.reason === 'conflict') return { status: 409, body: { current: outcome.current } };
    return { status: 409, body: { unchanged: true } };
  }

  async function rollback(req: HttpRequest): Promise<HttpResponse> {
    const form = new URLSearchParams(req.body.toString('utf8'));
    const id = Number(form.get('version'));
    const target = Number.isInteger(id) && id > 0 ? await d.store.get(id) : null;
    if (!target) return text(404, 'no such mapping version');
    const outcome = await saveMappingVersion(d.store, d.deployment, {
      text: target.text,
      author: authorOf(req),
      comment: (form.get('comment') ?? '').trim().slice(0, 500) || `rollback to version ${target.id}`,
      basedOn: await d.store.currentId(),
      now: d.clock.now(),
    });
    d.log.info({ action: 'mapping rollback', user: req.identity?.user, to: id, ok: outcome.ok }, 'dashboard action');
    if (outcome.ok) return { status: 303, body: '', headers: { location: `/mapping?saved=${outcome.version.id}` } };
    if (outcome.reason === 'unchanged') return { status: 303, body: '', headers: { location: '/mapping' } };
    return text(
      409,
      outcome.reason === 'invalid'
        ? 'that version does not validate for this deployment'
        : 'another version was saved meanwhile; try again',
    );
  }

  return [
    { method: 'GET', path: '/mapping', access: 'viewer', handler: studioPage },
    { method: 'GET', path: '/mapping/versions/:id', access: 'viewer', handler: versionPage },
    {
      method: 'GET',
      path: '/mapping/schema.json',
      access: 'viewer',
      handler: () => ({ status: 200, body: mappingJsonSchema() }),
    },
    { method: 'GET', path: '/mapping/referrals', access: 'viewer', handler: referralsSearch },
    {
      method: 'GET',
      path: '/assets/mapping-studio.js',
      access: 'viewer',
      handler: async () => {
        const a = await studioAsset();
        return {
          status: 200,
          body: a.body,
          headers: { 'content-type': a.contentType, 'cache-control': 'private, max-age=31536000, immutable' },
        };
      },
    },
    { method: 'POST', path: '/mapping/check', access: 'viewer', handler: check },
    { method: 'POST', path: '/mapping/preview', access: 'viewer', handler: preview },
    { method: 'POST', path: '/mapping/impact', access: 'viewer', handler: impact },
    { method: 'POST', path: '/mapping/save', access: 'operator', handler: save },
    { method: 'POST', path: '/mapping/rollback', access: 'operator', handler: rollback },
  ];
}
