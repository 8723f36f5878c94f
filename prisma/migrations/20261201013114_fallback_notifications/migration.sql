-- CreateTable
CREATE TABLE "fallback_notifications" (
    "key" TEXT NOT NULL,
    "incident_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "recipients" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "fallback_notifications_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "fallback_notifications_incident_id_idx" ON "fallback_notifications"("incident_id");
