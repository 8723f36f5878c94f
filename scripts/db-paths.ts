import path from 'node:path';

// The db-* scripts act on this repository's files, wherever they are run from.
export const REPO_ROOT = path.resolve(__dirname, '..');
export const SCHEMA_PATH = path.join(REPO_ROOT, 'prisma', 'schema.prisma');
export const MIGRATIONS_DIR = path.join(REPO_ROOT, 'prisma', 'migrations');
