import { startFakeDataverse, type FakeDataverse, type RouteName } from '../test/fakes/dataverse/index.ts';
import { startFakeSalesforce, type FakeSalesforce } from '../test/fakes/salesforce/fake-salesforce.ts';
import { testKeys, TEST_CLIENT_ID, TEST_USERNAME } from '../test/fakes/salesforce/salesforce-harness.ts';
import type { BenchCrm } from './options.ts';
import type { CrmConfig } from './protocol.ts';

export interface SalesforceCalls {
  token: number;
  query: number;
  oppCollections: number;
  oppSingles: number;
  accountWrites: number;
  /** Lead collection upserts and composites whose subrequests write Leads (--leads), and single Lead upserts. */
  leadCollections: number;
  leadSingles: number;
  otherWrites: number;
  total: number;
}

/** Dataverse calls by route and entity set (`$batch` inner requests are not calls). */
export interface DataverseCalls {
  token: number;
  /** GETs on accounts (the bulk find-or-create look-ups). */
  accountQueries: number;
  /** Other GETs: closed-opportunity checks, currencies. */
  otherQueries: number;
  /** `$batch` calls whose requests address opportunities / only accounts. */
  oppBatches: number;
  accountBatches: number;
  /** Single-record PATCH upserts of opportunities / accounts. */
  oppSingles: number;
  accountSingles: number;
  /** `$batch` calls whose requests address leads (--leads), and single-record PATCH upserts of leads. */
  leadBatches: number;
  leadSingles: number;
  /** POST creates, actions, anything else that is not a read. */
  otherWrites: number;
  total: number;
}

/** Calls made to the CRM fake: exactly one of the two is set. */
export type CrmCalls =
  { salesforce: SalesforceCalls; dataverse?: undefined } | { dataverse: DataverseCalls; salesforce?: undefined };

export interface BaselineCalls {
  query: number;
  accountWrites: number;
  oppSingles: number;
  oppCollections: number;
  total: number;
}

/** The fake CRM of one bench run (in this process), as the runner and the baseline see it. */
export interface FakeCrm {
  kind: BenchCrm;
  /** How the worker's connector reaches it. */
  config: CrmConfig;
  /** Opportunities so far (copies every row: costly at 100 000). */
  opportunityCount(): number;
  /** Referral ids of the opportunities. */
  opportunityReferralIds(): string[];
  /** Leads so far (copies every row), and the referral ids they hold (--leads). */
  leadCount(): number;
  leadReferralIds(): string[];
  /** Opportunity writes so far, for progress lines. */
  progress(): string;
  calls(): CrmCalls;
  /** The per-record baseline's view: look-ups, account writes, single and batch upserts, all calls. */
  baselineCalls(): BaselineCalls;
  resetCounters(): void;
  close(): Promise<void>;
}

function salesforceCalls(sf: FakeSalesforce): SalesforceCalls {
  const c = sf.counters();
  const writes = sf.requests().filter((r) => r.route !== 'token' && r.method !== 'GET');
  const on = (object: string) => (r: { path: string }) => r.path.split('/').includes(object);
  const opp = writes.filter(on('Opportunity'));
  const lead = writes.filter(on('Lead'));
  // A composite whose subrequests write Leads is a Lead write; any other one an Opportunity write.
  const composites = writes.filter((r) => r.route === 'composite');
  const leadComposites = composites.filter((r) => (r.subrequests ?? []).some(on('Lead'))).length;
  const out = {
    token: c.token,
    query: c.query + c.queryMore,
    // A composite carries a batch's new Accounts and its Opportunities in one call: counted here.
    oppCollections: opp.filter((r) => r.route === 'upsertCollection').length + composites.length - leadComposites,
    oppSingles: opp.filter((r) => r.route === 'upsertSingle').length,
    accountWrites: writes.filter(on('Account')).length,
    leadCollections: lead.filter((r) => r.route === 'upsertCollection').length + leadComposites,
    leadSingles: lead.filter((r) => r.route === 'upsertSingle').length,
    otherWrites: 0,
    total: c.total,
  };
  out.otherWrites =
    writes.length - out.oppCollections - out.oppSingles - out.accountWrites - out.leadCollections - out.leadSingles;
  return out;
}

async function fakeSalesforce(latencyMs: number): Promise<FakeCrm> {
  const keys = testKeys();
  const sf = await startFakeSalesforce({
    jwt: { clientId: TEST_CLIENT_ID, username: TEST_USERNAME, publicKey: keys.publicKey },
    latencyMs,
  });
  return {
    kind: 'salesforce',
    config: {
      kind: 'salesforce',
      url: sf.url,
      clientId: TEST_CLIENT_ID,
      username: TEST_USERNAME,
      privateKey: keys.privateKey,
    },
    opportunityCount: () => sf.records('Opportunity').length,
    opportunityReferralIds: () => sf.records('Opportunity').map((r) => String(r.Referral_Id__c)),
    leadCount: () => sf.records('Lead').length,
    leadReferralIds: () => sf.records('Lead').map((r) => String(r.Referral_Id__c)),
    progress: () => `${sf.counters().upsertCollection} collection upserts`,
    calls: () => ({ salesforce: salesforceCalls(sf) }),
    baselineCalls: () => {
      const writes = sf.requests().filter((r) => r.method !== 'GET' && r.route !== 'token');
      const on = (object: string) => (r: { path: string }) => r.path.split('/').includes(object);
      const c = sf.counters();
      return {
        query: c.query + c.queryMore,
        accountWrites: writes.filter(on('Account')).length,
        oppSingles: writes.filter((r) => on('Opportunity')(r) && r.route === 'upsertSingle').length,
        oppCollections: writes.filter((r) => on('Opportunity')(r) && r.route === 'upsertCollection').length,
        total: c.total,
      };
    },
    resetCounters: () => sf.resetCounters(),
    close: () => sf.close(),
  };
}

const CLIENT = { clientId: 'bench-dv-client', clientSecret: 'bench-dv-secret-0123456789' };

async function fakeDataverse(latencyMs: number): Promise<FakeCrm> {
  const dv: FakeDataverse = await startFakeDataverse({ ...CLIENT, latencyMs });
  // Top-level calls by `route:entitySet` (the fake's counters are by route only).
  let bySet = new Map<string, number>();
  const tally = (route: RouteName, url: URL): void => {
    const set = decodeURIComponent(url.pathname.slice(dv.apiPath.length + 1)).replace(/\(.*$/, '');
    const k = `${route}:${set}`;
    bySet.set(k, (bySet.get(k) ?? 0) + 1);
  };
  dv.onRequest(tally);
  const at = (k: string): number => bySet.get(k) ?? 0;
  const calls = (): DataverseCalls => {
    const c = dv.counters;
    const accountBatches = dv.batches.filter(
      (b) => b.targets.length > 0 && b.targets.every((t) => t === 'accounts'),
    ).length;
    const leadBatches = dv.batches.filter((b) => b.targets.includes('leads')).length;
    const out = {
      token: c.token,
      accountQueries: at('query:accounts'),
      otherQueries: c.query - at('query:accounts'),
      oppBatches: c.batch - accountBatches - leadBatches,
      accountBatches,
      oppSingles: at('upsert:opportunities'),
      accountSingles: at('upsert:accounts'),
      leadBatches,
      leadSingles: at('upsert:leads'),
      otherWrites: 0,
      total: Object.values(c).reduce((a, b) => a + b, 0),
    };
    out.otherWrites = c.upsert + c.create + c.action + c.other - out.oppSingles - out.accountSingles - out.leadSingles;
    return out;
  };
  return {
    kind: 'dynamics',
    config: { kind: 'dynamics', url: dv.url, ...CLIENT, metadata: dv.msalMetadata() },
    opportunityCount: () => dv.records('opportunities').length,
    opportunityReferralIds: () => dv.records('opportunities').map((r) => String(r.new_referralid)),
    leadCount: () => dv.records('leads').length,
    leadReferralIds: () => dv.records('leads').map((r) => String(r.new_referralid)),
    progress: () => `${dv.counters.batch} $batch calls`,
    calls: () => ({ dataverse: calls() }),
    baselineCalls: () => {
      const c = calls();
      return {
        query: c.accountQueries + c.otherQueries,
        accountWrites: c.accountSingles + c.accountBatches,
        oppSingles: c.oppSingles,
        oppCollections: c.oppBatches,
        total: c.total,
      };
    },
    resetCounters: () => {
      dv.resetCounters();
      bySet = new Map();
    },
    close: () => dv.close(),
  };
}

/** Starts the fake CRM of `kind` with a fixed latency per HTTP call. */
export function startFakeCrm(kind: BenchCrm, latencyMs: number): Promise<FakeCrm> {
  return kind === 'dynamics' ? fakeDataverse(latencyMs) : fakeSalesforce(latencyMs);
}
