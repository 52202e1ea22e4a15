-- What Services hold of the cluster's shared ranges (lib/services/allocations.ts): each cluster IP (an IPv4 address as
-- a number) and each node port is one row keyed by the address or port itself, so no two Services ever hold the same
-- one, whichever replica writes. A Service's rows go with its KubeObject row (ON DELETE CASCADE), whatever removes it
-- (a delete, its namespace's deletion, the garbage collector); the key is checked at commit (DEFERRABLE) because the
-- allocation is made before the Service's row is written in the same transaction.

-- CreateTable
CREATE TABLE "KubeServiceIP" (
    "address" BIGINT NOT NULL,
    "serviceUid" TEXT NOT NULL,

    CONSTRAINT "KubeServiceIP_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "KubeNodePort" (
    "port" INTEGER NOT NULL,
    "serviceUid" TEXT NOT NULL,

    CONSTRAINT "KubeNodePort_pkey" PRIMARY KEY ("port")
);

-- CreateIndex
CREATE INDEX "KubeServiceIP_serviceUid_idx" ON "KubeServiceIP"("serviceUid");
CREATE INDEX "KubeNodePort_serviceUid_idx" ON "KubeNodePort"("serviceUid");

-- AddForeignKey
ALTER TABLE "KubeServiceIP" ADD CONSTRAINT "KubeServiceIP_serviceUid_fkey" FOREIGN KEY ("serviceUid") REFERENCES "KubeObject"("uid") ON DELETE CASCADE ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "KubeNodePort" ADD CONSTRAINT "KubeNodePort_serviceUid_fkey" FOREIGN KEY ("serviceUid") REFERENCES "KubeObject"("uid") ON DELETE CASCADE ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED;

-- Services stored before addresses were allocated keep what they were given (the first holder of an address wins);
-- those without one get one on their next write.
INSERT INTO "KubeServiceIP" ("address", "serviceUid")
SELECT ("object"->'spec'->>'clusterIP')::inet - '0.0.0.0'::inet, "uid"
FROM "KubeObject"
WHERE "resource" = 'services' AND ("object"->'spec'->>'clusterIP') ~ '^[0-9]{1,3}(\.[0-9]{1,3}){3}$'
ORDER BY "createdAt"
ON CONFLICT DO NOTHING;

INSERT INTO "KubeNodePort" ("port", "serviceUid")
SELECT (p->>'nodePort')::int, "uid"
FROM "KubeObject", jsonb_array_elements(COALESCE("object"->'spec'->'ports', '[]'::jsonb)) AS p
WHERE "resource" = 'services' AND (p->>'nodePort') ~ '^[0-9]+$'
ORDER BY "createdAt"
ON CONFLICT DO NOTHING;
