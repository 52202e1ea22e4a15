// A client of gantry-monitor's attach socket. Frames both ways: 1 byte type, 4 bytes big-endian length, payload.
// From the monitor: 1 stdout, 2 stderr, 5 exit (JSON). To it: 0 stdin, 3 resize (rows u16, cols u16), 4 close stdin.
import { connect, type Socket } from "node:net";

export interface MonitorSocketHandlers {
  onOutput?: (stream: 1 | 2, data: Buffer) => void;
  onExit?: (exitJson: string) => void;
  onClose?: () => void;
}

export class MonitorSocket {
  private buf: Buffer = Buffer.alloc(0);
  private constructor(
    private readonly sock: Socket,
    private readonly h: MonitorSocketHandlers,
  ) {
    sock.on("data", (d: Buffer) => this.onData(d));
    sock.on("close", () => h.onClose?.());
    sock.on("error", () => {});
  }

  static connect(path: string, h: MonitorSocketHandlers): Promise<MonitorSocket> {
    return new Promise((resolve, reject) => {
      const sock = connect(path);
      sock.once("connect", () => {
        sock.off("error", reject);
        resolve(new MonitorSocket(sock, h));
      });
      sock.once("error", reject);
    });
  }

  private onData(d: Buffer) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (this.buf.length < 5 + len) return;
      const type = this.buf[0];
      const payload = this.buf.subarray(5, 5 + len);
      this.buf = this.buf.subarray(5 + len);
      if (type === 1 || type === 2) this.h.onOutput?.(type, payload);
      else if (type === 5) this.h.onExit?.(payload.toString());
    }
  }

  private frame(type: number, payload: Buffer) {
    if (this.sock.destroyed) return;
    const head = Buffer.alloc(5);
    head[0] = type;
    head.writeUInt32BE(payload.length, 1);
    this.sock.write(Buffer.concat([head, payload]));
  }

  stdin(data: Buffer) {
    for (let i = 0; i < data.length; i += 65536) this.frame(0, data.subarray(i, i + 65536));
  }

  resize(rows: number, cols: number) {
    const p = Buffer.alloc(4);
    p.writeUInt16BE(rows & 0xffff, 0);
    p.writeUInt16BE(cols & 0xffff, 2);
    this.frame(3, p);
  }

  /** Closes the container's stdin once the input sent before it has been written (the monitor keeps the order). */
  closeStdin() {
    this.frame(4, Buffer.alloc(0));
  }

  close() {
    this.sock.destroy();
  }
}
