// users.*, usergroups.* and auth.test of the fake Slack Web API: the
// read-only directory a bot consults to resolve people, on-call groups and
// its own identity.
import { SlackApiError } from './fake-slack-args';
import type { MethodHandler } from './fake-slack-context';

const usersInfo: MethodHandler = (ctx) => {
  const user = ctx.state.users.get(ctx.args.need('user', 'user_not_found'));
  if (!user) throw new SlackApiError('user_not_found');
  return { user: structuredClone(user) };
};

const lookupByEmail: MethodHandler = (ctx) => {
  const email = ctx.args.need('email', 'users_not_found').toLowerCase();
  const user = [...ctx.state.users.values()].find((u) => u.profile.email?.toLowerCase() === email);
  if (!user) throw new SlackApiError('users_not_found');
  return { user: structuredClone(user) };
};

const usergroupUsers: MethodHandler = (ctx) => {
  const group = ctx.state.usergroups.get(ctx.args.need('usergroup', 'no_such_subteam'));
  if (!group) throw new SlackApiError('no_such_subteam');
  return { users: [...group.users] };
};

const usergroupList: MethodHandler = (ctx) => {
  const withUsers = ctx.args.bool('include_users');
  const usergroups = [...ctx.state.usergroups.values()].map((g) => ({
    id: g.id,
    team_id: g.team_id,
    is_usergroup: true,
    name: g.name,
    handle: g.handle,
    user_count: g.users.length,
    ...(withUsers ? { users: [...g.users] } : {}),
  }));
  return { usergroups };
};

const authTest: MethodHandler = (ctx) => {
  const id = ctx.state.identity;
  return {
    url: `https://${id.teamDomain}.slack.com/`,
    team: id.teamName,
    user: id.botName,
    team_id: id.teamId,
    user_id: id.botUserId,
    bot_id: id.botId,
    is_enterprise_install: false,
  };
};

export const directoryMethods: Record<string, MethodHandler> = {
  'users.info': usersInfo,
  'users.lookupByEmail': lookupByEmail,
  'usergroups.users.list': usergroupUsers,
  'usergroups.list': usergroupList,
  'auth.test': authTest,
  'apps.connections.open': (ctx) => {
    if (!ctx.state.socketModeUrl) throw new SlackApiError('socket_mode_not_enabled');
    return { url: ctx.state.socketModeUrl };
  },
};
