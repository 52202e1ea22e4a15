-- Teams, host groups, custom roles and role bindings (prisma/schema/teams.prisma); users with no fleet-wide role
-- (Role 'none'); API tokens narrowed to rights and scopes.

-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'none';

-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN "rights" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "hostGroupIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "namespaces" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "Team" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Team_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TeamMember" (
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "admin" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TeamMember_pkey" PRIMARY KEY ("teamId","userId")
);

-- CreateTable
CREATE TABLE "HostGroup" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HostGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HostGroupMember" (
    "hostGroupId" TEXT NOT NULL,
    "hostId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HostGroupMember_pkey" PRIMARY KEY ("hostGroupId","hostId")
);

-- CreateTable
CREATE TABLE "CustomRole" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "rights" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CustomRole_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoleBinding" (
    "id" TEXT NOT NULL,
    "userId" TEXT,
    "teamId" TEXT,
    "role" "Role",
    "customRoleId" TEXT,
    "hostGroupId" TEXT,
    "namespace" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RoleBinding_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "RoleBinding_one_subject" CHECK (("userId" IS NULL) <> ("teamId" IS NULL)),
    CONSTRAINT "RoleBinding_one_role" CHECK (("role" IS NULL) <> ("customRoleId" IS NULL)),
    CONSTRAINT "RoleBinding_one_scope" CHECK ("hostGroupId" IS NULL OR "namespace" IS NULL)
);

-- CreateIndex
CREATE UNIQUE INDEX "Team_name_key" ON "Team"("name");
CREATE INDEX "TeamMember_userId_idx" ON "TeamMember"("userId");
CREATE UNIQUE INDEX "HostGroup_name_key" ON "HostGroup"("name");
CREATE INDEX "HostGroupMember_hostId_idx" ON "HostGroupMember"("hostId");
CREATE UNIQUE INDEX "CustomRole_name_key" ON "CustomRole"("name");
CREATE INDEX "RoleBinding_userId_idx" ON "RoleBinding"("userId");
CREATE INDEX "RoleBinding_teamId_idx" ON "RoleBinding"("teamId");

-- AddForeignKey
ALTER TABLE "TeamMember" ADD CONSTRAINT "TeamMember_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "HostGroupMember" ADD CONSTRAINT "HostGroupMember_hostGroupId_fkey" FOREIGN KEY ("hostGroupId") REFERENCES "HostGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RoleBinding" ADD CONSTRAINT "RoleBinding_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RoleBinding" ADD CONSTRAINT "RoleBinding_customRoleId_fkey" FOREIGN KEY ("customRoleId") REFERENCES "CustomRole"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RoleBinding" ADD CONSTRAINT "RoleBinding_hostGroupId_fkey" FOREIGN KEY ("hostGroupId") REFERENCES "HostGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;
