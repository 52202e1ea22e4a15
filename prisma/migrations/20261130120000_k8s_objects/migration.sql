-- The Kubernetes API's storage (lib/k8s/store.ts): every object in one table, the change log watches resume from,
-- and the global resourceVersion counter. The default namespaces exist from the start.

-- CreateTable
CREATE TABLE "KubeObject" (
    "uid" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "namespace" TEXT NOT NULL DEFAULT '',
    "name" TEXT NOT NULL,
    "resourceVersion" BIGINT NOT NULL,
    "object" JSONB NOT NULL,
    "sealed" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KubeObject_pkey" PRIMARY KEY ("uid")
);

-- CreateTable
CREATE TABLE "KubeEvent" (
    "resourceVersion" BIGINT NOT NULL,
    "type" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "object" JSONB NOT NULL,
    "sealed" TEXT,
    "previous" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KubeEvent_pkey" PRIMARY KEY ("resourceVersion")
);

-- CreateTable
CREATE TABLE "KubeRevision" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "current" BIGINT NOT NULL,
    "compacted" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "KubeRevision_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "KubeObject_resource_namespace_name_key" ON "KubeObject"("resource", "namespace", "name");
CREATE INDEX "KubeObject_namespace_idx" ON "KubeObject"("namespace");
CREATE INDEX "KubeEvent_createdAt_idx" ON "KubeEvent"("createdAt");

-- The namespaces every cluster has, at resourceVersions 1 to 3.
INSERT INTO "KubeObject" ("uid", "resource", "namespace", "name", "resourceVersion", "object")
SELECT u.uid, 'namespaces', '', n.name, n.rv, jsonb_build_object(
    'apiVersion', 'v1',
    'kind', 'Namespace',
    'metadata', jsonb_build_object(
        'name', n.name,
        'uid', u.uid,
        'resourceVersion', n.rv::text,
        'creationTimestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'labels', jsonb_build_object('kubernetes.io/metadata.name', n.name)
    ),
    'spec', jsonb_build_object('finalizers', jsonb_build_array('kubernetes')),
    'status', jsonb_build_object('phase', 'Active')
)
FROM (VALUES ('default', 1), ('kube-public', 2), ('kube-system', 3)) AS n(name, rv)
CROSS JOIN LATERAL (SELECT gen_random_uuid()::text AS uid WHERE n.name IS NOT NULL) AS u;

INSERT INTO "KubeRevision" ("id", "current", "compacted") VALUES (1, 3, 0);
