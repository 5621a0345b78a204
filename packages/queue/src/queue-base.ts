/**
 * What every queue of Curator's DistributedQueue family shares: the nodes (a persistent queue
 * node, never a container; `queue-` items, persistent sequential, in Curator's item-batch frame;
 * the lock-safe `lockPath/<item>` ephemerals), producing, consuming in either delivery mode, and
 * the state tools read. The variants (names.ts) differ only in node names and order.
 */
import { IllegalStateError, RecipeClosedError, type ZkClient } from '@zk-recipes/core';
import {
  childPath,
  joinSignals,
  Lifecycle,
  sleep,
  waitForChildren,
  whileConnected,
  type WaitOptions,
} from '@zk-recipes/core/recipe';
import type { ClaimContext } from './settle.js';
import { Channel } from './consumer.js';
import { QueueNodeVanishedError, QueueTimeoutError } from './errors.js';
import { encodeFrame } from './frame.js';
import { acquireListing, releaseListing, type QueueListing } from './listing.js';
import type { DeliveryMode, Message } from './message.js';
import { ITEM_PREFIX, type Naming } from './names.js';
import { consumeLoop, messageIterator, type ConsumeOptions, type Handler } from './loops.js';
import { QueueInspector, type InFlightItem } from './inspect.js';
import { ensureQueueNodes } from './starting.js';
import { CLOSE_GRACE_MS } from './stopping.js';
import { checkQueueOptions, type QueueEvents, type QueueOptions } from './queue-options.js';
import { bounded, waitDeadline } from './validate.js';

const NAMING_IDS = new WeakMap<Naming, string>();

/**
 * What every queue shares: the lifecycle, the consumers (`consume`, `messages`, `take`), the
 * delivery mode and the queue's state for tools (`depth`, `inFlight`, `oldestItemAgeMs`). Each
 * queue kind adds its own `put` and `putMany`, which name the node as Curator's does.
 */
export abstract class QueueBase<T> extends Lifecycle<QueueEvents> {
  readonly delivery: DeliveryMode;
  readonly lockPath: string;
  private readonly ctx: ClaimContext<T>;
  private listing: QueueListing | undefined;
  private channel: Channel<T> | undefined;
  /** The consume loops running. */
  private readonly running = new Set<Promise<void>>();
  /** Their items being handled (handler running, its settling not yet sent). */
  private readonly handling = new Set<Promise<unknown>>();
  private readonly inspector: QueueInspector;

  protected constructor(
    recipe: string,
    readonly client: ZkClient,
    path: string,
    private readonly naming: Naming,
    private readonly options: QueueOptions<T>,
  ) {
    super(recipe, path);
    const o = checkQueueOptions(client, path, options);
    this.delivery = o.delivery;
    this.lockPath = o.lockPath;
    this.ctx = {
      client,
      queuePath: path,
      lockPath: this.lockPath,
      mode: o.delivery,
      serializer: o.serializer,
      naming,
      retryLimit: o.retryLimit,
      deadLetterPath: o.deadLetterPath,
      lockData: o.lockData,
      report: (e) => this.report(e),
      deadLettered: (letter) => this.emit('deadLetter', letter),
    };
    this.inspector = new QueueInspector(client, path, this.lockPath, naming);
  }

  /** Makes the queue's nodes if missing, as Curator's start() does (starting.ts). */
  protected async onStart(): Promise<void> {
    const at = this.delivery === 'at-least-once' ? this.lockPath : undefined;
    await ensureQueueNodes(
      this.client,
      [this.path, at, this.options.deadLetterPath],
      this.closeSignal,
    );
  }

  /**
   * Waits for the running handlers (their signal aborted) up to closeTimeoutMs: user code,
   * waited for whatever ZooKeeper's state. Then ZooKeeper's part, all at once: the loops' last
   * acks, the give-back of every node still held, the removal of the listing's watches; waited
   * for while connected, and CLOSE_GRACE_MS at most once the connection is found down, so that
   * close() returns within the kit's release bound with ZooKeeper gone (it took 4-8 s waiting
   * for watch removals and a listing's retries). What is not done by then goes on: a lock node
   * goes with its session or core's background job deletes it, a watch fires or goes with the
   * session.
   */
  protected async onClose(): Promise<void> {
    const bound = new AbortController();
    const limit = sleep(this.options.closeTimeoutMs ?? 10_000, bound.signal).catch(() => undefined);
    await Promise.race([Promise.allSettled([...this.handling]), limit]);
    bound.abort(); // no timer left
    const work: Promise<unknown>[] = [...this.running];
    if (this.channel) work.push(this.channel.releaseAll());
    if (this.listing) work.push(releaseListing(this.listing));
    await whileConnected(this.client, Promise.allSettled(work), CLOSE_GRACE_MS);
  }

  private requireStarted(): void {
    if (this.state === 'CLOSED') throw new RecipeClosedError(this.path);
    if (this.state !== 'STARTED') {
      throw new IllegalStateError(this.state, `${this.recipe}: call start() first`, {
        path: this.path,
      });
    }
  }

  /** The channel (and the process's shared listing), made on first use. */
  private consumer(): Channel<T> {
    this.requireStarted();
    if (!this.channel) {
      let id = NAMING_IDS.get(this.naming);
      if (!id) NAMING_IDS.set(this.naming, (id = `n${Math.random()}`));
      this.listing = acquireListing(
        this.client,
        this.path,
        this.delivery === 'at-least-once' ? this.lockPath : undefined,
        this.naming,
        id,
        (p) => this.report(new QueueNodeVanishedError(p)),
      );
      this.channel = new Channel(this.ctx, this.listing);
    }
    return this.channel;
  }

  /**
   * Writes one node holding `values` under `prefix` and resolves with its name once the create
   * committed; rejects with a typed error otherwise (DataTooLargeError before sending, ...).
   */
  protected async putNode(
    prefix: string,
    values: readonly T[],
    options: WaitOptions,
  ): Promise<string> {
    this.requireStarted();
    const data = encodeFrame(values.map((v) => this.ctx.serializer.serialize(v)));
    return bounded('put', this.path, options, async (deadline) => {
      const { maxItems } = this.options;
      if (maxItems !== undefined) {
        const room = await waitForChildren(
          this.client,
          this.path,
          (c) => c.filter((n) => n.startsWith(ITEM_PREFIX)).length < maxItems,
          deadline,
        );
        if (room === undefined)
          throw new QueueTimeoutError('put', this.path, deadline.timeoutMs ?? 0);
      }
      // Unprotected, as Curator's: with the deadline's signal a create not yet written when the
      // time is up is taken back; one written may still make its item (QueueTimeoutError says so).
      const { path } = await this.client.create(childPath(this.path, prefix), data, {
        mode: 'PERSISTENT_SEQUENTIAL',
        ...(deadline.signal ? { signal: deadline.signal } : {}),
      });
      return path.slice(path.lastIndexOf('/') + 1);
    });
  }

  /**
   * One item, to settle with `ack()` or `requeue()`. Rejects with QueueTimeoutError when none
   * comes within `timeoutMs` (0: only if one is free now), or with the signal's reason.
   */
  async take(options: WaitOptions = {}): Promise<Message<T>> {
    const checked = waitDeadline(options);
    const channel = this.consumer();
    return bounded('take', this.path, checked, async (deadline) => {
      const stop = joinSignals([deadline.signal, this.closeSignal]);
      try {
        const m = await channel.next(deadline.withSignal(stop.signal));
        if (!m) throw new QueueTimeoutError('take', this.path, deadline.timeoutMs ?? 0);
        return m;
      } finally {
        stop.dispose();
      }
    });
  }

  /**
   * The items as an async iterator. An item not settled when the loop asks for the next one is
   * acknowledged; one not settled when the loop ends early (`break`, a throw) is given back in
   * place, to be delivered again. Ends when `signal` aborts or the queue closes.
   */
  messages(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<Message<T>> {
    const { signal } = waitDeadline(options);
    return messageIterator(this.consumer(), this.closeSignal, signal, (e) => this.report(e));
  }

  /**
   * Runs `handler` on every item, `concurrency` at a time, until `signal` aborts or the queue
   * closes (then resolves, once the running handlers are done). A handler that returns
   * acknowledges its item; one that throws requeues it (see Message.requeue).
   */
  consume(handler: Handler<T>, options: ConsumeOptions = {}): Promise<void> {
    const channel = this.consumer();
    const track = (handling: Promise<unknown>) => {
      this.handling.add(handling);
      const done = () => void this.handling.delete(handling);
      handling.then(done, done);
    };
    const run = (async () => {
      waitDeadline(options);
      await consumeLoop(channel, handler, options, this.closeSignal, (e) => this.report(e), track);
    })();
    this.running.add(run);
    // then(forget, forget), not finally(forget): finally's promise rejects with the loop's error
    // (a SessionExpiredError, say) and nothing awaits it, so the host process would see an
    // unhandled rejection although the caller handles `run`.
    const forget = () => void this.running.delete(run);
    run.then(forget, forget);
    return run;
  }

  /** How many item nodes the queue holds (a `putMany` batch is one). */
  depth(options: WaitOptions = {}): Promise<number> {
    return bounded('depth', this.path, options, (d) => this.inspector.depth(d));
  }

  /** The items consumers hold now (lock nodes): whose session, since when. */
  inFlight(options: WaitOptions = {}): Promise<InFlightItem[]> {
    return bounded('inFlight', this.path, options, (d) => this.inspector.inFlight(d));
  }

  /** How long ago the next item to be taken was put, in ms; undefined when the queue is empty. */
  oldestItemAgeMs(options: WaitOptions = {}): Promise<number | undefined> {
    return bounded('oldestItemAgeMs', this.path, options, (d) => this.inspector.oldestAgeMs(d));
  }
}
