/**
 * The one lifecycle every long-lived recipe shares (Curator's LATENT/STARTED/CLOSED): start()
 * once, close() idempotent with a cached promise, `await using`, and typed events whose
 * listeners can never break the recipe or crash the process.
 */
import { stacklessError, ZkRecipesError } from '../errors.js';
import { publish } from './observability.js';
import type { ConnectionState } from '../states.js';

/** A recipe's lifecycle: `LATENT` until `start()`, `STARTED`, then `CLOSED` for good. */
export type LifecycleState = 'LATENT' | 'STARTED' | 'CLOSED';

/**
 * A client or recipe was used in a state that does not allow it (a call before start(),
 * started twice, used after close). `state` is the state it was in.
 */
export class IllegalStateError extends ZkRecipesError {
  override name = 'IllegalStateError';
  constructor(
    readonly state: LifecycleState | ConnectionState,
    message: string,
    options?: { path?: string },
  ) {
    super('ILLEGAL_STATE', message, options);
  }
}

/** The recipe was closed while the caller waited on it. */
export class RecipeClosedError extends ZkRecipesError {
  override name = 'RecipeClosedError';
  constructor(path?: string) {
    super('RECIPE_CLOSED', 'the recipe was closed', { path });
  }
}

type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * Base class of long-lived recipes. Subclasses implement `onStart()` (kick off background
 * work, never awaited past what start needs) and `onClose()` (stop it; called once), and may
 * override `onClosing()`. `closeSignal` aborts when close() begins: pass it to every wait the
 * recipe makes.
 */
export abstract class Lifecycle<
  Events extends Record<string, unknown[]>,
> implements AsyncDisposable {
  private lifecycle: LifecycleState = 'LATENT';
  private closing: Promise<void> | undefined;
  private readonly closer = new AbortController();
  private readonly listeners = new Map<keyof Events, Set<Listener<never[]>>>();

  protected constructor(
    protected readonly recipe: string,
    readonly path: string,
  ) {}

  /** LATENT before start(), STARTED after, CLOSED once close() was called. */
  get state(): LifecycleState {
    return this.lifecycle;
  }

  protected get closeSignal(): AbortSignal {
    return this.closer.signal;
  }

  /** Starts the recipe. Throws IllegalStateError when called twice or after close(). */
  async start(): Promise<void> {
    if (this.lifecycle !== 'LATENT') {
      throw new IllegalStateError(this.lifecycle, `${this.recipe} can be started only once`, {
        path: this.path,
      });
    }
    this.lifecycle = 'STARTED';
    await this.onStart();
  }

  /**
   * Throws RecipeClosedError once close() was called: the first line of every public call of a
   * recipe (a call on a closed recipe neither writes nor answers from what it held).
   */
  protected throwIfClosed(): void {
    if (this.lifecycle === 'CLOSED') throw new RecipeClosedError(this.path);
  }

  /** Stops the recipe and gives up what it holds. Idempotent; never rejects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const wasStarted = this.lifecycle === 'STARTED';
      this.lifecycle = 'CLOSED';
      if (wasStarted) {
        try {
          this.onClosing();
        } catch (e) {
          this.report(e); // close() never rejects, and the close signal must still abort
        }
      }
      this.closer.abort(stacklessError(() => new RecipeClosedError(this.path)));
      if (wasStarted) {
        await this.onClose().catch((e: unknown) => this.report(e));
      }
      this.listeners.clear();
    })();
    return this.closing;
  }

  /** `await using`: calls `close()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Listens to `event`; returns a function that removes the listener. */
  on<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as unknown as Listener<never[]>;
    set.add(l);
    return () => set.delete(l);
  }

  /**
   * Calls each listener of `event`. A listener that throws is reported on the `error` event
   * and the `zk-recipes:recipe` channel, never to the caller: one bad listener must not stop
   * the recipe's state machine (Curator logs and goes on, too).
   */
  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) {
      try {
        (l as unknown as (...a: Events[E]) => void)(...args);
      } catch (e) {
        if (event === 'error')
          publish('recipe', {
            recipe: this.recipe,
            event: 'listenerError',
            path: this.path,
            error: e,
          });
        else this.report(e);
      }
    }
  }

  /** Reports an error the recipe survived: the `error` event (if declared) and the channel. */
  protected report(error: unknown): void {
    publish('recipe', { recipe: this.recipe, event: 'error', path: this.path, error });
    this.emit('error', ...([error] as Events[keyof Events]));
  }

  /** The recipe's own start, run once by `start()`, which rejects with its error. */
  protected abstract onStart(): Promise<void>;
  /** The recipe's own cleanup, run once by `close()` if the recipe was started. */
  protected abstract onClose(): Promise<void>;

  /**
   * Runs synchronously as close() begins, before the close signal aborts, and only after a
   * start(): the place for a request others wait on (a leader's delete), which then leaves
   * ahead of every abort listener. The signal still aborts in the same synchronous run, before
   * any other code of the process can see the recipe. Must not throw.
   */
  protected onClosing(): void {}
}
