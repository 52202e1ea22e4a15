-- CreateTable
CREATE TABLE "Container" (
    "id" TEXT NOT NULL,
    "hostId" INTEGER NOT NULL,
    "containerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "image" TEXT NOT NULL,
    "imageId" TEXT NOT NULL,
    "command" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "labels" JSONB NOT NULL,
    "ports" JSONB NOT NULL,
    "exitCode" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Container_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Image" (
    "id" TEXT NOT NULL,
    "hostId" INTEGER NOT NULL,
    "imageId" TEXT NOT NULL,
    "repoTags" TEXT[],
    "sizeBytes" BIGINT NOT NULL,
    "createdAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Image_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Container_hostId_containerId_key" ON "Container"("hostId", "containerId");
CREATE INDEX "Container_state_idx" ON "Container"("state");
CREATE INDEX "Container_name_idx" ON "Container"("name");
CREATE INDEX "Container_image_idx" ON "Container"("image");
CREATE UNIQUE INDEX "Image_hostId_imageId_key" ON "Image"("hostId", "imageId");
