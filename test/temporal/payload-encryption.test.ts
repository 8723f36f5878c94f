// Workflow payloads are encrypted before they reach Temporal (issue 11,
// "Encryption"): AES-256-GCM per payload with the key's id beside it; keys
// rotate (old ones still decrypt); tampering or a missing key fails loudly; a
// payload from before encryption still reads. End to end, a history fetched from
// the server without the key holds none of the incident's words.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startStack, type Stack } from '../../src/app/stack';
import { createMailer } from '../../src/mail/mailer';
import { loadPolicy } from '../../src/policy/load';
import { AesGcmCodec, ENCRYPTED_ENCODING } from '../../src/temporal/encryption/aes-gcm-codec';
import { loadKeyRing, parseKeyRing, QUICK_START_KEY_FILE } from '../../src/temporal/encryption/key-ring';
import { startDevEnvironment } from '../../src/temporal/servers';
import * as msg from '../../src/workflows/incident/messages';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call } from '../support/stack';

const K1 = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const K2 = `k2:${Buffer.alloc(32, 2).toString('base64')}`;
const text = (p: Payload) => Buffer.from(p.data ?? new Uint8Array()).toString();

describe('the AES-256-GCM codec', () => {
  const value = { customer: 'Acme GmbH', email: 'it@acme.example' };
  const plain = defaultPayloadConverter.toPayload(value);

  test('round trip: the wire form holds no plain text, names its key, and decodes to the same payload', async () => {
    const codec = new AesGcmCodec(parseKeyRing(K1));
    const [sealed] = await codec.encode([plain]);
    if (!sealed) throw new Error('nothing encoded');
    expect(Buffer.from(sealed.metadata?.encoding ?? new Uint8Array()).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed.metadata?.['encryption-key-id'] ?? new Uint8Array()).toString()).toBe('k1');
    expect(text(sealed)).not.toContain('acme');
    const [opened] = await codec.decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(opened as Payload)).toEqual(value);
    // A fresh nonce each time: the same value never looks the same twice.
    const [again] = await codec.encode([plain]);
    expect(text(again as Payload)).not.toBe(text(sealed));
  });

  test('rotation: a new key first encrypts, the old one still decrypts; a key taken away too soon is named', async () => {
    const [old] = await new AesGcmCodec(parseKeyRing(K1)).encode([plain]);
    const rotated = new AesGcmCodec(parseKeyRing(`${K2},${K1}`));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old as Payload]))[0] as Payload)).toEqual(value);
    const [fresh] = await rotated.encode([plain]);
    expect(Buffer.from(fresh?.metadata?.['encryption-key-id'] ?? new Uint8Array()).toString()).toBe('k2');
    await expect(new AesGcmCodec(parseKeyRing(K2)).decode([old as Payload])).rejects.toThrow('encrypted with key "k1", which is not in RAMPART_ENCRYPTION_KEYS');
  });

  test('a changed byte or a payload relabelled to another key fails; a payload from before encryption passes as it is', async () => {
    const codec = new AesGcmCodec(parseKeyRing(`${K1},${K2}`));
    const [sealed] = (await codec.encode([plain])) as [Payload];
    const flipped = new Uint8Array(sealed.data ?? new Uint8Array());
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed, data: flipped }])).rejects.toThrow();
    await expect(codec.decode([{ ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': Buffer.from('k2') } }])).rejects.toThrow();
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  test('keys are checked where they are given: 32 bytes, an id, each once', () => {
    expect(() => parseKeyRing('k1:c2hvcnQ=')).toThrow('key "k1" is 5 bytes; AES-256 needs 32');
    expect(() => parseKeyRing(Buffer.alloc(32).toString('base64'))).toThrow('each key is "id:base64"');
    expect(() => parseKeyRing(`${K1},${K1}`)).toThrow('listed twice');
    expect(parseKeyRing(`# comment\n${K2}\n${K1}\n`).current.id).toBe('k2');
  });

  test('the quick start makes its own key file once, readable by this user only, and keeps it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rampart-keys-'));
    try {
      const first = await loadKeyRing({ quickStartDataDir: dir });
      const file = path.join(dir, QUICK_START_KEY_FILE);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const again = await loadKeyRing({ quickStartDataDir: dir });
      expect(again?.current.key.equals(first?.current.key ?? Buffer.alloc(0))).toBe(true);
      expect(await readFile(file, 'utf8')).toMatch(/^k1:[A-Za-z0-9+/]{43}=$/m);
      // Named keys win over the file; none at all (a deployment without keys) means no encryption.
      expect((await loadKeyRing({ keys: K2, quickStartDataDir: dir }))?.current.id).toBe('k2');
      expect(await loadKeyRing({})).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('end to end', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let stack: Stack;
  let sealedClient: Client;
  beforeAll(async () => {
    env = await startDevEnvironment();
    database = await createTestDatabase();
    const dataConverter = { payloadCodecs: [new AesGcmCodec(parseKeyRing(K1))] };
    sealedClient = new Client({ connection: env.connection, dataConverter });
    stack = await startStack({
      db: database.prisma,
      client: sealedClient,
      workerConnection: env.nativeConnection,
      namespace: 'default',
      taskQueue: `encryption-${process.pid}`,
      policy: loadPolicy(),
      connectors: [],
      mailer: createMailer({ outboxDir: path.join(tmpdir(), `rampart-outbox-${process.pid}`) }),
      run: 'all',
      dataConverter,
      api: { host: '127.0.0.1', port: 0 },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await env?.teardown();
    await database?.drop();
  });

  test('a history fetched from the server without the key holds none of the incident; with it, everything reads', async () => {
    const secret = 'customer list of it@acme.example leaked';
    const declared = await call(stack.apiUrl ?? '', 'POST', '/incidents', { title: 'Export bucket public', severity: 'SEV2', declaredBy: 'U-alice', summary: secret });
    expect(declared.status).toBe(201);
    const id: string = declared.body.id;
    expect((await call(stack.apiUrl ?? '', 'POST', `/incidents/${id}/status-updates`, { actor: 'U-bob', text: 'rotating keys for it@acme.example' })).status).toBe(200);

    // The server's own client, with no key: what Temporal stores and its Web UI shows.
    const raw = JSON.stringify(await env.client.workflow.getHandle(id).fetchHistory());
    expect(raw).not.toContain('acme');
    expect(raw).not.toContain('Export bucket public');
    expect(raw).toContain(Buffer.from(ENCRYPTED_ENCODING).toString('base64'));

    const state = await sealedClient.workflow.getHandle(id).query(msg.stateQuery);
    expect(state).toMatchObject({ title: 'Export bucket public', summary: secret });
  });
});
