// Identifiers shared by the fake Slack Web API and the signed-request builders,
// so an event the tests "send" and the workspace the fake "hosts" agree with
// each other without every test spelling them out.

/** The workspace the bot is installed in. */
export const TEST_TEAM = { id: 'T0RAMPART1', domain: 'rampart-test', name: 'Rampart Test' } as const;

/** The Slack app and its bot user, as auth.test reports them. */
export const TEST_APP = {
  appId: 'A0RAMPART1',
  botUserId: 'U0RAMPBOT1',
  botId: 'B0RAMPBOT1',
  botName: 'rampart',
  /** The legacy verification token Slack still puts in every payload; Bolt ignores it. */
  verificationToken: 'legacy-verification-token',
} as const;

/** A bot token the fake accepts by default (any `xox…` token is accepted unless told otherwise). */
export const TEST_BOT_TOKEN = 'xoxb-test-rampart';
