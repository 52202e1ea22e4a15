// What the "containers" room carries (shared by the control plane, which publishes it, and the pages that listen).
export const CONTAINER_EVENT = "containers";

/** A host's containers changed: its inventory was just recorded. */
export interface ContainerEvent {
  hostId: number;
  /** How many containers the host has now. */
  containers: number;
}
