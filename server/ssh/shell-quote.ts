// An SSH "exec" request carries one string the remote user's shell parses. Commands are given as argument arrays and
// quoted here for sh, one word per argument, so no argument is ever read as shell syntax.
export function shellQuote(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error("a command needs at least a program");
  return argv
    .map((arg) => {
      if (arg.includes("\0")) throw new Error("a command argument cannot contain a NUL byte");
      return /^[A-Za-z0-9_./:@%+=,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
    })
    .join(" ");
}
