// The Temporal cluster Rampart talks to: TEMPORAL_ADDRESS when given, otherwise
// a dev server (SQLite file under the data directory, so timers survive restarts;
// one a killed earlier run left behind is stopped first, see leftovers.ts).
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { startDevEnvironment } from '../temporal/servers';
import { stopLeftoverDevServer } from './leftovers';

export interface RunningTemporal {
  client: Client;
  workerConnection: NativeConnection;
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function openTemporal(opts: {
  address?: string;
  namespace: string;
  dataDir: string;
  devServerPort: number;
  devServerUiPort: number;
  log: (line: string) => void;
  /** Payload encryption: every client and worker of one deployment must share it. */
  dataConverter?: DataConverter;
}): Promise<RunningTemporal> {
  let address = opts.address;
  let uiUrl: string | undefined;
  let stopServer = async (): Promise<void> => undefined;
  if (!address) {
    const dbFilename = path.join(opts.dataDir, 'temporal.sqlite');
    await stopLeftoverDevServer(dbFilename, opts.log);
    opts.log('temporal: starting the dev server (SQLite)…');
    const env = await startDevEnvironment({
      dbFilename,
      port: opts.devServerPort,
      uiPort: opts.devServerUiPort,
      namespace: opts.namespace,
    });
    address = env.address;
    uiUrl = `http://127.0.0.1:${opts.devServerUiPort}`;
    stopServer = () => env.teardown();
  }
  const connection = await Connection.connect({ address });
  const workerConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection, namespace: opts.namespace, ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}) }),
    workerConnection,
    address,
    uiUrl,
    stop: async () => {
      await workerConnection.close();
      await connection.close();
      await stopServer();
    },
  };
}
