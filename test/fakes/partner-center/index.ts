export * from './server.ts';
export { makeReferral, makeReferrals, type ReferralKind } from './fixtures.ts';
