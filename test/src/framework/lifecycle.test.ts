// core's Lifecycle, the base of long-lived recipes: what its close() promises whatever a
// recipe's hooks do. No server is involved: the class does no I/O itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecipeClosedError } from '@zk-recipes/core';
import { Lifecycle } from '@zk-recipes/core/recipe';

class Probe extends Lifecycle<{ error: [unknown] }> {
  readonly steps: string[] = [];
  constructor(private readonly failClosing: boolean) {
    super('probe', '/probe');
    this.closeSignal.addEventListener('abort', () => this.steps.push('close signal'));
  }
  protected onStart(): Promise<void> {
    return Promise.resolve();
  }
  protected override onClosing(): void {
    this.steps.push('onClosing');
    if (this.failClosing) throw new Error('onClosing failed');
  }
  protected onClose(): Promise<void> {
    this.steps.push('onClose');
    return Promise.resolve();
  }
}

test('close() runs onClosing before the close signal aborts; one that throws is reported, and close() still ends the recipe', async () => {
  for (const failClosing of [false, true]) {
    const probe = new Probe(failClosing);
    const errors: unknown[] = [];
    probe.on('error', (e) => errors.push(e));
    await probe.start();
    await probe.close();
    assert.deepEqual(probe.steps, ['onClosing', 'close signal', 'onClose']);
    assert.equal(probe.state, 'CLOSED');
    assert.equal(errors.length, failClosing ? 1 : 0);
  }
  const never = new Probe(false);
  await never.close();
  assert.deepEqual(never.steps, ['close signal'], 'not started: no onClosing, no onClose');
});

test('throwIfClosed(): nothing before start() or while started, RecipeClosedError (with the path) once close() was called, started or not', async () => {
  class Calls extends Probe {
    call(): string {
      this.throwIfClosed();
      return 'ok';
    }
  }
  const closed = (e: unknown) =>
    e instanceof RecipeClosedError && e.code === 'RECIPE_CLOSED' && e.path === '/probe';
  const started = new Calls(false);
  assert.equal(started.call(), 'ok', 'LATENT');
  await started.start();
  assert.equal(started.call(), 'ok', 'STARTED');
  const closing = started.close();
  assert.throws(() => started.call(), closed, 'from the moment close() is called');
  await closing;
  assert.throws(() => started.call(), closed);
  const never = new Calls(false);
  await never.close();
  assert.throws(() => never.call(), closed, 'closed without a start');
});
