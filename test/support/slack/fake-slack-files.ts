// Files users upload through a modal's file input, as the fake Slack hosts them:
// the upload yields the object Slack puts in view.state.values, and the private
// URL answers only with a valid token in an Authorization header (without one,
// real Slack redirects to a login page: so does this).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UploadedFile } from '@slack/bolt';

interface StoredFile {
  file: UploadedFile;
  content: Buffer;
}

export class FakeSlackFiles {
  private readonly files = new Map<string, StoredFile>();
  readonly downloads: { fileId: string; authorized: boolean }[] = [];

  constructor(private readonly isValidToken: (token: string) => boolean) {}

  upload(origin: string, input: { name: string; content: string | Buffer; userId: string; teamId: string }): UploadedFile {
    const id = `F0${randomBytes(5).toString('hex').toUpperCase()}`;
    const content = Buffer.isBuffer(input.content) ? input.content : Buffer.from(input.content, 'utf8');
    const path = `/files-pri/${input.teamId}-${id}/${encodeURIComponent(input.name)}`;
    const now = Math.floor(Date.now() / 1000);
    const file: UploadedFile = {
      id,
      created: now,
      timestamp: now,
      name: input.name,
      title: input.name,
      filetype: input.name.split('.').pop() ?? 'text',
      mimetype: 'text/csv',
      permalink: `${origin}/files/${input.userId}/${id}/${encodeURIComponent(input.name)}`,
      url_private: `${origin}${path}`,
      url_private_download: `${origin}/files-pri/${input.teamId}-${id}/download/${encodeURIComponent(input.name)}`,
      user: input.userId,
      user_team: input.teamId,
      size: content.length,
    } as UploadedFile;
    this.files.set(id, { file, content });
    return file;
  }

  /** Serves GET /files-pri/<team>-<id>/[download/]<name>; false when the path is not a file URL. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const m = /^\/files-pri\/[A-Z0-9]+-(F0[0-9A-F]+)\/(?:download\/)?[^/]+$/.exec(url.pathname);
    if (!m?.[1]) return false;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const authorized = token !== undefined && this.isValidToken(token);
    this.downloads.push({ fileId: m[1], authorized });
    const stored = this.files.get(m[1]);
    if (!authorized) {
      res.writeHead(302, { location: '/?redir=login', 'content-type': 'text/html' }).end('<html>sign in</html>');
    } else if (!stored) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } else {
      res.writeHead(200, { 'content-type': stored.file.mimetype, 'content-length': String(stored.content.length) }).end(stored.content);
    }
    return true;
  }
}
