// A Slack SDK logger that drops everything: WebClient logs expected failures
// (warnings, "[ERROR]" response messages) that would only clutter test output.
import { LogLevel, type Logger } from '@slack/bolt';

export function silentSlackLogger(): Logger {
  let level = LogLevel.ERROR;
  const drop = (): void => undefined;
  return {
    debug: drop,
    info: drop,
    warn: drop,
    error: drop,
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: drop,
  };
}
