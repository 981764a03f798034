import type { OpportunityDraft } from '../../src/ports/crm.ts';

/*
 * Owners for new opportunities (mapping `assignOwnerFromTeam`): the first of a referral's team
 * emails that belongs to an active CRM user. Lookups are batched per call and remembered for
 * an hour (hits and misses), so a batch of 1000 drafts from the same few sellers costs one query
 * at most; a user created or activated later is found after the hour.
 */

/** email (lower case) -> user id, for the emails that belong to an active user. */
export type UserLookup = (emails: readonly string[]) => Promise<Map<string, string>>;

const TTL_MS = 60 * 60 * 1000;
const MAX_ENTRIES = 10_000;

export class OwnerDirectory {
  private readonly known = new Map<string, { id: string | null; at: number }>();

  constructor(
    private readonly lookup: UserLookup,
    private readonly now: () => number = Date.now,
  ) {}

  /** The owner id per draft (undefined: no team email is an active user, or none was given). */
  async ownersOf(drafts: readonly OpportunityDraft[]): Promise<(string | undefined)[]> {
    const emailsOf = drafts.map((d) =>
      (d.ownerEmails ?? []).map((e) => e.trim().toLowerCase()).filter((e) => e !== ''),
    );
    const t = this.now();
    const fresh = (e: string): boolean => {
      const hit = this.known.get(e);
      return hit !== undefined && t - hit.at < TTL_MS;
    };
    const missing = [...new Set(emailsOf.flat())].filter((e) => !fresh(e));
    if (missing.length > 0) {
      const found = await this.lookup(missing);
      if (this.known.size + missing.length > MAX_ENTRIES) this.known.clear();
      for (const e of missing) this.known.set(e, { id: found.get(e) ?? null, at: t });
    }
    return emailsOf.map((emails) => {
      for (const e of emails) {
        const id = this.known.get(e)?.id;
        if (id) return id;
      }
      return undefined;
    });
  }
}
