/**
 * Default TOKEN_TIMEOUT_MS, shared by the env schema and every connector built without it (tests,
 * the demo): a healthy Entra or Salesforce token endpoint answers in well under a second; a
 * renewal that hangs must not freeze every call waiting on it (docs/timeouts.md).
 */
export const DEFAULT_TOKEN_TIMEOUT_MS = 15_000;
