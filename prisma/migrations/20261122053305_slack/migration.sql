-- CreateTable
CREATE TABLE "slack_channels" (
    "incident_id" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "summary_ts" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slack_channels_pkey" PRIMARY KEY ("incident_id")
);

-- CreateTable
CREATE TABLE "slack_posts" (
    "key" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "ts" TEXT NOT NULL,
    "posted_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slack_posts_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "slack_channels_channel_id_key" ON "slack_channels"("channel_id");

-- CreateIndex
CREATE INDEX "slack_posts_channel_id_idx" ON "slack_posts"("channel_id");

-- AddForeignKey
ALTER TABLE "slack_channels" ADD CONSTRAINT "slack_channels_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
