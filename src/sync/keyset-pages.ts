import type { Referral } from '../domain/referral.ts';
import { RetryableError, ValidationError } from '../errors.ts';
import type { InvalidReferral, PartnerCenterClient, ReferralListPage } from '../ports/partner-center.ts';
import { contentHash } from './draft-hash.ts';

/*
 * Keyset paging over Partner Center's list (issue 12; docs/partner-center-paging.md). Its
 * `$skiptoken` is not documented as a snapshot: a service that pages by offset shifts its pages
 * whenever a referral is edited between two requests (our own write-back PATCHes move referrals
 * to the end of the `updatedDateTime` order), and a nextLink then skips referrals. So every page
 * is a fresh first page of `updatedDateTime ge <greatest updatedDateTime taken>`: a first page
 * depends on no earlier request, and the same order holds every referral not taken yet at or
 * after that instant. Referrals met again at that instant are dropped (already taken).
 */

export interface KeysetPage {
  /** Items of this page not taken before in this pull. */
  page: ReferralListPage;
  /** Every referral updated before this instant has now been yielded: the checkpoint may move here. */
  through: Date | null;
  /** The page reached changes stamped after the pull began: the pull ends with it. */
  last: boolean;
}

export interface KeysetOptions {
  since: Date;
  pageSize: number;
  /** When the pull began (ms); changes stamped later are the next pull's. */
  startedAt: number;
}

/**
 * Walks of one crowded timestamp before giving up (see walkInstant). Each walk after the first
 * happens only because the one before found referrals the walk before it had missed.
 */
const MAX_WALKS = 5;

export async function* keysetPages(client: PartnerCenterClient, o: KeysetOptions): AsyncGenerator<KeysetPage> {
  const taken = new Set<string>();
  let cursor = o.since.getTime();
  for (;;) {
    const got = await firstPage(client, cursor, o.pageSize);
    if (!got) return;
    checkOrder(got, cursor);
    const newest = newestOf(got);
    const fresh = takeNew(got, taken);
    const last = newest !== null && newest > o.startedAt;
    if (newest !== null && newest > cursor) {
      // Everything in [cursor, newest) is on this page: the order holds it before `newest`.
      yield { page: fresh, through: new Date(newest), last };
      if (last) return;
      cursor = newest;
      continue;
    }
    // The whole page sits at the cursor (or carries no time). Short of a full page, the list is done.
    if (!hasMore(got, o.pageSize) || last) {
      if (size(fresh) > 0) yield { page: fresh, through: null, last: true };
      return;
    }
    // More than a page shares one updatedDateTime: a fresh query would only return this page again.
    if (size(fresh) > 0) yield { page: fresh, through: null, last: false };
    for await (const page of walkInstant(client, cursor, o.pageSize, taken)) yield { page, through: null, last: false };
    // The instant is complete. `ge cursor + 1 ms` is `gt cursor` at the millisecond precision we
    // compare in, without relying on `gt` (UNCONFIRMED for the API, docs/partner-center-paging.md).
    cursor += 1;
  }
}

/**
 * Referrals sharing the instant `at`, by following nextLink from a fresh `ge at` query until the
 * order moves past `at`. Paged by offset, an edit during the walk can make it miss one: an edit
 * stamps the referral now, so the instant only loses members and never gains one. The walk is
 * therefore repeated until one finds nothing new; past MAX_WALKS the pull fails retryably, with
 * the checkpoint still at or before `at`, so nothing is lost and the next pull tries again.
 */
async function* walkInstant(
  client: PartnerCenterClient,
  at: number,
  pageSize: number,
  taken: Set<string>,
): AsyncGenerator<ReferralListPage> {
  for (let walk = 1; ; walk++) {
    let found = 0;
    for await (const page of client.listReferrals({ updatedSince: new Date(at), pageSize })) {
      checkOrder(page, at);
      const fresh = takeNew(atInstant(page, at), taken);
      found += size(fresh);
      if (size(fresh) > 0) yield fresh;
      if ((newestOf(page) ?? at) > at) break;
    }
    if (found === 0) return;
    if (walk >= MAX_WALKS) {
      throw new RetryableError(
        `partner-center list: referrals updated at ${new Date(at).toISOString()} kept changing while paged; pulling again later`,
      );
    }
  }
}

/** The first page of a fresh query; the rest of that traversal is never asked for. */
async function firstPage(
  client: PartnerCenterClient,
  since: number,
  pageSize: number,
): Promise<ReferralListPage | null> {
  const pages = client.listReferrals({ updatedSince: new Date(since), pageSize })[Symbol.asyncIterator]();
  try {
    const got = await pages.next();
    return got.done ? null : got.value;
  } finally {
    await pages.return?.(undefined);
  }
}

/**
 * The keyset rests on the service honouring `$filter=updatedDateTime ge` and `$orderby=
 * updatedDateTime asc` (documented, yet never seen tested: docs/partner-center-paging.md). A page
 * that breaks either would let the checkpoint pass referrals not listed, so the pull stops loudly.
 */
function checkOrder(page: ReferralListPage, since: number): void {
  let previous = since;
  for (const r of page.referrals) {
    const t = timeOf(r.updatedDateTime);
    if (t === null) continue;
    if (t < since) {
      throw new ValidationError(
        `partner-center list: referral ${r.id} updated at ${r.updatedDateTime} came back for updatedDateTime ge ${new Date(since).toISOString()}`,
      );
    }
    if (t < previous) throw new ValidationError('partner-center list: the page is not in updatedDateTime order');
    previous = t;
  }
}

/** Without a nextLink flag from the client, a full page is taken to mean there may be more. */
const hasMore = (page: ReferralListPage, pageSize: number): boolean => page.more ?? size(page) >= pageSize;

const size = (page: ReferralListPage): number => page.referrals.length + page.invalid.length;

/** Items of `page` not taken yet in this pull, now marked taken. A new version is a new item. */
function takeNew(page: ReferralListPage, taken: Set<string>): ReferralListPage {
  const fresh = (key: string): boolean => (taken.has(key) ? false : (taken.add(key), true));
  return {
    referrals: page.referrals.filter((r) => fresh(`${r.id} ${r.eTag}`)),
    invalid: page.invalid.filter((bad) => fresh(`invalid ${bad.id ?? ''} ${contentHash(bad.raw)}`)),
  };
}

/** The part of a page at instant `at` (items without a time are kept: nothing places them elsewhere). */
function atInstant(page: ReferralListPage, at: number): ReferralListPage {
  const here = (t: number | null): boolean => t === null || t === at;
  return {
    referrals: page.referrals.filter((r) => here(timeOf(r.updatedDateTime))),
    invalid: page.invalid.filter((bad) => here(invalidTime(bad))),
  };
}

/**
 * The greatest updatedDateTime on a page. An invalid item's raw time counts only on a page with
 * no valid time (so a page of them cannot stall the cursor): a malformed item must not be able to
 * move the cursor past valid referrals.
 */
function newestOf(page: ReferralListPage): number | null {
  const max = (ts: Array<number | null>): number | null =>
    ts.reduce<number | null>((m, t) => (t !== null && (m === null || t > m) ? t : m), null);
  return max(page.referrals.map((r) => timeOf(r.updatedDateTime))) ?? max(page.invalid.map(invalidTime));
}

const invalidTime = (bad: InvalidReferral): number | null => {
  const raw = bad.raw as { updatedDateTime?: unknown } | null;
  return typeof raw === 'object' && raw !== null && typeof raw.updatedDateTime === 'string'
    ? timeOf(raw.updatedDateTime)
    : null;
};

function timeOf(value: Referral['updatedDateTime'] | undefined): number | null {
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(t) ? null : t;
}
