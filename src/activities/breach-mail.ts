// Sends one customer's breach notice to one contact, exactly once as far as a
// database can make it: the breach_deliveries row (by idempotency key) is claimed
// before sending and marked sent after. Only a crash between the server's 250
// and that mark sends a second copy (after the claim's lease), with the same
// Message-ID, so receiving systems can tell it apart.
//
// Logs carry breach id, customer id and Message-ID only: the key and the notice
// contain the customer's email address and personal details.
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { breachNoticeSchema } from '../breach/notice-schema';
import { renderBreachNotice } from '../breach/notice-template';
import type { Db } from '../db/client';
import { DELIVERY_IN_PROGRESS, MAIL_CONFIGURATION, type BreachNotice, type SendBreachNoticeInput, type SendBreachNoticeResult } from '../domain/breach';
import { parseRecipient } from '../mail/address';
import { MailConfigurationError, MailRejectedError, type MailSent, type Mailer } from '../mail/mailer';
import { redactEmailAddresses } from '../mail/redact';

/**
 * Longer than any attempt can run (activity start-to-close 30 s; the SMTP
 * client gives up on a silent server after 20 s).
 */
export const CLAIM_LEASE_MS = 120_000;

export interface BreachMailDeps {
  db: Db;
  mailer: Mailer;
  /** The From header, e.g. "Example Ltd Privacy <privacy@example.com>". */
  from: string;
  companyName: string;
  /**
   * How long a claim keeps other attempts of its delivery from sending, in ms
   * (database time). Defaults to CLAIM_LEASE_MS; tests of a crashed worker
   * shorten it so they need not wait two real minutes.
   */
  claimLeaseMs?: number;
  /** Structured log; defaults to the Temporal activity logger when there is one. */
  log?: (msg: string, fields: Record<string, string | number>) => void;
}

const inputSchema = z.object({
  key: z.string().min(1).max(1000),
  breachId: z.string().min(1).max(200),
  incidentId: z.string().min(1).max(200),
  customer: z.object({
    id: z.string().min(1).max(200),
    name: z.string().trim().min(1).max(500),
    contacts: z.array(z.string()),
    dataAffected: z.string().trim().min(1).max(5000),
  }),
  // Checked separately below: a bad address is the customer's data, not our bug.
  email: z.string(),
  notice: z.unknown(),
  // Rendered as is when not a date: a notice with an odd timestamp beats no notice.
  verifiedAt: z.string().min(1),
  takeOverClaim: z.boolean().optional(),
});

/** `<32 hex>@rampart.breach`: the same for every attempt of one delivery key, and nothing personal in it. */
export function breachMessageId(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@rampart.breach>`;
}

function activityLog(msg: string, fields: Record<string, string | number>): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return; // called outside a worker (bench, scripts): nothing to log to
  }
  context.log.info(msg, fields);
}

/** Programming errors (the workflow sent something malformed): retrying cannot help. */
function invalidInput(what: string, issues: readonly { message: string }[]): never {
  throw ApplicationFailure.nonRetryable(`${what}: ${issues.map((i) => i.message).join('; ')}`, 'InvalidBreachNotice');
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}

/** Whether a notice went out after the deadline: judged by the workflow's clock, never earlier than the send. */
export interface LateJudge {
  notBefore: number;
  deadline: number;
}

/** How a page's sends claim their rows (see breach-mail-pages). */
export interface ClaimOptions {
  /** A claim older than this (ms) belongs to a dead attempt and may be taken. */
  leaseMs: number;
  /** Called once this attempt holds the row, so it can keep the claim fresh. */
  onClaimed(key: string): void;
}

/**
 * Sends one notice (claim, send, mark): what the one-contact activity and the
 * page activity share. No heartbeat here: each activity heartbeats itself.
 */
export function createBreachNoticeSender(deps: BreachMailDeps) {
  const { db, mailer } = deps;
  const log = deps.log ?? activityLog;
  const claimLeaseMs = deps.claimLeaseMs ?? CLAIM_LEASE_MS;

  type Claim = { kind: 'claimed' } | { kind: 'sent'; result: SendBreachNoticeResult };

  function storedResult(row: { messageId: string | null; smtpResponse: string | null; sentAt: Date | null }): SendBreachNoticeResult {
    return { status: 'sent', messageId: row.messageId ?? '', smtpResponse: row.smtpResponse ?? '', sentAt: (row.sentAt ?? new Date(0)).toISOString() };
  }

  /**
   * Claims the row for this attempt (creating it on the first) unless it is
   * 'sent', or another attempt claimed it within the lease: two attempts of one
   * delivery never send at the same time. Past the lease the earlier attempt is
   * dead (a crashed worker), and this one sends again, with the same Message-ID.
   */
  async function claim(input: SendBreachNoticeInput, leaseMs: number): Promise<Claim> {
    const { key } = input;
    for (let tries = 0; tries < 3; tries++) {
      const row = await db.breachDelivery.findUnique({ where: { key } });
      if (row?.status === 'sent') return { kind: 'sent', result: storedResult(row) };
      const now = new Date();
      if (row) {
        const leaseEnded = new Date(now.getTime() - leaseMs);
        // A claim of an attempt known dead is taken at once; any other only past its lease.
        const claimable = input.takeOverClaim ? {} : { OR: [{ status: { not: 'sending' } }, { claimedAt: null }, { claimedAt: { lt: leaseEnded } }] };
        const { count } = await db.breachDelivery.updateMany({
          where: { key, status: { not: 'sent' }, ...claimable },
          data: { status: 'sending', claimedAt: now, attempts: { increment: 1 } },
        });
        if (count === 1) return { kind: 'claimed' };
        const current = await db.breachDelivery.findUnique({ where: { key } });
        if (current?.status === 'sent') return { kind: 'sent', result: storedResult(current) };
        throw ApplicationFailure.retryable('another attempt is sending this notice right now', DELIVERY_IN_PROGRESS);
      }
      try {
        await db.breachDelivery.create({
          data: {
            key,
            breachId: input.breachId,
            customerId: input.customer.id,
            customerName: input.customer.name,
            email: input.email,
            status: 'sending',
            claimedAt: now,
            attempts: 1,
          },
        });
        return { kind: 'claimed' };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // another attempt created it first: go round
      }
    }
    throw new Error('breach delivery row kept changing under us; retrying');
  }

  async function markUnlessSent(key: string, data: { status: string; error: string }): Promise<void> {
    await db.breachDelivery.updateMany({ where: { key, status: { not: 'sent' } }, data });
  }

  async function reject(key: string, fields: Record<string, string | number>, error: string): Promise<SendBreachNoticeResult> {
    await markUnlessSent(key, { status: 'rejected', error });
    log('breach notice rejected', fields);
    return { status: 'rejected', error: redactEmailAddresses(error) };
  }

  return send;

  async function send(raw: SendBreachNoticeInput, judge?: LateJudge, claims?: ClaimOptions): Promise<SendBreachNoticeResult> {
    const parsedInput = inputSchema.safeParse(raw);
    if (!parsedInput.success) invalidInput('invalid breach notice input', parsedInput.error.issues);
    const parsedNotice = breachNoticeSchema.safeParse(raw.notice);
    if (!parsedNotice.success) invalidInput('the notice is incomplete', parsedNotice.error.issues);
    const input: SendBreachNoticeInput = { ...parsedInput.data, notice: parsedNotice.data satisfies BreachNotice };

    const messageId = breachMessageId(input.key);
    const fields = { breachId: input.breachId, customerId: input.customer.id, messageId };

    const claimed = await claim(input, claims?.leaseMs ?? claimLeaseMs);
    if (claimed.kind === 'claimed') claims?.onClaimed(input.key);
    if (claimed.kind === 'sent') {
      log('breach notice already sent; not sending again', fields);
      return claimed.result;
    }

    const to = parseRecipient(input.email);
    if (!to) return reject(input.key, fields, 'not a valid email address');

    const rendered = renderBreachNotice(input, { companyName: deps.companyName });
    let sentAt = new Date();
    // Marked sent inside the mailer's commit slot: no other notice is accepted
    // by the server until this one is recorded, so a crash resends at most one.
    let accepted = false;
    const markSent = async (sent: MailSent): Promise<void> => {
      accepted = true;
      sentAt = new Date();
      await db.breachDelivery.update({
        where: { key: input.key },
        data: {
          status: 'sent',
          messageId: sent.messageId,
          smtpResponse: sent.response,
          sentAt,
          error: null,
          ...(judge ? { late: Math.max(judge.notBefore, sentAt.getTime()) > judge.deadline } : {}),
        },
      });
    };
    let sent: MailSent;
    try {
      sent = await mailer.send(
        {
          messageId,
          from: deps.from,
          to,
          ...rendered,
          // Auto-Submitted keeps vacation auto-replies from answering a notice (RFC 3834).
          headers: { 'Auto-Submitted': 'auto-generated', 'X-Rampart-Incident': input.incidentId },
        },
        markSent,
      );
    } catch (err) {
      // The server has it; only our record failed. A retry resends it, same Message-ID.
      if (accepted) throw err;
      if (err instanceof MailRejectedError) return reject(input.key, { ...fields, code: err.code }, err.response);
      if (err instanceof MailConfigurationError) {
        // Retried on the workflow's schedule, and said plainly: this is ours to fix, not the customer's.
        await markUnlessSent(input.key, { status: 'pending', error: err.message }).catch(() => undefined);
        log('breach notice not sent: mail configuration', fields);
        throw ApplicationFailure.retryable(redactEmailAddresses(err.message), MAIL_CONFIGURATION);
      }
      const message = err instanceof Error ? err.message : String(err);
      const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'unknown';
      // Best effort: the send failure is what Temporal must see, even if the database is down too.
      await markUnlessSent(input.key, { status: 'pending', error: message }).catch(() => undefined);
      log('breach notice not sent; will retry', { ...fields, code });
      throw new Error(`mail not sent (${code}): ${redactEmailAddresses(message)}`);
    }

    // A mailer that does not take a record step (a wrapper, a plain transport) is recorded here.
    if (!accepted) await markSent(sent);
    log('breach notice sent', fields);
    return { status: 'sent', messageId: sent.messageId, smtpResponse: sent.response, sentAt: sentAt.toISOString() };
  }
}

export function createBreachMailActivities(deps: BreachMailDeps) {
  const send = createBreachNoticeSender(deps);
  return {
    async sendBreachNotice(raw: SendBreachNoticeInput): Promise<SendBreachNoticeResult> {
      // A live attempt says so every few seconds: a worker that dies mid-send is
      // noticed within the workflow's heartbeat timeout, not after the whole
      // start-to-close time, and its claim is taken over at once.
      const stopHeartbeat = heartbeatEvery(HEARTBEAT_EVERY_MS);
      try {
        return await send(raw);
      } finally {
        stopHeartbeat();
      }
    },
  };
}

export const HEARTBEAT_EVERY_MS = 2_000;

/** Heartbeats the current activity until the returned function is called; nothing outside a worker. */
export function heartbeatEvery(ms: number): () => void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return () => undefined;
  }
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), ms);
  return () => clearInterval(timer);
}
