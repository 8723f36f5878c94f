// The shipped Slack manifest asks for what the bot uses: the command with
// escaped mentions, the events it listens to, and the scopes of its API calls.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const manifest = parse(readFileSync(path.join(__dirname, '../../slack/app-manifest.yaml'), 'utf8'));

test('the manifest declares /incident, the events and the scopes Rampart needs', () => {
  expect(manifest.features.slash_commands).toEqual([
    expect.objectContaining({ command: '/incident', should_escape: true, url: expect.stringMatching(/\/slack\/events$/) }),
  ]);
  expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['pin_added', 'reaction_added']);
  expect(manifest.settings.interactivity.is_enabled).toBe(true);
  for (const scope of ['commands', 'channels:manage', 'channels:history', 'chat:write', 'pins:write', 'pins:read', 'reactions:read', 'usergroups:read', 'im:write', 'im:history']) {
    expect(manifest.oauth_config.scopes.bot).toContain(scope);
  }
});
