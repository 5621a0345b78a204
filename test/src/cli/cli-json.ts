// The shapes `zk-recipes ... --json` prints (docs/cli.md, "JSON output"), as the CLI tests read
// them: a test that reads a field not listed here does not compile.

export interface NodeJson {
  name: string;
  path: string;
  sessionId: string | null;
  czxid: string;
  createdAt: string;
  ageMs: number;
  data: string | null;
  fencingToken?: string;
  id?: string;
  isLeader?: boolean;
  epoch?: string;
  side?: 'read' | 'write';
  holds?: boolean | null;
  itemPresent?: boolean;
}

export interface QueueItemJson extends NodeJson {
  variant: string;
  seq: number;
  priority?: number;
  dueAt?: string;
  items: string[];
  encoding: 'utf8' | 'base64';
  failures: number;
}

export interface InstanceJson {
  name: string;
  id: string;
  address: string | null;
  port: number | null;
  sslPort: number | null;
  registrationTimeUTC: number | null;
  serviceType: string | null;
  uri: string | null;
  payload: unknown;
  node: string;
  sessionId: string | null;
  registeredAt: string | null;
}

export interface LayoutJson {
  kind: string;
  title: string;
  notes: string[];
  holder?: NodeJson;
  waiters?: NodeJson[];
  leader?: NodeJson;
  participants?: NodeJson[];
  writer?: NodeJson | null;
  readers?: NodeJson[];
  maxLeases?: number | null;
  leases?: NodeJson[];
  acquiring?: NodeJson[];
  variant?: string;
  depth?: number;
  itemCount?: number;
  oldestAgeMs?: number;
  items?: QueueItemJson[];
  lockPath?: string | null;
  lockPathFound?: boolean;
  inFlight?: NodeJson[] | null;
  name?: string;
  instances?: InstanceJson[];
  services?: { name: string; instances: InstanceJson[] }[];
  instance?: InstanceJson;
  type?: 'int32' | 'int64';
  value?: unknown;
  version?: number;
  modifiedAt?: string;
  set?: boolean;
  setAt?: string;
  ready?: boolean;
  members?: NodeJson[];
  touchedAt?: string;
  touchedAgoMs?: number;
  touchedBy?: string;
  data?: string;
}

export interface StatJson {
  czxid: string;
  version: number;
  ephemeralOwner: string | null;
  dataLength: number;
  numChildren: number;
}

export interface InspectJson {
  path: string;
  stat: StatJson;
  layouts: LayoutJson[];
  ambiguous: boolean;
  children: { name: string; stat: StatJson }[] | null;
}

/** The layout of `kind` in an inspect result; throws when it is not there. */
export function layoutOf(r: InspectJson, kind: string): LayoutJson {
  const l = r.layouts.find((x) => x.kind === kind);
  if (!l) throw new Error(`no ${kind} layout in ${JSON.stringify(r.layouts.map((x) => x.kind))}`);
  return l;
}

/** A session id as the CLI prints it. */
export function hex(sessionId: bigint | undefined): string {
  return `0x${(sessionId ?? 0n).toString(16)}`;
}
