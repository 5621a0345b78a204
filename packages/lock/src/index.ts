export { Mutex, withLock, LOCK_NAME, type AcquireOptions, type MutexOptions } from './mutex.js';
export type { Lease } from './lease.js';
export { Semaphore, SemaphoreMutex, type SemaphoreOptions } from './semaphore.js';
