// The customer breach notice end to end: its required content, its rendering, and
// the send activity against real PostgreSQL and a real SMTP server on loopback.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { simpleParser, type AddressObject } from 'mailparser';
import { CLAIM_LEASE_MS, breachMessageId, createBreachMailActivities } from '../../src/activities/breach-mail';
import { NOTICE_ELEMENTS, UNREACHABLE_CONTACT_LABEL, missingNoticeElements } from '../../src/breach/notice-elements';
import { breachNoticeSchema } from '../../src/breach/notice-schema';
import { renderBreachNotice } from '../../src/breach/notice-template';
import { DELIVERY_IN_PROGRESS, type BreachNotice, type SendBreachNoticeInput, type SendBreachNoticeResult } from '../../src/domain/breach';
import { MailConfigurationError, MailRejectedError, classifyMailError, createMailer, type Mailer } from '../../src/mail/mailer';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';

const notice: BreachNotice = {
  nature: 'An unauthorised party accessed a reporting database between 20 and 21 November.',
  impact: 'Names and email addresses may be used for phishing; no passwords or payment data were exposed.',
  mitigation: 'We revoked the leaked credential, rotated all database keys and added alerting on bulk exports.',
  contact: 'Dana Privacy, Data Protection Officer: dpo@example.com or +44 20 7946 0958',
};

const BREACH_ID = 'INC-20261122-mail-breach';
const INCIDENT_ID = 'INC-20261122-mail';
const FROM = 'Example Ltd Privacy <privacy@example.com>';

function input(email: string, overrides: Partial<SendBreachNoticeInput> = {}): SendBreachNoticeInput {
  const customer = { id: 'C1', name: 'Acme Widgets GmbH', contacts: [email], dataAffected: 'Contact names and business email addresses of 42 staff' };
  return { key: `${BREACH_ID}:C1:${email}`, breachId: BREACH_ID, incidentId: INCIDENT_ID, customer, email, notice, verifiedAt: '2026-11-22T05:52:00.000Z', ...overrides };
}

function addresses(a: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address ?? ''));
}

describe('missingNoticeElements', () => {
  it('is empty for a complete notice', () => {
    expect(missingNoticeElements(notice)).toEqual([]);
  });

  it('names every element that is absent, blank or a placeholder', () => {
    expect(missingNoticeElements({})).toEqual(NOTICE_ELEMENTS.map((e) => e.label));
    expect(missingNoticeElements({ ...notice, impact: '   ', mitigation: 'tbd' })).toEqual(['the likely impact', 'the mitigation steps taken or planned']);
    // A notice arrives as JSON; a non-string is as good as missing, not a crash.
    expect(missingNoticeElements({ ...notice, nature: 42 as unknown as string })).toEqual(['the nature of the breach']);
  });

  it('asks for a contact that can be reached', () => {
    expect(missingNoticeElements({ ...notice, contact: 'Our customer success team' })).toEqual([UNREACHABLE_CONTACT_LABEL]);
    expect(missingNoticeElements({ ...notice, contact: 'Our team, available from 2026-11-22' })).toEqual([UNREACHABLE_CONTACT_LABEL]);
    for (const contact of ['Write to privacy@example.co.uk', 'Call +44 20 7946 0958', 'Hotline (555) 123-4567', 'Phone 030 1234567']) {
      expect(missingNoticeElements({ ...notice, contact })).toEqual([]);
    }
  });

  it('agrees with breachNoticeSchema', () => {
    const cases: Partial<BreachNotice>[] = [
      notice,
      {},
      { ...notice, nature: 'short' },
      { ...notice, contact: 'the privacy team' },
      { ...notice, contact: '  call 0800 123 4567  ' },
      { ...notice, impact: `  ${'x'.repeat(9)}  ` },
    ];
    for (const c of cases) expect(missingNoticeElements(c).length === 0).toBe(breachNoticeSchema.safeParse(c).success);
  });
});

describe('breachNoticeSchema', () => {
  const messages = (value: unknown) => {
    const r = breachNoticeSchema.safeParse(value);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };

  it('accepts and trims a complete notice', () => {
    expect(breachNoticeSchema.parse({ ...notice, nature: `  ${notice.nature}\n` })).toEqual(notice);
  });

  it('names the missing element in plain words', () => {
    const { impact: _impact, ...withoutImpact } = notice;
    expect(messages(withoutImpact)).toEqual(['the notice must state the likely impact']);
    expect(messages({ ...notice, mitigation: 'soon' })).toEqual(['the notice must state the mitigation steps taken or planned (at least 10 characters)']);
    expect(messages({})).toHaveLength(4);
  });

  it('requires an email address or phone number in the contact', () => {
    expect(messages({ ...notice, contact: 'Ask your account manager' })).toEqual(['the point of contact must include an email address or a phone number']);
  });

  it('bounds the length and refuses unknown fields', () => {
    expect(messages({ ...notice, nature: 'x'.repeat(5001) })).toEqual(['the nature of the breach must be at most 5000 characters']);
    expect(breachNoticeSchema.safeParse({ ...notice, extra: 'x' }).success).toBe(false);
  });
});

describe('renderBreachNotice', () => {
  it('states the four elements, the customer, the data affected, the reference and the time', () => {
    const r = renderBreachNotice(input('it@acme.example'), { companyName: 'Example Ltd' });
    expect(r.subject).toBe(`Important: personal data breach notice from Example Ltd (ref ${INCIDENT_ID})`);
    for (const body of [r.text, r.html]) {
      for (const e of NOTICE_ELEMENTS) expect(body).toContain(e.heading);
      expect(body).toContain('Your data affected');
      expect(body).toContain('Acme Widgets GmbH');
      expect(body).toContain(INCIDENT_ID);
      expect(body).toContain('22 November 2026 at 05:52 UTC');
    }
    expect(r.text).toContain(`Nature of the breach\n--------------------\n${notice.nature}`);
    expect(r.text).toContain(notice.contact);
    expect(r.html).toContain(`<h2 style="font-size: 18px; margin: 24px 0 8px;">Likely impact</h2>\n<p>${notice.impact}</p>`);
  });

  it('escapes every interpolated value in the HTML', () => {
    const hostile = input('it@acme.example', {
      incidentId: 'INC-"1"',
      notice: { ...notice, nature: 'Attack via <script>alert("x")</script> & more' },
      customer: { id: 'C1', name: 'Tom & <b>Jerry</b>', contacts: [], dataAffected: "O'Brien's <img src=x onerror=alert(1)>" },
    });
    const { html, text } = renderBreachNotice(hostile, { companyName: 'Ex <Co>' });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<img');
    expect(html).toContain('Attack via &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(html).toContain('Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;');
    expect(html).toContain('O&#39;Brien&#39;s &lt;img');
    expect(html).toContain('Ex &lt;Co&gt;');
    expect(html).toContain('INC-&quot;1&quot;');
    // The plain text part is not HTML: it carries the words as written.
    expect(text).toContain('Attack via <script>alert("x")</script> & more');
  });
});

describe('classifyMailError', () => {
  const smtpErr = (fields: Record<string, unknown>) => Object.assign(new Error('failed'), fields);

  it('turns a permanent per-recipient or per-message refusal into MailRejectedError', () => {
    const rcpt = classifyMailError(smtpErr({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 no such user' }));
    expect(rcpt).toBeInstanceOf(MailRejectedError);
    expect(rcpt).toMatchObject({ code: 'EENVELOPE', response: '550 5.1.1 no such user' });
    expect(classifyMailError(smtpErr({ code: 'EMESSAGE', command: 'DATA', responseCode: 554, response: '554 spam' }))).toBeInstanceOf(MailRejectedError);
    expect(classifyMailError(smtpErr({ code: 'EENVELOPE', command: 'API', message: 'Invalid recipient "x"' }))).toBeInstanceOf(MailRejectedError);
  });

  it('turns a refused login (530/535) or a TLS failure into MailConfigurationError, naming SMTP_URL', () => {
    for (const fields of [
      { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 bad credentials' },
      { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 530, response: '530 5.7.0 Authentication required' },
      { code: 'ETLS', message: 'Error initiating TLS' },
      { code: 'ESOCKET', message: 'self-signed certificate in certificate chain' },
    ]) {
      const classified = classifyMailError(smtpErr(fields));
      expect(classified).toBeInstanceOf(MailConfigurationError);
      expect((classified as Error).message).toMatch(/^the mail server refuses Rampart's (login|TLS connection) \(.+\); check SMTP_URL$/);
    }
  });

  it('leaves transient failures as they are', () => {
    for (const fields of [
      { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451, response: '451 try later' },
      { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 503, response: '503 bad sequence', permanent: false },
      { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550, response: '550 sender rejected' },
      { code: 'ESOCKET', originalCode: 'ECONNREFUSED' },
      { code: 'ETIMEDOUT' },
    ]) {
      const err = smtpErr(fields);
      expect(classifyMailError(err)).toBe(err);
    }
  });
});

describe('sendBreachNotice', () => {
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  let mailer: Mailer;
  const logged: string[] = [];
  let activities: ReturnType<typeof createBreachMailActivities>;

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = await startTestSmtpServer({ rejectRecipients: ['nobody@reject.example'] });
    mailer = createMailer({ smtpUrl: smtp.smtpUrl, outboxDir: '/nonexistent' });
    activities = createBreachMailActivities({
      db: database.prisma,
      mailer,
      from: FROM,
      companyName: 'Example Ltd',
      log: (msg, fields) => logged.push(JSON.stringify({ msg, ...fields })),
    });
    const at = new Date('2026-11-22T05:52:00.000Z');
    await database.prisma.incident.create({ data: { id: INCIDENT_ID, title: 'Reporting DB exposure', severity: 'SEV1', declaredBy: 'U-alice', declaredAt: at } });
    await database.prisma.breach.create({
      data: { id: BREACH_ID, incidentId: INCIDENT_ID, verifiedAt: at, verifiedBy: 'U-dpo', deadline: new Date(at.getTime() + 86_400_000), authorityDeadline: new Date(at.getTime() + 3 * 86_400_000), status: 'sending' },
    });
  });

  afterAll(async () => {
    await mailer?.close();
    await smtp?.stop();
    await database?.drop();
  });

  const row = (key: string) => database.prisma.breachDelivery.findUniqueOrThrow({ where: { key } });

  it('sends a complete notice that a mail client can read', async () => {
    const req = input('it@acme.example');
    const result = await activities.sendBreachNotice(req);

    expect(result).toMatchObject({ status: 'sent', messageId: breachMessageId(req.key) });
    expect(breachMessageId(req.key)).toMatch(/^<[0-9a-f]{32}@rampart\.breach>$/);
    expect(smtp.countTo('it@acme.example')).toBe(1);
    const received = smtp.messages.find((m) => m.to.includes('it@acme.example'));
    const mail = received?.parsed;
    if (!received || !mail) throw new Error('no message received');
    expect(received.from).toBe('privacy@example.com');
    expect(mail.messageId).toBe(breachMessageId(req.key));
    expect(mail.from?.value[0]).toEqual({ address: 'privacy@example.com', name: 'Example Ltd Privacy' });
    expect(addresses(mail.to)).toEqual(['it@acme.example']);
    expect(mail.subject).toBe(`Important: personal data breach notice from Example Ltd (ref ${INCIDENT_ID})`);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(typeof mail.html).toBe('string');
    for (const body of [mail.text ?? '', mail.html || '']) {
      for (const e of NOTICE_ELEMENTS) {
        expect(body).toContain(e.heading);
        expect(body).toContain(notice[e.field]);
      }
      expect(body).toContain('Acme Widgets GmbH');
      expect(body).toContain('Contact names and business email addresses of 42 staff');
    }

    const stored = await row(req.key);
    expect(stored).toMatchObject({ status: 'sent', attempts: 1, messageId: breachMessageId(req.key), error: null, email: 'it@acme.example', customerName: 'Acme Widgets GmbH' });
    expect(stored.smtpResponse).toMatch(/^250 /);
    expect(result.status === 'sent' && result.sentAt).toBe(stored.sentAt?.toISOString());
  });

  it('records the send even through a mailer that takes no record step (a wrapper that drops it)', async () => {
    const wrapper: Mailer = { send: (msg) => mailer.send(msg), close: async () => undefined };
    const plain = createBreachMailActivities({ db: database.prisma, mailer: wrapper, from: FROM, companyName: 'Example Ltd', log: () => undefined });
    const req = input('wrapped@acme.example');
    expect(await plain.sendBreachNotice(req)).toMatchObject({ status: 'sent', messageId: breachMessageId(req.key) });
    expect(await row(req.key)).toMatchObject({ status: 'sent', messageId: breachMessageId(req.key) });
    expect(await plain.sendBreachNotice(req)).toMatchObject({ status: 'sent' });
    expect(smtp.countTo('wrapped@acme.example')).toBe(1);
  });

  it('sends once per key, however often it is called', async () => {
    const req = input('once@acme.example');
    const first = await activities.sendBreachNotice(req);
    const second = await activities.sendBreachNotice(req);
    expect(second).toEqual(first);
    expect(smtp.countTo('once@acme.example')).toBe(1);
    expect((await row(req.key)).attempts).toBe(1);
  });

  it('lets only one of two racing attempts of a key send (a timed-out attempt still running)', async () => {
    const req = input('race@acme.example');
    // The server keeps the winner's message unanswered, so the loser surely runs while the winner is mid-send.
    smtp.holdRepliesAfter(0);
    let outcomes: PromiseSettledResult<SendBreachNoticeResult>[];
    try {
      let settled = 0;
      const attempt = () => activities.sendBreachNotice(req).finally(() => (settled += 1));
      const racing = Promise.allSettled([attempt(), attempt()]);
      // One attempt has settled while the other's message sits at the server, unanswered.
      await eventually(async () => {
        expect(smtp.heldMessages()).toHaveLength(1);
        expect(settled).toBe(1);
      }, 60_000);
      smtp.releaseReplies();
      outcomes = await racing;
    } finally {
      smtp.releaseReplies();
    }
    const sent = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(sent).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(sent[0]).toMatchObject({ status: 'sent', messageId: breachMessageId(req.key) });
    // The loser is told to come back later; its retry finds the notice sent.
    expect(refused[0]).toMatchObject({ type: DELIVERY_IN_PROGRESS, nonRetryable: false });
    expect(smtp.countTo('race@acme.example')).toBe(1);
    expect(await activities.sendBreachNotice(req)).toEqual(sent[0]);
    expect(smtp.countTo('race@acme.example')).toBe(1);
    expect(await row(req.key)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('does not send while an earlier attempt holds the claim, and does once its two-minute lease has run out (a crashed worker)', async () => {
    expect(CLAIM_LEASE_MS).toBe(2 * 60_000);
    const req = input('crashed@acme.example');
    // Claimed in the past by writing claimed_at directly: no test waits two real minutes.
    const claimedAgo = (ms: number) => database.prisma.breachDelivery.update({ where: { key: req.key }, data: { claimedAt: new Date(Date.now() - ms) } });
    await database.prisma.breachDelivery.create({
      data: { key: req.key, breachId: BREACH_ID, customerId: 'C1', customerName: 'Acme Widgets GmbH', email: 'crashed@acme.example', status: 'sending', attempts: 1, claimedAt: new Date() },
    });
    for (const ago of [0, 10_000, 115_000]) {
      await claimedAgo(ago);
      await expect(activities.sendBreachNotice(req)).rejects.toMatchObject({ type: DELIVERY_IN_PROGRESS });
    }
    expect(smtp.countTo('crashed@acme.example')).toBe(0);
    expect(await row(req.key)).toMatchObject({ status: 'sending', attempts: 1 });

    await claimedAgo(125_000);
    expect(await activities.sendBreachNotice(req)).toMatchObject({ status: 'sent', messageId: breachMessageId(req.key) });
    expect(smtp.countTo('crashed@acme.example')).toBe(1);
    expect(await row(req.key)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('takes the lease from its options (the default stays two minutes)', async () => {
    const shortLease = createBreachMailActivities({ db: database.prisma, mailer, from: FROM, companyName: 'Example Ltd', claimLeaseMs: 5_000, log: () => undefined });
    const req = input('short-lease@acme.example');
    await database.prisma.breachDelivery.create({
      data: { key: req.key, breachId: BREACH_ID, customerId: 'C1', customerName: 'Acme Widgets GmbH', email: 'short-lease@acme.example', status: 'sending', attempts: 1, claimedAt: new Date(Date.now() - 1_000) },
    });
    await expect(shortLease.sendBreachNotice(req)).rejects.toMatchObject({ type: DELIVERY_IN_PROGRESS });
    await database.prisma.breachDelivery.update({ where: { key: req.key }, data: { claimedAt: new Date(Date.now() - 10_000) } });
    // Ten seconds is well inside the default lease, past this one.
    await expect(activities.sendBreachNotice(req)).rejects.toMatchObject({ type: DELIVERY_IN_PROGRESS });
    expect(await shortLease.sendBreachNotice(req)).toMatchObject({ status: 'sent' });
    expect(smtp.countTo('short-lease@acme.example')).toBe(1);
  });

  it('returns a permanent refusal (550) as rejected, for the officer to correct', async () => {
    const req = input('nobody@reject.example');
    const result = await activities.sendBreachNotice(req);
    expect(result).toEqual({ status: 'rejected', error: expect.stringMatching(/^550 /) });
    expect(await row(req.key)).toMatchObject({ status: 'rejected', error: expect.stringContaining('550'), messageId: null });
    expect(smtp.countTo('nobody@reject.example')).toBe(0);
  });

  it('rejects an invalid address without talking to the server', async () => {
    const before = smtp.messages.length;
    const result = await activities.sendBreachNotice(input('not-an-address'));
    expect(result).toEqual({ status: 'rejected', error: 'not a valid email address' });
    expect((await row(input('not-an-address').key)).status).toBe('rejected');
    expect(smtp.messages.length).toBe(before);
  });

  it('throws on a transient failure, records it, and sends exactly once after recovery', async () => {
    const req = input('later@acme.example');
    smtp.setTransientFailure(true);
    try {
      await expect(activities.sendBreachNotice(req)).rejects.toThrow(/451/);
    } finally {
      smtp.setTransientFailure(false);
    }
    expect(await row(req.key)).toMatchObject({ status: 'pending', attempts: 1, error: expect.stringContaining('451') });

    const retried = await activities.sendBreachNotice(req);
    expect(retried.status).toBe('sent');
    expect(smtp.countTo('later@acme.example')).toBe(1);
    expect(await row(req.key)).toMatchObject({ status: 'sent', attempts: 2, error: null });
  });

  it('throws (transient) when the server cannot be reached', async () => {
    const down = createMailer({ smtpUrl: 'smtp://127.0.0.1:1', outboxDir: '/nonexistent' });
    try {
      const err = await down.send({ messageId: '<x@rampart.breach>', from: FROM, to: 'a@acme.example', subject: 's', text: 't', html: '<p>t</p>' }).catch((e: unknown) => e);
      // Node's socket errors come from another realm than jest's Error: check the shape.
      expect(err).toMatchObject({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' });
      expect(err).not.toBeInstanceOf(MailRejectedError);
    } finally {
      await down.close();
    }
  });

  it('refuses an incomplete notice for good, before any row or mail', async () => {
    const req = input('gap@acme.example', { notice: { ...notice, impact: '' } });
    const err = await activities.sendBreachNotice(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ nonRetryable: true, message: expect.stringContaining('the likely impact') });
    expect(await database.prisma.breachDelivery.findUnique({ where: { key: req.key } })).toBeNull();
    expect(smtp.countTo('gap@acme.example')).toBe(0);
  });

  it('runs as a Temporal activity', async () => {
    const withTemporalLog = createBreachMailActivities({ db: database.prisma, mailer, from: FROM, companyName: 'Example Ltd' });
    const result: SendBreachNoticeResult = await new MockActivityEnvironment().run(withTemporalLog.sendBreachNotice, input('temporal@acme.example'));
    expect(result.status).toBe('sent');
  });

  it('never logs an email address or the notice text', () => {
    expect(logged.length).toBeGreaterThan(0);
    const all = logged.join('\n');
    expect(all).not.toMatch(/@acme\.example|@reject\.example|not-an-address|@example\.com/);
    expect(all).not.toContain('Acme Widgets');
    expect(all).not.toContain(notice.nature);
  });
});

describe('sendBreachNotice without an SMTP server', () => {
  let database: TestDatabase;
  let outboxDir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    outboxDir = path.join(await mkdtemp(path.join(tmpdir(), 'rampart-outbox-')), 'outbox');
    const at = new Date('2026-11-22T05:52:00.000Z');
    await database.prisma.incident.create({ data: { id: INCIDENT_ID, title: 't', severity: 'SEV2', declaredBy: 'U-a', declaredAt: at } });
    await database.prisma.breach.create({ data: { id: BREACH_ID, incidentId: INCIDENT_ID, verifiedAt: at, verifiedBy: 'U-dpo', deadline: at, authorityDeadline: at, status: 'sending' } });
  });

  afterAll(async () => {
    await database?.drop();
    if (outboxDir) await rm(path.dirname(outboxDir), { recursive: true, force: true });
  });

  it('writes each notice as a parseable .eml and says once where', async () => {
    const lines: string[] = [];
    const mailer = createMailer({ outboxDir, log: (l) => lines.push(l) });
    const activities = createBreachMailActivities({ db: database.prisma, mailer, from: FROM, companyName: 'Example Ltd' });
    const first = await activities.sendBreachNotice(input('one@acme.example'));
    await activities.sendBreachNotice(input('two@acme.example'));
    await activities.sendBreachNotice(input('one@acme.example')); // already sent: no second file
    await mailer.close();

    expect(lines).toEqual([`mail: no SMTP server configured; breach notices are written to ${outboxDir}`]);
    const files = (await readdir(outboxDir)).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => /^[0-9a-f]{32}_rampart\.breach\.eml$/.test(f))).toBe(true);

    if (first.status !== 'sent') throw new Error('not sent');
    const file = path.join(outboxDir, `${first.messageId.slice(1, 33)}_rampart.breach.eml`);
    expect(first.smtpResponse).toBe(`written to outbox as ${path.basename(file)}`);
    const raw = await readFile(file);
    expect(raw.toString('latin1')).toMatch(/\r\n\r\n/);
    const mail = await simpleParser(raw);
    expect(mail.messageId).toBe(first.messageId);
    expect(addresses(mail.to)).toEqual(['one@acme.example']);
    expect(mail.text).toContain(notice.mitigation);
    expect(mail.html).toContain('Mitigation steps taken or planned');
  });
});
