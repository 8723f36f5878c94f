// When Slack cannot take a reminder or an escalation for good (an archived
// channel, a revoked token, a deactivated user), the workflow records the
// failure and sends the notification here instead: an email to the policy's
// fallback addresses (`notifications.fallbackEmails`), so someone still hears
// of a deadline. Mail failing the other way round is already told in Slack.
//
// Once per key: the row is written before sending and marked sent after; only a
// crash between the server's reply and the mark sends a second copy, with the
// same Message-ID.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/client';
import type { FallbackNotificationInput, FallbackNotificationResult } from '../domain/notification';
import { MailRejectedError, type Mailer } from '../mail/mailer';
import { redactEmailAddresses } from '../mail/redact';

export interface FallbackNotificationDeps {
  db: Db;
  mailer: Mailer;
  from: string;
  /** Where notifications go when Slack fails; none configured: the failure is only recorded. */
  to: readonly string[];
}

export function fallbackMessageId(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@rampart.fallback>`;
}

export function createFallbackNotificationActivities(deps: FallbackNotificationDeps) {
  return {
    async sendFallbackNotification(input: FallbackNotificationInput): Promise<FallbackNotificationResult> {
      const { notification, reason } = input;
      if (deps.to.length === 0) return { sent: false, why: 'no fallback addresses in the policy (notifications.fallbackEmails)' };
      const key = `${notification.eventId}:fallback`;
      const messageId = fallbackMessageId(key);
      const earlier = await deps.db.fallbackNotification.findUnique({ where: { key } });
      if (earlier?.status === 'sent') return { sent: true, recipients: earlier.recipients };
      if (!earlier) {
        await deps.db.fallbackNotification.upsert({
          where: { key },
          create: {
            key,
            incidentId: notification.incidentId,
            kind: notification.kind,
            status: 'sending',
            messageId,
            recipients: deps.to.length,
            reason: redactEmailAddresses(reason).slice(0, 1000),
            createdAt: new Date(),
          },
          update: {},
        });
      }
      const text =
        `${notification.text}\n\n` +
        `Rampart could not deliver this ${notification.kind.replaceAll('_', ' ')} in Slack (${reason}), ` +
        `so it is sent to this address instead. Fix the Slack side (channel, token, user) to get them there again.\n`;
      try {
        for (const to of deps.to) {
          await deps.mailer.send({
            messageId,
            from: deps.from,
            to,
            subject: `[Rampart] ${notification.incidentId}: ${notification.kind.replaceAll('_', ' ')} (not delivered in Slack)`,
            text,
            html: `<pre>${escapeHtml(text)}</pre>`,
          });
        }
      } catch (err) {
        // A refused fallback address is a configuration error: retrying will not fix it.
        const message = redactEmailAddresses(err instanceof Error ? err.message : String(err));
        if (err instanceof MailRejectedError) throw ApplicationFailure.nonRetryable(message, 'FallbackRejected');
        throw ApplicationFailure.retryable(message, 'FallbackMailFailed');
      }
      await deps.db.fallbackNotification.update({ where: { key }, data: { status: 'sent', sentAt: new Date() } });
      return { sent: true, recipients: deps.to.length };
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
