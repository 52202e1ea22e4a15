// The shape of a PodSpec and of what it holds (containers, volumes, probes, affinity, tolerations…), with Kubernetes'
// names (so `kubectl explain pod.spec.containers` prints <[]Container>), required fields, strategic-merge-patch keys
// (containers, env and volumes by name, ports by containerPort, volumeMounts by mountPath) and, for the parts kubectl's
// typed commands send, protobuf field numbers (`kubectl create deployment` sends protobuf). Pods, ReplicationControllers,
// ReplicaSets and Deployments (through their pod template) share it.
import { objectMetaSchema } from "../meta";
import { t, type ObjectSchema, type Schema } from "../schema";
import { labelSelectorSchema } from "../label-selector";

const core = (name: string) => `io.k8s.api.core.v1.${name}`;
const obj = (name: string, description: string, properties: Record<string, Schema>, extra: { required?: string[]; proto?: Record<string, number>; patchStrategy?: "retainKeys" } = {}): ObjectSchema =>
  t.object(properties, { name: core(name), description, ...extra });

const localObjectReference = obj("LocalObjectReference", "A reference to an object in the same namespace.", { name: t.string("Name of the referent.") }, { proto: { name: 1 } });

const keyToPath = obj("KeyToPath", "Maps a string key to a path within a volume.", {
  key: t.string("The key to project."),
  path: t.string("The relative path of the file to map the key to. May not be an absolute path, contain '..' or start with '..'."),
  mode: t.int("Mode bits used to set permissions on this file (0000 to 0777)."),
}, { required: ["key", "path"] });

const objectFieldSelector = obj("ObjectFieldSelector", "Selects a field of the pod: metadata.name, metadata.namespace, metadata.labels['<KEY>'], metadata.annotations['<KEY>'], spec.nodeName, spec.serviceAccountName, status.hostIP, status.hostIPs, status.podIP, status.podIPs.", {
  apiVersion: t.string("Version of the schema the FieldPath is written in terms of, defaults to \"v1\"."),
  fieldPath: t.string("Path of the field to select in the specified API version."),
}, { required: ["fieldPath"] });

const resourceFieldSelector = obj("ResourceFieldSelector", "Selects a resource of the container: limits and requests (limits.cpu, limits.memory, requests.cpu, requests.memory).", {
  containerName: t.string("Container name: required for volumes, optional for env vars."),
  resource: t.string("Required: resource to select."),
  divisor: t.quantity("Specifies the output format of the exposed resources, defaults to \"1\"."),
}, { required: ["resource"] });

const keySelector = (kind: "ConfigMapKeySelector" | "SecretKeySelector", what: string) =>
  obj(kind, `Selects a key from a ${what}.`, {
    name: t.string(`Name of the ${what}.`),
    key: t.string("The key to select."),
    optional: t.bool(`Specify whether the ${what} or its key must be defined.`),
  }, { required: ["key"] });

const envVar = obj("EnvVar", "An environment variable present in a Container.", {
  name: t.string("Name of the environment variable. May consist of any printable ASCII characters except '='."),
  value: t.string("Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables."),
  valueFrom: obj("EnvVarSource", "Source for the environment variable's value. Cannot be used if value is not empty.", {
    fieldRef: objectFieldSelector,
    resourceFieldRef: resourceFieldSelector,
    configMapKeyRef: keySelector("ConfigMapKeySelector", "ConfigMap"),
    secretKeyRef: keySelector("SecretKeySelector", "Secret"),
  }),
}, { required: ["name"], proto: { name: 1, value: 2 } });

const envFromSource = obj("EnvFromSource", "A source to populate environment variables in the container.", {
  prefix: t.string("An optional identifier to prepend to each key in the ConfigMap or Secret."),
  configMapRef: obj("ConfigMapEnvSource", "Selects a ConfigMap to populate the environment variables with.", { name: t.string("Name of the referent."), optional: t.bool("Specify whether the ConfigMap must be defined.") }),
  secretRef: obj("SecretEnvSource", "Selects a Secret to populate the environment variables with.", { name: t.string("Name of the referent."), optional: t.bool("Specify whether the Secret must be defined.") }),
});

const containerPort = obj("ContainerPort", "A network port in a single container.", {
  name: t.string("If specified, an IANA_SVC_NAME unique within the pod: each named port can be referred to by services."),
  hostPort: t.int("Number of port to expose on the host (1 to 65535)."),
  containerPort: t.int("Number of port to expose on the pod's IP address (1 to 65535)."),
  protocol: t.string("Protocol for port. Must be UDP, TCP, or SCTP. Defaults to \"TCP\".", { enum: ["SCTP", "TCP", "UDP"] }),
  hostIP: t.string("What host IP to bind the external port to."),
}, { required: ["containerPort"], proto: { name: 1, hostPort: 2, containerPort: 3, protocol: 4, hostIP: 5 } });

const resourceRequirements = obj("ResourceRequirements", "Compute resource requirements.", {
  limits: t.map(t.quantity(), "The maximum amount of compute resources allowed (cpu, memory, ephemeral-storage)."),
  requests: t.map(t.quantity(), "The minimum amount of compute resources required; defaults to limits when those are set. The scheduler places pods by their requests."),
  claims: t.array(obj("ResourceClaim", "A reference to one entry in PodSpec.ResourceClaims.", { name: t.string("Name of the entry in pod.spec.resourceClaims."), request: t.string("The request name.") }, { required: ["name"] }), "Dynamically allocated resources (not supported here).", { patchStrategy: "merge", mergeKey: "name" }),
}, { proto: { limits: 1, requests: 2 } });

const volumeMount = obj("VolumeMount", "A mounting of a Volume within a container.", {
  name: t.string("This must match the Name of a Volume."),
  readOnly: t.bool("Mounted read-only if true, read-write otherwise (false or unspecified)."),
  recursiveReadOnly: t.string("Whether read-only mounts should be handled recursively."),
  mountPath: t.string("Path within the container at which the volume should be mounted. Must not contain ':'."),
  subPath: t.string("Path within the volume from which the container's volume should be mounted. Defaults to \"\" (volume's root)."),
  mountPropagation: t.string("How mounts are propagated from the host to container and the other way around."),
  subPathExpr: t.string("Expanded path within the volume from which the container's volume should be mounted."),
}, { required: ["name", "mountPath"] });

const execAction = obj("ExecAction", "Describes a \"run in container\" action.", {
  command: t.array(t.string(), "Command line to execute inside the container; the working directory is root ('/'). Exit status 0 is healthy."),
});
const httpHeader = obj("HTTPHeader", "A custom header to be used in HTTP probes.", { name: t.string("The header field name."), value: t.string("The header field value.") }, { required: ["name", "value"] });
const httpGetAction = obj("HTTPGetAction", "An action based on HTTP Get requests.", {
  path: t.string("Path to access on the HTTP server."),
  port: t.intOrString("Name or number of the port to access on the container. Number must be in the range 1 to 65535."),
  host: t.string("Host name to connect to, defaults to the pod IP."),
  scheme: t.string("Scheme to use for connecting to the host. Defaults to HTTP.", { enum: ["HTTP", "HTTPS"] }),
  httpHeaders: t.array(httpHeader, "Custom headers to set in the request."),
}, { required: ["port"] });
const tcpSocketAction = obj("TCPSocketAction", "An action based on opening a socket.", {
  port: t.intOrString("Number or name of the port to access on the container. Number must be in the range 1 to 65535."),
  host: t.string("Optional: Host name to connect to, defaults to the pod IP."),
}, { required: ["port"] });
const grpcAction = obj("GRPCAction", "A GRPC health check.", {
  port: t.int("Port number of the gRPC service. Number must be in the range 1 to 65535."),
  service: t.string("The name of the service to place in the gRPC HealthCheckRequest."),
}, { required: ["port"] });

const probe = obj("Probe", "A health check performed against a container to determine whether it is alive or ready to receive traffic. Exactly one handler (exec, httpGet, tcpSocket, grpc).", {
  exec: execAction,
  httpGet: httpGetAction,
  tcpSocket: tcpSocketAction,
  grpc: grpcAction,
  initialDelaySeconds: t.int("Number of seconds after the container has started before liveness probes are initiated."),
  timeoutSeconds: t.int("Number of seconds after which the probe times out. Defaults to 1 second. Minimum value is 1."),
  periodSeconds: t.int("How often (in seconds) to perform the probe. Default to 10 seconds. Minimum value is 1."),
  successThreshold: t.int("Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1. Must be 1 for liveness and startup."),
  failureThreshold: t.int("Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3. Minimum value is 1."),
  terminationGracePeriodSeconds: t.int("Optional duration in seconds the pod needs to terminate gracefully upon probe failure.", "int64"),
});

const lifecycleHandler = obj("LifecycleHandler", "A specific action that should be taken in a lifecycle hook. Exactly one of exec, httpGet, tcpSocket or sleep.", {
  exec: execAction,
  httpGet: httpGetAction,
  tcpSocket: tcpSocketAction,
  sleep: obj("SleepAction", "Describes a \"sleep\" action.", { seconds: t.int("Seconds is the number of seconds to sleep.", "int64") }, { required: ["seconds"] }),
});
const lifecycle = obj("Lifecycle", "Actions that the management system should take in response to container lifecycle events.", {
  postStart: lifecycleHandler,
  preStop: lifecycleHandler,
  stopSignal: t.string("The signal that will be used to stop the container."),
});

const capabilities = obj("Capabilities", "Adds and removes POSIX capabilities from running containers.", {
  add: t.array(t.string(), "Added capabilities."),
  drop: t.array(t.string(), "Removed capabilities."),
});
const seLinuxOptions = obj("SELinuxOptions", "The labels to be applied to the container.", {
  user: t.string("SELinux user label."),
  role: t.string("SELinux role label."),
  type: t.string("SELinux type label."),
  level: t.string("SELinux level label."),
});
const seccompProfile = obj("SeccompProfile", "A pod/container's seccomp profile settings.", {
  type: t.string("Which kind of seccomp profile will be applied: Localhost, RuntimeDefault or Unconfined."),
  localhostProfile: t.string("A profile defined in a file on the node."),
}, { required: ["type"] });
const appArmorProfile = obj("AppArmorProfile", "A pod or container's AppArmor settings.", {
  type: t.string("Which kind of AppArmor profile will be applied: Localhost, RuntimeDefault or Unconfined."),
  localhostProfile: t.string("A profile loaded on the node."),
}, { required: ["type"] });
const windowsOptions = obj("WindowsSecurityContextOptions", "Windows-specific options and credentials.", {
  gmsaCredentialSpecName: t.string("GMSA credential spec name."),
  gmsaCredentialSpec: t.string("GMSA credential spec."),
  runAsUserName: t.string("The UserName in Windows to run the entrypoint of the container process."),
  hostProcess: t.bool("Whether a container should be run as a 'Host Process' container."),
});

const securityContext = obj("SecurityContext", "Security options the container should be run with.", {
  capabilities,
  privileged: t.bool("Run container in privileged mode. Defaults to false."),
  seLinuxOptions,
  windowsOptions,
  runAsUser: t.int("The UID to run the entrypoint of the container process.", "int64"),
  runAsGroup: t.int("The GID to run the entrypoint of the container process.", "int64"),
  runAsNonRoot: t.bool("Indicates that the container must run as a non-root user."),
  readOnlyRootFilesystem: t.bool("Whether this container has a read-only root filesystem. Default is false."),
  allowPrivilegeEscalation: t.bool("Whether a process can gain more privileges than its parent process."),
  procMount: t.string("The type of proc mount to use for the containers."),
  seccompProfile,
  appArmorProfile,
});

const resizePolicy = obj("ContainerResizePolicy", "Resource resize policy for the container.", {
  resourceName: t.string("Name of the resource to which this resource resize policy applies."),
  restartPolicy: t.string("Restart policy to apply when specified resource is resized."),
}, { required: ["resourceName", "restartPolicy"] });

export const containerSchema = obj("Container", "A single application container that you want to run within a pod.", {
  name: t.string("Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name. Cannot be updated."),
  image: t.string("Container image name."),
  command: t.array(t.string(), "Entrypoint array. Not executed within a shell. The image's ENTRYPOINT is used if this is not provided."),
  args: t.array(t.string(), "Arguments to the entrypoint. The image's CMD is used if this is not provided."),
  workingDir: t.string("Container's working directory. Defaults to the image's."),
  ports: t.array(containerPort, "List of ports to expose from the container.", { patchStrategy: "merge", mergeKey: "containerPort" }),
  envFrom: t.array(envFromSource, "List of sources to populate environment variables in the container."),
  env: t.array(envVar, "List of environment variables to set in the container. Cannot be updated.", { patchStrategy: "merge", mergeKey: "name" }),
  resources: resourceRequirements,
  resizePolicy: t.array(resizePolicy, "Resources resize policy for the container."),
  restartPolicy: t.string("Restart behavior of an init container (Always makes it a sidecar). Not allowed on regular containers."),
  volumeMounts: t.array(volumeMount, "Pod volumes to mount into the container's filesystem. Cannot be updated.", { patchStrategy: "merge", mergeKey: "mountPath" }),
  volumeDevices: t.array(obj("VolumeDevice", "A mapping of a raw block device within a container.", { name: t.string("Name of a persistentVolumeClaim in the pod."), devicePath: t.string("The path inside of the container the device will be mapped to.") }, { required: ["name", "devicePath"] }), "Block devices to be used by the container.", { patchStrategy: "merge", mergeKey: "devicePath" }),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  lifecycle,
  terminationMessagePath: t.string("Path at which the file to which the container's termination message will be written is mounted. Defaults to /dev/termination-log."),
  terminationMessagePolicy: t.string("How the termination message should be populated: File or FallbackToLogsOnError. Defaults to File.", { enum: ["FallbackToLogsOnError", "File"] }),
  imagePullPolicy: t.string("Image pull policy: Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified (or no tag), or IfNotPresent otherwise.", { enum: ["Always", "IfNotPresent", "Never"] }),
  securityContext,
  stdin: t.bool("Whether this container should allocate a buffer for stdin in the container runtime."),
  stdinOnce: t.bool("Whether the container runtime should close the stdin channel after it has been opened by a single attach."),
  tty: t.bool("Whether this container should allocate a TTY for itself; also requires 'stdin' to be true."),
}, {
  required: ["name"],
  proto: {
    name: 1, image: 2, command: 3, args: 4, workingDir: 5, ports: 6, env: 7, resources: 8, imagePullPolicy: 14,
    terminationMessagePath: 13, terminationMessagePolicy: 20, stdin: 16, stdinOnce: 17, tty: 18,
  },
});

const keyToPaths = (what: string) => t.array(keyToPath, `If unspecified, each key-value pair in the Data field of the referenced ${what} is projected into the volume as a file whose name is the key and content is the value.`);

const volumeSources: Record<string, Schema> = {
  hostPath: obj("HostPathVolumeSource", "A pre-existing file or directory on the host machine that is directly exposed to the container.", {
    path: t.string("Path of the directory on the host."),
    type: t.string("Type for HostPath Volume: \"\", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice."),
  }, { required: ["path"] }),
  emptyDir: obj("EmptyDirVolumeSource", "A temporary directory that shares a pod's lifetime.", {
    medium: t.string("What type of storage medium should back this directory: \"\" (the node's default) or Memory."),
    sizeLimit: t.quantity("Total amount of local storage required for this EmptyDir volume."),
  }),
  secret: obj("SecretVolumeSource", "A Secret's keys as files (on tmpfs).", {
    secretName: t.string("Name of the secret in the pod's namespace to use."),
    items: keyToPaths("Secret"),
    defaultMode: t.int("Mode bits used to set permissions on created files by default (0000 to 0777). Defaults to 0644."),
    optional: t.bool("Specify whether the Secret or its keys must be defined."),
  }),
  configMap: obj("ConfigMapVolumeSource", "A ConfigMap's keys as files.", {
    name: t.string("Name of the ConfigMap."),
    items: keyToPaths("ConfigMap"),
    defaultMode: t.int("Mode bits used to set permissions on created files by default (0000 to 0777). Defaults to 0644."),
    optional: t.bool("Specify whether the ConfigMap or its keys must be defined."),
  }),
  persistentVolumeClaim: obj("PersistentVolumeClaimVolumeSource", "A reference to a PersistentVolumeClaim in the same namespace.", {
    claimName: t.string("The name of a PersistentVolumeClaim in the same namespace as the pod using this volume."),
    readOnly: t.bool("Will force the ReadOnly setting in VolumeMounts."),
  }, { required: ["claimName"] }),
  downwardAPI: obj("DownwardAPIVolumeSource", "Information about the pod as files.", {
    items: t.array(obj("DownwardAPIVolumeFile", "Information to create the file containing the pod field.", {
      path: t.string("The relative path name of the file to be created."),
      fieldRef: objectFieldSelector,
      resourceFieldRef: resourceFieldSelector,
      mode: t.int("Mode bits used to set permissions on this file (0000 to 0777)."),
    }, { required: ["path"] }), "A list of downward API volume files."),
    defaultMode: t.int("Mode bits to use on created files by default (0000 to 0777). Defaults to 0644."),
  }),
  projected: obj("ProjectedVolumeSource", "Several volume sources projected into one directory.", {
    sources: t.array(t.any("One projection: secret, configMap, downwardAPI, serviceAccountToken or clusterTrustBundle."), "The list of volume projections."),
    defaultMode: t.int("Mode bits used to set permissions on created files by default (0000 to 0777). Defaults to 0644."),
  }),
  nfs: obj("NFSVolumeSource", "An NFS mount that lasts the lifetime of a pod.", {
    server: t.string("The hostname or IP address of the NFS server."),
    path: t.string("The path that is exported by the NFS server."),
    readOnly: t.bool("Will force the NFS export to be mounted with read-only permissions."),
  }, { required: ["server", "path"] }),
  ephemeral: t.any("A volume that is handled by a cluster storage driver (not supported here)."),
  csi: t.any("Ephemeral storage handled by a CSI driver (not supported here)."),
  image: obj("ImageVolumeSource", "An OCI object (a container image or artifact) pulled and mounted read-only.", {
    reference: t.string("Image or artifact reference to be used."),
    pullPolicy: t.string("Policy for pulling OCI objects: Always, Never, IfNotPresent."),
  }),
};
export const VOLUME_SOURCES = Object.keys(volumeSources);

const volume = obj("Volume", "A named volume in a pod that may be accessed by any container in the pod.", {
  name: t.string("Name of the volume. Must be a DNS_LABEL and unique within the pod."),
  ...volumeSources,
}, { required: ["name"] });

const toleration = obj("Toleration", "The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator <operator>.", {
  key: t.string("The taint key that the toleration applies to. Empty means match all taint keys; then the operator must be Exists."),
  operator: t.string("A key's relationship to the value: Exists or Equal. Defaults to Equal."),
  value: t.string("The taint value the toleration matches to. Empty when the operator is Exists."),
  effect: t.string("The taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all effects."),
  tolerationSeconds: t.int("How long (seconds) the pod stays bound to a node with a matching NoExecute taint before it is evicted; unset tolerates it forever.", "int64"),
});

const nodeSelectorRequirement = obj("NodeSelectorRequirement", "A selector that contains values, a key, and an operator that relates the key and values.", {
  key: t.string("The label key that the selector applies to."),
  operator: t.string("A key's relationship to a set of values: In, NotIn, Exists, DoesNotExist, Gt, Lt."),
  values: t.array(t.string(), "An array of string values."),
}, { required: ["key", "operator"] });
const nodeSelectorTerm = obj("NodeSelectorTerm", "A null or empty node selector term matches no objects. The requirements of them are ANDed.", {
  matchExpressions: t.array(nodeSelectorRequirement, "A list of node selector requirements by node's labels."),
  matchFields: t.array(nodeSelectorRequirement, "A list of node selector requirements by node's fields."),
});
const podAffinityTerm = obj("PodAffinityTerm", "A set of pods that this pod should be co-located (affinity) or not co-located (anti-affinity) with.", {
  labelSelector: labelSelectorSchema,
  namespaceSelector: labelSelectorSchema,
  namespaces: t.array(t.string(), "Namespaces the labelSelector applies to."),
  topologyKey: t.string("Co-located is defined as running on a node whose value of the label with key topologyKey matches."),
  matchLabelKeys: t.array(t.string(), "Pod label keys to select the pods over which spreading will be calculated."),
  mismatchLabelKeys: t.array(t.string(), "Pod label keys to select the pods over which spreading will be calculated."),
}, { required: ["topologyKey"] });
const weightedPodAffinityTerm = obj("WeightedPodAffinityTerm", "The weights of all of the matched WeightedPodAffinityTerm fields are added per-node to find the most preferred node(s).", {
  weight: t.int("Weight associated with matching the corresponding podAffinityTerm, in the range 1-100."),
  podAffinityTerm,
}, { required: ["weight", "podAffinityTerm"] });
const podAffinityKind = (name: string, description: string) => obj(name, description, {
  requiredDuringSchedulingIgnoredDuringExecution: t.array(podAffinityTerm, "Requirements that must be met at scheduling time."),
  preferredDuringSchedulingIgnoredDuringExecution: t.array(weightedPodAffinityTerm, "Preferences the scheduler weighs."),
});
const affinity = obj("Affinity", "A group of affinity scheduling rules.", {
  nodeAffinity: obj("NodeAffinity", "A group of node affinity scheduling rules.", {
    requiredDuringSchedulingIgnoredDuringExecution: obj("NodeSelector", "The union of the results of one or more label queries over a set of nodes.", {
      nodeSelectorTerms: t.array(nodeSelectorTerm, "Required. A list of node selector terms. The terms are ORed."),
    }, { required: ["nodeSelectorTerms"] }),
    preferredDuringSchedulingIgnoredDuringExecution: t.array(obj("PreferredSchedulingTerm", "An empty preferred scheduling term matches all objects with implicit weight 0.", {
      weight: t.int("Weight associated with matching the corresponding nodeSelectorTerm, in the range 1-100."),
      preference: nodeSelectorTerm,
    }, { required: ["weight", "preference"] }), "Preferences the scheduler weighs."),
  }),
  podAffinity: podAffinityKind("PodAffinity", "A group of inter pod affinity scheduling rules."),
  podAntiAffinity: podAffinityKind("PodAntiAffinity", "A group of inter pod anti affinity scheduling rules."),
});

const podSecurityContext = obj("PodSecurityContext", "Pod-level security attributes and common container settings.", {
  seLinuxOptions,
  windowsOptions,
  runAsUser: t.int("The UID to run the entrypoint of the container process.", "int64"),
  runAsGroup: t.int("The GID to run the entrypoint of the container process.", "int64"),
  runAsNonRoot: t.bool("Indicates that the container must run as a non-root user."),
  supplementalGroups: t.array(t.int(undefined, "int64"), "A list of groups applied to the first process run in each container."),
  supplementalGroupsPolicy: t.string("How supplemental groups of the first container processes are calculated."),
  fsGroup: t.int("A special supplemental group that applies to all containers in a pod.", "int64"),
  fsGroupChangePolicy: t.string("Behavior of changing ownership and permission of the volume before being exposed inside Pod."),
  sysctls: t.array(obj("Sysctl", "A kernel parameter to be set.", { name: t.string("Name of a property to set."), value: t.string("Value of a property to set.") }, { required: ["name", "value"] }), "Namespaced sysctls used for the pod."),
  seccompProfile,
  appArmorProfile,
  seLinuxChangePolicy: t.string("How the container's SELinux label is applied to all volumes used by the Pod."),
});

export const podSpecSchema = obj("PodSpec", "A description of a pod.", {
  volumes: t.array(volume, "List of volumes that can be mounted by containers belonging to the pod.", { patchStrategy: "merge,retainKeys", mergeKey: "name" }),
  initContainers: t.array(containerSchema, "List of initialization containers belonging to the pod, run in order before the app containers.", { patchStrategy: "merge", mergeKey: "name" }),
  containers: t.array(containerSchema, "List of containers belonging to the pod. Containers cannot currently be added or removed. There must be at least one container in a Pod. Cannot be updated.", { patchStrategy: "merge", mergeKey: "name" }),
  ephemeralContainers: t.array(t.any("An ephemeral container (kubectl debug; not supported here)."), "List of ephemeral containers run in this pod.", { patchStrategy: "merge", mergeKey: "name" }),
  restartPolicy: t.string("Restart policy for all containers within the pod: Always, OnFailure, Never. Default to Always.", { enum: ["Always", "Never", "OnFailure"] }),
  terminationGracePeriodSeconds: t.int("Optional duration in seconds the pod needs to terminate gracefully: the time between the processes being sent a termination signal and being killed. Defaults to 30 seconds.", "int64"),
  activeDeadlineSeconds: t.int("Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers.", "int64"),
  dnsPolicy: t.string("Set DNS policy for the pod: ClusterFirstWithHostNet, ClusterFirst, Default or None. Defaults to \"ClusterFirst\".", { enum: ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"] }),
  nodeSelector: t.map(t.string(), "A selector which must be true for the pod to fit on a node: the node's labels must match every key and value."),
  serviceAccountName: t.string("The name of the ServiceAccount to use to run this pod."),
  serviceAccount: t.string("Deprecated alias for serviceAccountName."),
  automountServiceAccountToken: t.bool("Whether a service account token should be automatically mounted."),
  nodeName: t.string("The node (Gantry host) this pod runs on. Set by the scheduler once; if set on create, the scheduler leaves the pod there."),
  hostNetwork: t.bool("Host networking requested for this pod: use the host's network namespace. Default to false."),
  hostPID: t.bool("Use the host's pid namespace. Optional: Default to false."),
  hostIPC: t.bool("Use the host's ipc namespace. Optional: Default to false."),
  shareProcessNamespace: t.bool("Share a single process namespace between all of the containers in a pod."),
  securityContext: podSecurityContext,
  imagePullSecrets: t.array(localObjectReference, "References to secrets in the same namespace to use for pulling any of the images used by this PodSpec.", { patchStrategy: "merge", mergeKey: "name" }),
  hostname: t.string("Specifies the hostname of the Pod. If not specified, the pod's hostname will be set to a system-defined value."),
  subdomain: t.string("If specified, the fully qualified Pod hostname will be \"<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>\"."),
  affinity,
  schedulerName: t.string("If specified, the pod will be dispatched by specified scheduler. Defaults to \"default-scheduler\"."),
  tolerations: t.array(toleration, "If specified, the pod's tolerations."),
  hostAliases: t.array(obj("HostAlias", "An entry for the pod's hosts file.", { ip: t.string("IP address of the host file entry."), hostnames: t.array(t.string(), "Hostnames for the above IP address.") }, { required: ["ip"] }), "Entries injected into the pod's hosts file.", { patchStrategy: "merge", mergeKey: "ip" }),
  priorityClassName: t.string("If specified, indicates the pod's priority."),
  priority: t.int("The priority value."),
  dnsConfig: obj("PodDNSConfig", "DNS parameters of a pod in addition to those generated from DNSPolicy.", {
    nameservers: t.array(t.string(), "A list of DNS name server IP addresses."),
    searches: t.array(t.string(), "A list of DNS search domains for host-name lookup."),
    options: t.array(obj("PodDNSConfigOption", "A DNS resolver option of a pod.", { name: t.string("Required."), value: t.string("The option's value.") }), "A list of DNS resolver options."),
  }),
  readinessGates: t.array(obj("PodReadinessGate", "A pod condition for pod readiness.", { conditionType: t.string("Refers to a condition in the pod's condition list with matching type.") }, { required: ["conditionType"] }), "If specified, all readiness gates will be evaluated for pod readiness."),
  runtimeClassName: t.string("The RuntimeClass object which should be used to run this pod."),
  enableServiceLinks: t.bool("Whether information about services should be injected into pod's environment variables. Defaults to true."),
  preemptionPolicy: t.string("Policy for preempting pods with lower priority: Never or PreemptLowerPriority."),
  overhead: t.map(t.quantity(), "The resource overhead associated with running a pod for a given RuntimeClass."),
  topologySpreadConstraints: t.array(t.any("A topology spread constraint."), "How a group of pods ought to spread across topology domains.", { patchStrategy: "merge", mergeKey: "topologyKey" }),
  setHostnameAsFQDN: t.bool("If true the pod's hostname will be configured as the pod's FQDN."),
  os: obj("PodOS", "The OS parameters of a pod.", { name: t.string("The name of the operating system: linux or windows.") }, { required: ["name"] }),
  hostUsers: t.bool("Use the host's user namespace. Optional: Default to true."),
  schedulingGates: t.array(obj("PodSchedulingGate", "A gate the pod waits on before it is scheduled.", { name: t.string("Name of the scheduling gate.") }, { required: ["name"] }), "Opaque values that, if specified, will block scheduling the pod.", { patchStrategy: "merge", mergeKey: "name" }),
  resourceClaims: t.array(t.any("A pod resource claim."), "Resources to be allocated to the pod (not supported here).", { patchStrategy: "merge,retainKeys", mergeKey: "name" }),
  resources: resourceRequirements,
}, {
  required: ["containers"],
  proto: {
    containers: 2, restartPolicy: 3, terminationGracePeriodSeconds: 4, activeDeadlineSeconds: 5, dnsPolicy: 6, nodeSelector: 7,
    serviceAccountName: 8, serviceAccount: 9, nodeName: 10, hostNetwork: 11, hostPID: 12, hostIPC: 13, hostname: 16, subdomain: 17,
    schedulerName: 19, initContainers: 20, automountServiceAccountToken: 21, priorityClassName: 24, priority: 25, shareProcessNamespace: 27,
    runtimeClassName: 29, enableServiceLinks: 30, preemptionPolicy: 31, setHostnameAsFQDN: 35, hostUsers: 37,
  },
});

export const podTemplateSpecSchema = obj("PodTemplateSpec", "Describes the data a pod should have when created from a template.", {
  metadata: objectMetaSchema,
  spec: podSpecSchema,
}, { proto: { metadata: 1, spec: 2 } });

// ---- status ----

const containerStateSchema = obj("ContainerState", "The state of a container: only one of waiting, running or terminated.", {
  waiting: obj("ContainerStateWaiting", "A waiting state of a container.", {
    reason: t.string("Why the container is not yet running (ContainerCreating, CrashLoopBackOff, ErrImagePull, ImagePullBackOff…)."),
    message: t.string("Message regarding why the container is not yet running."),
  }),
  running: obj("ContainerStateRunning", "A running state of a container.", { startedAt: t.string("Time at which the container was last (re-)started.", { format: "date-time" }) }),
  terminated: obj("ContainerStateTerminated", "A terminated state of a container.", {
    exitCode: t.int("Exit status from the last termination of the container."),
    signal: t.int("Signal from the last termination of the container."),
    reason: t.string("Reason from the last termination of the container (Completed, Error, OOMKilled…)."),
    message: t.string("Message regarding the last termination of the container."),
    startedAt: t.string("Time at which previous execution of the container started.", { format: "date-time" }),
    finishedAt: t.string("Time at which the container last terminated.", { format: "date-time" }),
    containerID: t.string("Container's ID in the format '<type>://<container_id>'."),
  }, { required: ["exitCode"] }),
});

const containerStatusSchema = obj("ContainerStatus", "The current status of a container.", {
  name: t.string("The name of the container, as in the pod's spec."),
  state: containerStateSchema,
  lastState: containerStateSchema,
  ready: t.bool("Whether the container is currently passing its readiness check."),
  restartCount: t.int("How many times the container has been restarted."),
  image: t.string("The name of the container image that the container is running."),
  imageID: t.string("The image ID of the container's image."),
  containerID: t.string("The ID of the container in the format '<type>://<container_id>'."),
  started: t.bool("Whether the container has finished its postStart lifecycle hook and passed its startup probe."),
  allocatedResources: t.map(t.quantity(), "The compute resources allocated for this container by the node."),
  resources: resourceRequirements,
  volumeMounts: t.array(t.any("A volume mount's status."), "Status of volume mounts."),
  user: t.any("Identity information of the first process of this container."),
  allocatedResourcesStatus: t.array(t.any("A resource's health."), "Status of resources allocated for this container."),
  stopSignal: t.string("The stop signal for the container."),
}, { required: ["name", "ready", "restartCount", "image", "imageID"] });

const podIP = obj("PodIP", "An IP address allocated to the pod.", { ip: t.string("The IP address assigned to the pod.") }, { required: ["ip"] });

export const podStatusSchema = obj("PodStatus", "Information about the status of a pod. Written by the agent running it (through the status subresource).", {
  observedGeneration: t.int("The .metadata.generation that the pod status was set based upon.", "int64"),
  phase: t.string("The phase of a Pod: Pending, Running, Succeeded, Failed or Unknown.", { enum: ["Failed", "Pending", "Running", "Succeeded", "Unknown"] }),
  conditions: t.array(obj("PodCondition", "The current service state of a pod (PodScheduled, Initialized, ContainersReady, Ready).", {
    type: t.string("Type of the condition."),
    observedGeneration: t.int("The .metadata.generation that the condition was set based upon.", "int64"),
    status: t.string("Status of the condition: True, False or Unknown."),
    lastProbeTime: t.string("Last time we probed the condition.", { format: "date-time" }),
    lastTransitionTime: t.string("Last time the condition transitioned from one status to another.", { format: "date-time" }),
    reason: t.string("Unique, one-word, CamelCase reason for the condition's last transition."),
    message: t.string("Human-readable message indicating details about last transition."),
  }, { required: ["type", "status"] }), "Current service state of pod.", { patchStrategy: "merge", mergeKey: "type" }),
  message: t.string("A human readable message indicating details about why the pod is in this condition."),
  reason: t.string("A brief CamelCase message indicating details about why the pod is in this state (Evicted, NodeLost…)."),
  nominatedNodeName: t.string("Set only when this pod preempts other pods on the node."),
  hostIP: t.string("The IP address of the host to which the pod is assigned."),
  hostIPs: t.array(obj("HostIP", "An IP address assigned to the host.", { ip: t.string("The IP address assigned to the host.") }, { required: ["ip"] }), "The IP addresses allocated to the host.", { patchStrategy: "merge", mergeKey: "ip" }),
  podIP: t.string("The IP address allocated to the pod."),
  podIPs: t.array(podIP, "The IP addresses allocated to the pod.", { patchStrategy: "merge", mergeKey: "ip" }),
  startTime: t.string("Date and time at which the object was acknowledged by the agent, before it pulled its images.", { format: "date-time" }),
  initContainerStatuses: t.array(containerStatusSchema, "The status of the init containers."),
  containerStatuses: t.array(containerStatusSchema, "The status of each container in the pod."),
  qosClass: t.string("The Quality of Service class assigned to the pod based on its resource requirements: BestEffort, Burstable or Guaranteed.", { enum: ["BestEffort", "Burstable", "Guaranteed"] }),
  ephemeralContainerStatuses: t.array(containerStatusSchema, "Status for any ephemeral containers."),
  resize: t.string("Status of the desired resource resize."),
  resourceClaimStatuses: t.array(t.any("A resource claim's status."), "Status of resource claims."),
});
