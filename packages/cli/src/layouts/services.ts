/**
 * Service discovery: curator-x-discovery's layout (and ours): `<basePath>/<name>/<id>`, each
 * instance node a JSON object (Curator's JsonInstanceSerializer). Recognised at the base path
 * (services by name), at a service's path (its instances) and at one instance.
 */
import { decodeInstance, type ServiceInstanceView } from '../decode/instance.js';
import { formatAge, sessionHex } from './nodes.js';
import type { ChildNode, Json, Layout, LayoutContext } from './types.js';

/** Service names read at a base path (each a listing and a read per instance). */
const MAX_SERVICES = 500;

function instanceJson(
  node: ChildNode,
  i: ServiceInstanceView,
  now: number,
): { [key: string]: Json } {
  return {
    ...(JSON.parse(JSON.stringify(i)) as { [key: string]: Json }),
    node: node.name,
    sessionId: sessionHex(node.stat.ephemeralOwner),
    registeredAt:
      i.registrationTimeUTC === null ? null : new Date(i.registrationTimeUTC).toISOString(),
    ageMs: i.registrationTimeUTC === null ? null : Math.max(0, now - i.registrationTimeUTC),
  };
}

function instanceLine(node: ChildNode, i: ServiceInstanceView, now: number): string {
  const where = `${i.address ?? '?'}:${i.port ?? '-'}${i.sslPort !== null ? ` ssl ${i.sslPort}` : ''}`;
  const since =
    i.registrationTimeUTC === null
      ? ''
      : `  registered ${new Date(i.registrationTimeUTC).toISOString()} (${formatAge(now - i.registrationTimeUTC)} ago)`;
  return `instance   ${i.id}  ${where}  ${i.serviceType ?? ''}  session ${sessionHex(node.stat.ephemeralOwner) ?? 'persistent'}${since}${i.enabled === false ? '  DISABLED' : ''}`;
}

function instancesOf(
  nodes: readonly ChildNode[],
): { node: ChildNode; instance: ServiceInstanceView }[] {
  return nodes.flatMap((node) => {
    const instance = decodeInstance(node.data);
    return instance ? [{ node, instance }] : [];
  });
}

async function service(ctx: LayoutContext) {
  const found = instancesOf(await ctx.children());
  if (found.length === 0) return undefined;
  found.sort((a, b) => a.instance.id.localeCompare(b.instance.id));
  return {
    kind: 'service',
    title: `service ${found[0]!.instance.name} (curator-x-discovery)`,
    details: {
      name: found[0]!.instance.name,
      instances: found.map((f) => instanceJson(f.node, f.instance, ctx.now)),
    },
    lines: [
      `instances  ${found.length}`,
      ...found.map((f) => instanceLine(f.node, f.instance, ctx.now)),
    ],
  };
}

async function services(ctx: LayoutContext) {
  const names = [...ctx.childNames].sort().slice(0, MAX_SERVICES);
  const read = await Promise.all(
    names.map(async (name) => ({
      name,
      found: instancesOf(await ctx.readChildren(`${ctx.path === '/' ? '' : ctx.path}/${name}`)),
    })),
  );
  const withInstances = read.filter((r) => r.found.length > 0);
  if (withInstances.length === 0) return undefined;
  return {
    kind: 'services',
    title: 'service discovery base path (curator-x-discovery)',
    details: {
      services: read.map((r) => ({
        name: r.name,
        instances: r.found.map((f) => instanceJson(f.node, f.instance, ctx.now)),
      })),
    },
    lines: read.flatMap((r) => [
      `service    ${r.name}: ${r.found.length} instance(s)`,
      ...r.found.map((f) => `  ${instanceLine(f.node, f.instance, ctx.now)}`),
    ]),
  };
}

export const servicesLayout: Layout = {
  kind: 'services',
  async recognize(ctx) {
    if (ctx.childNames.length === 0) {
      const instance = decodeInstance(ctx.data);
      if (!instance) return undefined;
      const self: ChildNode = {
        name: ctx.path.slice(ctx.path.lastIndexOf('/') + 1),
        path: ctx.path,
        data: ctx.data,
        stat: ctx.stat,
      };
      return {
        kind: 'service-instance',
        title: `service instance of ${instance.name} (curator-x-discovery)`,
        details: { instance: instanceJson(self, instance, ctx.now) },
        lines: [
          instanceLine(self, instance, ctx.now),
          ...(instance.uri ? [`uri        ${instance.uri}`] : []),
        ],
      };
    }
    return (await service(ctx)) ?? (await services(ctx));
  },
};
