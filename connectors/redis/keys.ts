/**
 * Every Redis key we own starts with the configured prefix (REDIS_PREFIX, default `rsync`).
 * For Redis Cluster, give a hash tag as the prefix (`{rsync}`) so BullMQ's multi-key scripts and
 * ours land on one slot.
 */
export const keys = (prefix: string) => ({
  referral: (id: string) => `${prefix}:ref:${id}`,
  referralStatus: `${prefix}:ref-status`,
  statusIndex: (status: string) => `${prefix}:ref-by-status:${status}`,
  state: (id: string) => `${prefix}:state:${id}`,
  parked: `${prefix}:parked`,
  parkedIndex: `${prefix}:parked-at`,
  dismissed: `${prefix}:dismissed`,
  dismissedIndex: `${prefix}:dismissed-at`,
  checkpoint: (name: string) => `${prefix}:checkpoint:${name}`,
  counters: `${prefix}:counters`,
  /** A referral's parks and replays (connectors/redis/parking-lot.ts). */
  parkLog: (id: string) => `${prefix}:park-log:${id}`,
  /** Deal and customer name of each stored referral, lower-cased, for the dashboard's search. */
  referralNames: `${prefix}:ref-names`,
  /** Queue health counters of one 5-minute bucket (connectors/redis/queue-series.ts). */
  seriesBucket: (startMs: number) => `${prefix}:series:${startMs}`,
});
