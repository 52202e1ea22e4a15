// Image events for `docker events` (pull, push, tag, untag, delete): the image service the Engine API routes use is
// this view of the real one, which publishes on the shared EventBus after each operation succeeds.
import type { EventBus } from "../events";
import type { ImageService } from "../images/image-service";

export function withImageEvents<T extends ImageService>(images: T, bus: EventBus): T {
  const hooks: Partial<Record<keyof ImageService, (args: unknown[], result: unknown) => void>> = {
    pull: ([ref], r) => {
      const res = r as { image: { id: string } };
      bus.publish("image", "pull", String(ref), { name: String(ref), id: res.image.id });
    },
    push: ([ref]) => bus.publish("image", "push", String(ref), { name: String(ref) }),
    tag: ([src, target]) => bus.publish("image", "tag", String(src), { name: String(target) }),
    remove: (_args, r) => {
      const res = r as { untagged: string[]; deleted: string[] };
      for (const u of res.untagged) bus.publish("image", "untag", u, { name: u });
      for (const d of res.deleted) bus.publish("image", "delete", d, { name: d });
    },
    prune: (_args, r) => {
      const res = r as { untagged: string[]; deleted: string[] };
      for (const u of res.untagged) bus.publish("image", "untag", u, { name: u });
      for (const d of res.deleted) bus.publish("image", "delete", d, { name: d });
    },
  };
  return new Proxy(images, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      const hook = hooks[prop as keyof ImageService];
      if (!hook) return value.bind(target);
      return async (...args: unknown[]) => {
        const result = await value.apply(target, args);
        try {
          hook(args, result);
        } catch {
          /* an event is never worth failing the operation */
        }
        return result;
      };
    },
  });
}
