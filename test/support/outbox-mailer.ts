import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMailer, type Mailer } from '../../src/mail/mailer';

/** A mailer that writes .eml files to a fresh temp outbox: for stacks whose tests send no mail. */
export function outboxMailer(): Mailer {
  return createMailer({ outboxDir: mkdtempSync(path.join(os.tmpdir(), 'rampart-outbox-')), log: () => undefined });
}
