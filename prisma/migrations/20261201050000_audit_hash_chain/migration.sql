-- audit_events becomes a hash chain: each row carries the hash of its own content
-- and of the row before it (chain_seq orders them), so a row changed or removed
-- afterwards, even by a superuser who gets past the append-only triggers, breaks
-- the chain at that row, which `npm run rampart -- audit verify` names.
-- The database computes the links itself (one insert at a time extends the chain),
-- so no writer can skip or forge them. Prisma's schema engine ignores functions
-- and triggers; schema.prisma has the columns only.

ALTER TABLE "audit_events"
  ADD COLUMN "chain_seq" BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN "prev_hash" TEXT NOT NULL DEFAULT '',
  ADD COLUMN "hash" TEXT NOT NULL DEFAULT '';

-- What a row's hash covers: every column an auditor reads, in a fixed text form
-- (jsonb prints its keys in one order; times in UTC to the millisecond).
CREATE FUNCTION "audit_event_content"(e "audit_events") RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT concat_ws(E'\x1f', e.event_id, e.actor, e.action, e.entity_type, e.entity_id, e.details::text,
    to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
$$;

CREATE FUNCTION "audit_event_hash"(prev TEXT, content TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(prev || E'\x1e' || content, 'UTF8')), 'hex')
$$;

CREATE FUNCTION "audit_events_chain"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last RECORD;
BEGIN
  -- Held to the end of the transaction: the next insert waits and chains after this row.
  PERFORM pg_advisory_xact_lock(hashtext('audit_events chain'));
  SELECT "chain_seq", "hash" INTO last FROM "audit_events" ORDER BY "chain_seq" DESC LIMIT 1;
  NEW."chain_seq" := coalesce(last."chain_seq", 0) + 1;
  NEW."prev_hash" := coalesce(last."hash", '');
  NEW."hash" := "audit_event_hash"(NEW."prev_hash", "audit_event_content"(NEW));
  RETURN NEW;
END;
$$;

-- The rows already there, chained in the order they were written.
ALTER TABLE "audit_events" DISABLE TRIGGER "audit_events_append_only";
DO $$
DECLARE
  r "audit_events"%ROWTYPE;
  prev TEXT := '';
  n BIGINT := 0;
BEGIN
  FOR r IN SELECT * FROM "audit_events" ORDER BY "id" LOOP
    n := n + 1;
    UPDATE "audit_events"
      SET "chain_seq" = n, "prev_hash" = prev, "hash" = "audit_event_hash"(prev, "audit_event_content"(r))
      WHERE "id" = r."id"
      RETURNING "hash" INTO prev;
  END LOOP;
END;
$$;
ALTER TABLE "audit_events" ENABLE TRIGGER "audit_events_append_only";

CREATE UNIQUE INDEX "audit_events_chain_seq_key" ON "audit_events"("chain_seq");

CREATE TRIGGER "audit_events_chain"
BEFORE INSERT ON "audit_events"
FOR EACH ROW EXECUTE FUNCTION "audit_events_chain"();
