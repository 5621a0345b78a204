// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
export {
  Mutex,
  withLock,
  LOCK_NAME,
  DEFAULT_MAX_LOCAL_HANDOFFS,
  MAX_WATCH_AHEAD,
  type AcquireOptions,
  type MutexOptions,
} from './mutex.js';
export { fencingTokenOf, MAX_LOCAL_HANDOFFS, type Lease } from './lease.js';
export { LeaseLostError, type LeaseEnd } from './errors.js';
export {
  Semaphore,
  SemaphoreMutex,
  type SemaphoreAcquireOptions,
  type SemaphoreOptions,
} from './semaphore.js';
export {
  ReadWriteLock,
  READ_LOCK_NAME,
  WRITE_LOCK_NAME,
  type LockSide,
} from './read-write-lock.js';
export { MultiLock, type MultiLease } from './multi-lock.js';
export { participants, type Participant } from './participants.js';
export { requestRevoke, REVOKE_MESSAGE } from './revocation.js';
export { NestedAcquireError } from './reentrancy.js';
