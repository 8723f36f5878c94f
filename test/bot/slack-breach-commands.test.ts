// The breach slash commands (README, Breach notification): `/incident breach
// verify`, `preview`, `approve` and `correct <rejected> <new>`, typed rather than
// pressed. Signed commands into the bot, the fake Slack on loopback, a real
// Temporal dev server, PostgreSQL and a loopback SMTP server that refuses one
// address (550). Each test declares its own incident; customers and the notice
// are recorded through the same BreachService the bot and the API use.
import { WorkflowNotFoundError } from '@temporalio/client';
import { BreachService } from '../../src/breach/breach-service';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { breachStateQuery, breachWorkflowId } from '../../src/workflows/breach/messages';
import { stateQuery } from '../../src/workflows/incident/messages';
import { eventually } from '../support/eventually';
import { startBotHarness, SLOW_MACHINE_MS, type BotHarness, type SlackAnswer } from '../support/slack/bot-harness';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';

const ALICE = 'U0ALICE'; // declares
const BOB = 'U0BOB'; // responder, not an officer
const DPO = 'U0DPO'; // privacy/security officer
const TYPO = 'typo@globex.example'; // refused by the mail server for good

let smtp: TestSmtpServer;
let mailer: Mailer;
let h: BotHarness;
let breaches: BreachService;

beforeAll(async () => {
  smtp = await startTestSmtpServer({ rejectRecipients: [TYPO] });
  mailer = createMailer({ smtpUrl: smtp.smtpUrl, outboxDir: '/nonexistent' });
  h = await startBotHarness({
    slack: { users: [ALICE, BOB, DPO].map((id) => ({ id, name: id.toLowerCase() })) },
    policy: (p) => {
      p.slack.onCallUsers = [];
      p.breach.officers = [DPO];
    },
    mailer,
  });
  breaches = new BreachService({ client: h.env.client, db: h.database.prisma });
}, SLOW_MACHINE_MS * 3);

afterAll(async () => {
  await h?.stop();
  await mailer?.close();
  await smtp?.stop();
});

const NOTICE = {
  nature: 'A storage bucket holding invoice exports was publicly readable for 40 hours.',
  impact: 'Names, billing addresses and invoice amounts could have been read by anyone with the link.',
  mitigation: 'The bucket was made private and exports now expire after one hour.',
  contact: 'Dana Privacy, DPO: dpo@example.com',
};

/** Slack turns a typed address into a mailto link. */
const typed = (email: string) => `<mailto:${email}|${email}>`;

/** The single reply to a command, shown to the asker only. */
async function onlyReply(answer: SlackAnswer): Promise<string> {
  expect(answer.status).toBe(200);
  const replies = await eventually(async () => {
    const posted = answer.replies();
    expect(posted).toHaveLength(1);
    return posted;
  }, SLOW_MACHINE_MS);
  expect(replies[0]?.body.response_type).toBe('ephemeral');
  return replies[0]?.text ?? '';
}

function expectPlainWords(text: string, reason: RegExp): void {
  expect(text).toMatch(/^:warning: [A-Z]/);
  expect(text).toMatch(reason);
  expect(text).not.toMatch(/Error\b|\bat \S+ \(|went wrong/);
}

/** An incident whose breach an officer verified, with customers and a notice recorded. */
async function breachReadyForApproval(title: string, customers: { name: string; contacts: string[]; dataAffected: string }[]) {
  const { incidentId, channelId } = await h.declare(ALICE, title, { personalData: true });
  await h.stack.incidents.verifyBreach(incidentId, { actor: DPO });
  const breachId = breachWorkflowId(incidentId);
  await breaches.setCustomers(breachId, { actor: BOB, customers });
  await breaches.setNotice(breachId, { actor: BOB, notice: NOTICE });
  return { incidentId, channelId, breachId, breach: () => breaches.get(breachId) };
}

const previews = (channelId: string, incidentId: string) =>
  h.slack.messages(channelId).filter((m) => m.text.startsWith(`Breach notice for ${incidentId}`));

test(
  '/incident breach verify: refused for a non-officer in plain words; an officer starts the breach and its 24-hour clock',
  async () => {
    const { incidentId, channelId } = await h.declare(ALICE, 'Verify by command', { personalData: true });
    const incident = () => h.env.client.workflow.getHandle(incidentId).query(stateQuery);
    const breachHandle = h.env.client.workflow.getHandle(breachWorkflowId(incidentId));

    const refused = await h.command(BOB, channelId, 'breach verify');
    expectPlainWords(await onlyReply(refused), /Only a privacy\/security officer may verify a breach/);
    expect((await incident()).breach?.verifiedAt).toBeUndefined();
    await expect(breachHandle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    const verified = await h.command(DPO, channelId, 'breach verify');
    const reply = await onlyReply(verified);
    const { breach } = await incident();
    expect(breach).toMatchObject({ verifiedBy: DPO, workflowId: breachWorkflowId(incidentId) });
    expect(reply).toContain(`Breach verified: every affected customer must have the notice by ${breach?.notifyBy}`);
    const started = await breachHandle.query(breachStateQuery);
    expect(started.verifiedAt).toBe(breach?.verifiedAt);
    expect(Date.parse(started.deadline) - Date.parse(started.verifiedAt)).toBe(24 * 3600_000);
    await eventually(async () => {
      const entries = await h.database.prisma.timelineEntry.findMany({ where: { incidentId, kind: 'breach_verified' } });
      expect(entries.map((e) => e.actor)).toEqual([DPO]);
    }, SLOW_MACHINE_MS);
  },
  SLOW_MACHINE_MS * 3,
);

test(
  '/incident breach preview posts the notice as the first customer gets it, with Approve and send / Request changes',
  async () => {
    const { incidentId, channelId } = await h.declare(ALICE, 'Preview by command', { personalData: true });
    await h.stack.incidents.verifyBreach(incidentId, { actor: DPO });
    const breachId = breachWorkflowId(incidentId);

    // Nothing drafted yet: the preview says what is missing.
    await h.command(BOB, channelId, 'breach preview');
    const empty = await eventually(async () => {
      const [found] = previews(channelId, incidentId);
      expect(found).toBeDefined();
      return found!;
    }, SLOW_MACHINE_MS);
    expect(JSON.stringify(empty.blocks)).toContain('Nothing to preview yet');

    await breaches.setCustomers(breachId, {
      actor: BOB,
      customers: [
        { name: 'Acme GmbH', contacts: ['it@acme.example'], dataAffected: 'invoices and billing addresses' },
        { name: 'Globex', contacts: ['privacy@globex.example'], dataAffected: 'invoices' },
      ],
    });
    await breaches.setNotice(breachId, { actor: BOB, notice: NOTICE });
    const asked = await h.command(BOB, channelId, 'breach preview');
    expect(asked.status).toBe(200);
    const preview = await eventually(async () => {
      const found = previews(channelId, incidentId)[1];
      expect(found).toBeDefined();
      return found!;
    }, SLOW_MACHINE_MS);
    const shown = JSON.stringify(preview.blocks);
    for (const element of Object.values(NOTICE)) expect(shown).toContain(element);
    expect(shown).toContain('To Acme GmbH');
    expect(shown).toContain('invoices and billing addresses');
    const buttons = (preview.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? []);
    expect(buttons.map((b) => [b.action_id, b.value])).toEqual([
      ['breach_approve', breachId],
      ['breach_request_changes', breachId],
    ]);
    expect(asked.replies()).toEqual([]); // the preview is for the channel, not an ephemeral answer
  },
  SLOW_MACHINE_MS * 3,
);

test(
  '/incident breach approve: refused for a non-officer; an officer sends one email per contact, the one the preview showed',
  async () => {
    const { incidentId, channelId, breach } = await breachReadyForApproval('Approve by command', [
      { name: 'Initech', contacts: ['it@initech.example', 'ceo@initech.example'], dataAffected: 'payroll exports' },
      { name: 'Umbrella', contacts: ['privacy@umbrella.example'], dataAffected: 'invoices' },
    ]);
    await h.command(BOB, channelId, 'breach preview');
    const preview = await eventually(async () => {
      const [found] = previews(channelId, incidentId);
      expect(found).toBeDefined();
      return found!;
    }, SLOW_MACHINE_MS);

    const refused = await h.command(BOB, channelId, 'breach approve');
    expectPlainWords(await onlyReply(refused), /Only a privacy\/security officer may approve the notice/);
    expect((await breach()).approvedAt).toBeUndefined();

    const approved = await h.command(DPO, channelId, 'breach approve');
    expect(approved.status).toBe(200);
    await eventually(async () => expect((await breach()).status).toBe('sent'), SLOW_MACHINE_MS);
    const contacts = ['it@initech.example', 'ceo@initech.example', 'privacy@umbrella.example'];
    expect(contacts.map((c) => smtp.countTo(c))).toEqual([1, 1, 1]);
    expect((await breach()).approvedBy).toBe(DPO);
    expect(h.slack.messages(channelId).map((m) => m.text).join('\n')).toContain(
      `<@${DPO}> approved the breach notice: sending to 3 contact(s) of 2 customer(s)`,
    );

    // The preview showed exactly the text the first customer's first contact received.
    const sections = (preview.blocks as { text?: { text?: string } }[]).map((b) => b.text?.text ?? '');
    const previewText = sections.map((t) => /```([\s\S]*)```/.exec(t)?.[1]).find(Boolean) ?? '';
    expect(previewText).toContain(NOTICE.nature);
    const email = smtp.messages.find((m) => m.to.includes('it@initech.example'));
    expect(email?.parsed.text?.trim()).toBe(previewText.trim());
  },
  SLOW_MACHINE_MS * 3,
);

test(
  '/incident breach correct <rejected> <new>: after a 550 the notice is sent to the corrected address; an address that was not rejected is refused',
  async () => {
    const { channelId, breach } = await breachReadyForApproval('Correct by command', [
      { name: 'Globex', contacts: [TYPO], dataAffected: 'invoices' },
    ]);
    await h.command(DPO, channelId, 'breach approve');
    await eventually(async () => expect((await breach()).deliveries.map((d) => [d.email, d.status])).toEqual([[TYPO, 'rejected']]), SLOW_MACHINE_MS);
    expect(smtp.countTo(TYPO)).toBe(0);

    const wrong = await h.command(BOB, channelId, `breach correct ${typed('nobody@globex.example')} ${typed('privacy@globex.example')}`);
    expectPlainWords(await onlyReply(wrong), new RegExp(`No rejected notice to nobody@globex\\.example\\. Rejected: ${TYPO.replace(/\./g, '\\.')}`));

    const corrected = await h.command(BOB, channelId, `breach correct ${typed(TYPO)} ${typed('privacy@globex.example')}`);
    expect(await onlyReply(corrected)).toBe(`Corrected: the notice goes to privacy@globex.example instead of ${TYPO} now.`);
    await eventually(async () => expect((await breach()).status).toBe('sent'), SLOW_MACHINE_MS);
    expect(smtp.countTo('privacy@globex.example')).toBe(1);
    expect((await breach()).deliveries.map((d) => [d.email, d.status])).toEqual([
      [TYPO, 'replaced'],
      ['privacy@globex.example', 'sent'],
    ]);
  },
  SLOW_MACHINE_MS * 3,
);
