// core's Lifecycle, the base of long-lived recipes: what its close() promises whatever a
// recipe's hooks do. No server is involved: the class does no I/O itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
