/** dynalite 4 ships no type declarations; this is the part Continuum uses. */
declare module 'dynalite' {
  import type { Server } from 'node:http';
  interface DynaliteOptions {
    /** LevelDB directory; in memory when omitted. */
    readonly path?: string;
    readonly createTableMs?: number;
    readonly deleteTableMs?: number;
    readonly updateTableMs?: number;
    readonly maxItemSizeKb?: number;
  }
  /** A DynamoDB-compatible HTTP server, not yet listening. */
  export default function dynalite(options?: DynaliteOptions): Server;
}
