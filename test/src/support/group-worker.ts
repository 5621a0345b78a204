// A child process for the group membership tests: a member with its own client and session,
// which the test kills (SIGKILL) to see it leave the others' views.
import { createClient } from '@zk-recipes/core';
import { GroupMember } from '@zk-recipes/group';

const [connectString, path, id, sessionMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const client = createClient({ connectString, sessionTimeoutMs: Number(sessionMs) });
await client.start();
const member = new GroupMember(client, path, id, { payload: `pid ${process.pid}` });
await member.start();
process.send!({ type: 'joined', sessionTimeoutMs: client.session!.negotiatedTimeoutMs });
