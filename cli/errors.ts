// How the CLI fails: a message for stderr and an exit code. 2 = wrong usage, 3 = not logged in or not allowed,
// 4 = not found, 1 = anything else (the server refused, the host is offline, the network failed).
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (msg: string) => new CliError(msg, 2);
