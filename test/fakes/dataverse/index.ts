export { startFakeDataverse } from './server.ts';
export type {
  BatchLog,
  Failure,
  FakeDataverse,
  FakeDataverseOptions,
  FakeMsalMetadata,
  RouteName,
  Row,
} from './server.ts';
export { APP_USER_ID, CURRENCIES, SELLER_ID } from './store.ts';
export { parseFilter } from './odata-filter.ts';
export { startDataverseHarness } from './dataverse-harness.ts';
export type { DataverseHarness } from './dataverse-harness.ts';
