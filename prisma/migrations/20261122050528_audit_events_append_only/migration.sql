-- audit_events is evidence: rows may be added, never changed or removed, by the
-- application or by anyone with plain table access. (A superuser can still drop
-- the triggers; that is itself a visible schema change.) Prisma's schema engine
-- ignores triggers and functions, so schema.prisma cannot express this.

CREATE FUNCTION "audit_events_reject_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING HINT = 'Record a new audit event instead.';
END;
$$;

-- Row triggers catch UPDATE and DELETE; TRUNCATE bypasses them, so it gets its own.
CREATE TRIGGER "audit_events_append_only"
BEFORE UPDATE OR DELETE ON "audit_events"
FOR EACH ROW EXECUTE FUNCTION "audit_events_reject_change"();

CREATE TRIGGER "audit_events_no_truncate"
BEFORE TRUNCATE ON "audit_events"
FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_reject_change"();
