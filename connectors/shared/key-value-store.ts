/**
 * The smallest store the token cache needs. Lives in connectors/shared so a Redis (or any
 * other) implementation can be written without one connector importing another.
 */
export interface KeyValueStore {
  /** The value, or null when the key is absent. */
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

/** In-process store for tests and single-run tools. */
export function createMemoryKeyValueStore(): KeyValueStore & { readonly data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: async (key) => data.get(key) ?? null,
    set: async (key, value) => {
      data.set(key, value);
    },
  };
}
