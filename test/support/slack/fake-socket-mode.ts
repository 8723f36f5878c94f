// Slack's Socket Mode on loopback: apps.connections.open on the fake Web API
// hands out this WebSocket server, which says hello, sends envelopes (slash
// commands, interactions, events) and records the client's acknowledgements.
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FakeSlackApi } from './fake-slack-api';

export interface FakeSocketMode {
  /** Resolves once a client has connected and been greeted. */
  connected(): Promise<void>;
  /** Sends an envelope; resolves with the client's acknowledgement (its `payload`, if any). */
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startFakeSocketMode(api: FakeSlackApi): Promise<FakeSocketMode> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  api.state.socketModeUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link`;

  let client: WebSocket | undefined;
  let greeted: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (greeted = resolve));
  const waiting = new Map<string, (payload: unknown) => void>();
  let envelopes = 0;

  server.on('connection', (socket) => {
    client = socket;
    socket.on('message', (data) => {
      const ack = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
      if (ack.envelope_id) waiting.get(ack.envelope_id)?.(ack.payload);
    });
    socket.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0RAMPART' } }));
    greeted();
  });

  return {
    connected: () => ready,
    send(type, payload) {
      const envelopeId = `env-${(envelopes += 1)}`;
      return new Promise((resolve) => {
        waiting.set(envelopeId, resolve);
        client?.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api' }));
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close(() => resolve());
      }),
  };
}
