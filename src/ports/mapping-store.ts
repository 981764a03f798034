/**
 * One saved version of the mapping (issue 17). The YAML text is kept as the admin wrote it
 * (comments and order survive a round trip); it was validated before it was stored.
 */
export interface MappingVersion {
  /** 1, 2, 3... in save order; never reused. */
  id: number;
  text: string;
  /** Who saved it: `dashboard:<user>`, `cli:<os user>`, or `MAPPING_FILE` for a file import. */
  author: string;
  /** ISO time of the save. */
  at: string;
  comment: string;
  /** The version in force when this one was written (null for the first). */
  basedOn: number | null;
}

export type MappingSaveResult =
  | { ok: true; version: MappingVersion }
  /** Someone saved another version since the editor loaded `basedOn`: nothing was written. */
  | { ok: false; current: number | null };

/** The mapping's version history; the current version is what workers apply. */
export interface MappingStore {
  /** Id of the version in force, or null when none was ever saved (the file alone is used). */
  currentId(): Promise<number | null>;
  get(id: number): Promise<MappingVersion | null>;
  /** Newest first. */
  list(limit?: number): Promise<MappingVersion[]>;
  /**
   * Stores a new version and makes it current, atomically, unless the current version is no
   * longer `basedOn` (another save won the race).
   */
  save(v: {
    text: string;
    author: string;
    comment: string;
    at: string;
    basedOn: number | null;
  }): Promise<MappingSaveResult>;
  /**
   * Imports MAPPING_FILE's content as a new version when it differs from the content last
   * imported from the file (by hash), atomically, so workers starting together import it once.
   * Returns the new version, or null when the file is unchanged since its last import.
   */
  importFile(v: { text: string; hash: string; at: string; comment: string }): Promise<MappingVersion | null>;
}
