/**
 * Node arguments that run the CLI from the TypeScript sources, as `npm test` checks them
 * (`node --import tsx jobs/cli.ts …`). bin/referral-sync.js runs the build in dist/ instead;
 * test/dist.int.test.ts covers that.
 */
export const CLI_FROM_SOURCE: readonly string[] = ['--import', 'tsx', 'jobs/cli.ts'];
