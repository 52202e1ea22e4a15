// What a compose file becomes (lib/compose/translate-compose.ts): the Kubernetes objects of the stack, every key that
// was not carried over (by name and path), and what each translated key became where Kubernetes differs from compose.
import type { KubeObject } from "@/lib/k8s/meta";

/** The label every object of a stack carries: the stack's name. */
export const STACK_LABEL = "gantry.dev/stack";
/** The compose service an object was made for. */
export const STACK_SERVICE_LABEL = "gantry.dev/stack-service";
/** On the stack's source ConfigMap only: what it holds. */
export const STACK_ROLE_LABEL = "gantry.dev/stack-role";
/** The pod template's hash of the env files a service reads, so a changed file rolls its pods. */
export const ENV_HASH_ANNOTATION = "gantry.dev/env-files-hash";

/** The ConfigMap holding a stack's compose file and env files, so it can be shown and redeployed. */
export const sourceConfigMapName = (stack: string) => `gantry-stack-${stack}`;
export const SOURCE_COMPOSE_KEY = "compose.yaml";
export const SOURCE_ENV_FILES_KEY = "env-files.json";

export interface UnsupportedKey {
  /** Where it is: "services.web.cap_add". */
  path: string;
  /** The key's name: "cap_add". */
  key: string;
  /** Why it is not carried over, when there is more to say than "not supported". */
  reason?: string;
}

export interface TranslationNote {
  path: string;
  message: string;
}

export interface PublishedPort {
  service: string;
  /** The port the compose file published (null: an ephemeral one, "80" alone). */
  published: number | null;
  target: number;
  protocol: "TCP" | "UDP";
  /** The node port asked for (the published port when it lies in the node port range), else null: one is assigned. */
  nodePort: number | null;
}

export interface StackTranslation {
  stack: string;
  namespace: string;
  /** ConfigMaps first (the source, env files), then Services, then Deployments: the order they are created in. */
  objects: KubeObject[];
  published: PublishedPort[];
  unsupported: UnsupportedKey[];
  notes: TranslationNote[];
}

export interface TranslateInput {
  stack: string;
  namespace: string;
  /** The compose file's text (YAML). */
  compose: string;
  /** Env files' contents by the path the compose file names them with (env_file:, and ".env" for interpolation). */
  envFiles?: Record<string, string>;
  /** Whether the author may bind host paths (containers.host-access): bind mounts become hostPath volumes, else refused. */
  hostAccess: boolean;
  /** The cluster's node port range, for published ports (default 30000-32767). */
  nodePortRange?: { min: number; max: number };
}
