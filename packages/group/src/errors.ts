// The kit's node-keeping mechanism owns the conflict (packages/core/src/kit/kept-node.ts); group
// users catch it from here as before.
export { NodeConflictError } from '@zk-recipes/core/recipe';
