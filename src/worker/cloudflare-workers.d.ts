/**
 * The part of the Workers runtime API the Worker uses, declared here rather than through
 * `@cloudflare/workers-types`, whose globals clash with the DOM and Node types the rest of the
 * project compiles against. The names and shapes are Cloudflare's (developers.cloudflare.com/durable-objects/api/).
 */
declare module 'cloudflare:workers' {
  /** A cursor over the rows of one SQL statement. */
  export interface SqlStorageCursor<Row> extends Iterable<Row> {
    /** The only row; throws unless there is exactly one. */
    one(): Row
    toArray(): Row[]
  }

  /** A Durable Object's SQLite database (`ctx.storage.sql`): synchronous, in the object's own thread. */
  export interface SqlStorage {
    exec<Row = Record<string, string | number | null>>(
      query: string,
      ...bindings: (string | number | null)[]
    ): SqlStorageCursor<Row>
  }

  /** A Durable Object's storage (`ctx.storage`), SQLite-backed. */
  export interface DurableObjectStorage {
    readonly sql: SqlStorage
    /** Runs `work` as one transaction: all of its writes or none. */
    transactionSync<T>(work: () => T): T
    setAlarm(scheduledTime: number | Date): Promise<void>
    /** Deletes every row and table: the object's storage is gone (its alarm is not). */
    deleteAll(): Promise<void>
  }

  /** What the runtime hands a Durable Object (`this.ctx`). */
  export interface DurableObjectState {
    readonly storage: DurableObjectStorage
  }

  /** The base class of Durable Objects whose public methods are callable over RPC from a stub. */
  export abstract class DurableObject<Env = unknown> {
    protected readonly ctx: DurableObjectState
    protected readonly env: Env
    constructor(ctx: DurableObjectState, env: Env)
  }

  /** The id of one object: the same name gives the same id, hence the same object, everywhere. */
  export interface DurableObjectId {
    toString(): string
  }

  /**
   * A stub: a reference to one object, whose methods are called over RPC. Every call returns a
   * promise (rejecting when the object throws, is overloaded or cannot be reached).
   */
  export type DurableObjectStub<T> = {
    [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never
  }

  /** A Durable Object binding (`[[durable_objects.bindings]]` in wrangler.toml). */
  export interface DurableObjectNamespace<T> {
    idFromName(name: string): DurableObjectId
    get(id: DurableObjectId): DurableObjectStub<T>
  }
}
