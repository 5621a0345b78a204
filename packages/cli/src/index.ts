// The declarations use Buffer, NodeJS and node: modules: consumers need no "types" setting.
/// <reference types="node" preserve="true" />
/**
 * `@zk-recipes/cli`: the `zk-recipes` command (docs/cli.md), and what it is made of for
 * programs that want the same answers (dashboards, health checks): `inspect()` returns what
 * `zk-recipes inspect --json` prints, `decodeData()` what `get --json` decodes.
 */
export { inspect, inspectLines, type InspectResult } from './inspect.js';
export { main } from './main.js';
export type { Io } from './io.js';
export { layouts } from './layouts/registry.js';
export type {
  ChildNode,
  InspectHints,
  Json,
  Layout,
  LayoutContext,
  Recognized,
} from './layouts/types.js';
export {
  decodeData,
  decodeInstance,
  decodeItemFrame,
  type Decoded,
  type ServiceInstanceView,
} from './decode/index.js';
export { parseItemName, type ItemName } from './layouts/queue-names.js';
