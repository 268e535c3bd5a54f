/** The servers of the memory benchmark and what their process reports (shared by parent and child). */

export const MEMORY_KINDS = ['raw-net', 'proj-tcp', 'bare-ws', 'proj-ws'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

/** `process.memoryUsage()` after forced full collections, and the connections held then. */
export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  external: number;
  /** Bytes V8 reserves for its young generation (`new_space`): it grows with the allocation burst of accepting, and its touched pages count in RSS. */
  newSpace: number;
  /** V8's count of the young generation's resident bytes (`new_space` `physical_space_size`): pages touched since it grew, empty after a full GC, and part of RSS. */
  newSpaceResident: number;
  connections: number;
}
