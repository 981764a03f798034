/**
 * The tenant's Partner Center webhook registration (one URL for every event, docs/partner-center-webhooks.md,
 * "Registration").
 */
export interface WebhookRegistration {
  webhookUrl: string;
  events: string[];
  /** Returned by POST/PUT; absent from GET in Microsoft's samples. */
  subscriberId?: string | undefined;
}

export interface WebhookRegistrationRequest {
  webhookUrl: string;
  events: readonly string[];
  /** Send the signature in `x-ms-signature` instead of `Authorization` (SignatureTokenToMsSignatureHeader). */
  signatureInMsHeader: boolean;
}

/** `…/webhooks/v1/registration`. Failures leave as SyncError subclasses (src/errors.ts). */
export interface WebhookRegistrationApi {
  /** GET; null when the tenant has no registration. */
  get(): Promise<WebhookRegistration | null>;
  /** POST: first registration. */
  create(request: WebhookRegistrationRequest): Promise<WebhookRegistration>;
  /** PUT: replaces the existing registration. */
  update(request: WebhookRegistrationRequest): Promise<WebhookRegistration>;
}
