/**
 * Every layout the inspector knows, one file each: a recipe adds its file and one line here.
 * Every recogniser runs; all that match are reported (two recipes can share a layout: a mutex
 * and a leader selector are the same nodes).
 */
import { barrierLayout, doubleBarrierLayout } from './barrier.js';
import { configLayout } from './config.js';
import { counterLayout } from './counter.js';
import { groupLayout, ttlNodeLayout } from './group.js';
import { latchLayout } from './latch.js';
import { mutexLayout } from './mutex.js';
import { queueLockPathLayout } from './queue-lock-path.js';
import { queueLayout } from './queue.js';
import { readWriteLockLayout } from './read-write-lock.js';
import { selectorLayout } from './selector.js';
import { semaphoreLayout } from './semaphore.js';
import { servicesLayout } from './services.js';
import { simpleQueueLayout } from './simple-queue.js';
import type { Layout } from './types.js';

/** Every layout `inspect` knows, in the order their matches are reported. */
export const layouts: readonly Layout[] = [
  mutexLayout,
  selectorLayout,
  latchLayout,
  readWriteLockLayout,
  semaphoreLayout,
  queueLayout,
  queueLockPathLayout,
  simpleQueueLayout,
  servicesLayout,
  counterLayout,
  configLayout,
  barrierLayout,
  doubleBarrierLayout,
  groupLayout,
  ttlNodeLayout,
];
