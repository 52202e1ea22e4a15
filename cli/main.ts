// The `gantry` commands that drive a control plane over /api/v1 with an API token (cli/gantry.ts is the entry point;
// `join` and `version`, which act on this machine, live in agent/host-commands.ts).
import { CliError } from "./errors";
import { HelpRequested } from "./args";
import { login } from "./commands/login";
import { hosts } from "./commands/hosts";
import { host } from "./commands/host";
import { ps, rm, run, stop } from "./commands/containers";
import { images } from "./commands/images";
import { logs } from "./commands/logs";
import { pull } from "./commands/pull";
import { exec } from "./commands/exec";
import { kubeconfig } from "./commands/kubeconfig";
import { apply } from "./commands/apply";
import { get } from "./commands/get";
import { del } from "./commands/delete";
import { scale } from "./commands/scale";
import { rollout } from "./commands/rollout";
import { audit } from "./commands/audit";
import { team } from "./commands/team";
import { group } from "./commands/group";
import { role } from "./commands/role";

/** Each command's synopsis (the overview lists these), what it does, and its flags (`gantry <command> --help`). */
export const CLI_HELP: Record<string, { synopsis: string; about: string; flags?: string[] }> = {
  login: {
    synopsis: "gantry login <url> --token gat_…               store the control plane's URL and an API token",
    about: "Checks the token against the control plane and stores both in ~/.config/gantry/config.json (mode 0600).",
    flags: ["--token gat_…   an API token (\"API tokens\" in the web UI, or POST /api/v1/tokens); GANTRY_TOKEN works too", "--json          print the result as JSON"],
  },
  hosts: {
    synopsis: "gantry hosts [--json]                           list the fleet's hosts",
    about: "Every host with its id, name, status (online, stale, offline, revoked), when it was last seen and its agent version.",
    flags: ["--json   print JSON instead of a table"],
  },
  host: {
    synopsis: "gantry host add|drain|cordon|uncordon|rotate-credential …  add a host over SSH; a host's chores",
    about: [
      "add --ssh user@address[:port] (--identity FILE | --password-stdin) [--accept-host-key SHA256:…] [--name NAME]",
      "           [--jump user@bastion[:port] --jump-host-key SHA256:…] [--server-url URL]",
      "           installs the agent over SSH and joins the machine (needs hosts.install); prints each step; exit 0 once",
      "           the host is online. An unconfirmed host key is printed and the command exits 1: pass --accept-host-key.",
      "           A key's passphrase comes from GANTRY_SSH_PASSPHRASE; --server-url is how the machine reaches this server.",
      "drain      cordons the host, deletes the pods their controllers make again on other hosts, waits until they are",
      "           gone, and names what stays: bare pods (nothing would make them again) and standalone containers",
      "cordon     no new pods are placed on the host; uncordon allows them again",
      "rotate-credential   gives the connected host a new credential; the old one stops working once its agent confirms",
      "HOST is a host's id or name. Needs the hosts-manage right on the host.",
    ].join("\n"),
    flags: ["--timeout SECONDS   drain: how long to wait for the deleted pods to go (default 120; 0: do not wait)", "--json              print the API's answer as JSON"],
  },
  ps: {
    synopsis: "gantry ps [--host N] [-a] [-f K=V] [--json]     the fleet's containers (name=, label=, status=, ancestor=)",
    about: "Containers of every host (or one), from the control plane's inventory; running ones unless -a.",
    flags: ["--host N         one host (its id or name)", "-a, --all        stopped containers too", "-f, --filter K=V name=, label=KEY[=VALUE], status=, ancestor=IMAGE (repeatable)", "--json           print JSON instead of a table"],
  },
  run: {
    synopsis: "gantry run --host N [-e K=V] [-p [IP:]H:C] [--name NAME] [--label K=V] [--restart P] [--queue] IMAGE [CMD…]",
    about: "Creates and starts a container on a host from an image the host has (gantry pull first) and prints its id. A container that cannot start is removed.",
    flags: [
      "--host N            the host (its id or name); required",
      "-e, --env K=V       an environment variable (repeatable)",
      "-p, --publish SPEC  [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp] or CONTAINERPORT (repeatable)",
      "--name NAME         the container's name",
      "-l, --label K=V     a label (repeatable)",
      "--network NET       bridge (default), none, or a network's name",
      "--restart POLICY    no, always, unless-stopped or on-failure",
      "--queue             if the host is offline, queue the run until it reconnects",
      "--json              print the API's answer as JSON",
      "Flags after IMAGE belong to the command.",
    ],
  },
  stop: {
    synopsis: "gantry stop [-t SECONDS] HOST/CONTAINER…         stop containers (or CONTAINER with --host N)",
    about: "Stops each container (SIGTERM, then SIGKILL after the grace time).",
    flags: ["-t, --time SECONDS   grace time before SIGKILL", "--host N             the host, when containers are named without HOST/", "--json               print the API's answers as JSON"],
  },
  rm: {
    synopsis: "gantry rm [-f] [-v] HOST/CONTAINER…              remove containers",
    about: "Removes each container; a running one only with -f.",
    flags: ["-f, --force     remove running containers too (killed first)", "-v, --volumes   remove their anonymous volumes", "--host N        the host, when containers are named without HOST/", "--json          print the API's answers as JSON"],
  },
  logs: {
    synopsis: "gantry logs [-f] [--tail N] [-t] HOST/CONTAINER  a container's output (-f: follow)",
    about: "A container's stdout (to stdout) and stderr (to stderr).",
    flags: ["-f, --follow        keep printing new output until Ctrl-C", "-n, --tail N|all    only the last N lines", "-t, --timestamps    prefix each line with its time", "--since, --until T  a time (RFC 3339 or Unix seconds)", "--host N            the host, when the container is named without HOST/", "--json              one JSON object per line"],
  },
  exec: {
    synopsis: "gantry exec [-it] HOST/CONTAINER CMD…           run a command in a container",
    about: "Runs CMD in a running container and exits with its exit code. Without -i the command's stdin is empty.",
    flags: ["-i, --interactive   pass this terminal's stdin to the command", "-t, --tty           give the command a terminal", "-e, --env K=V        an environment variable (repeatable)", "-u, --user USER     run as USER[:GROUP]", "-w, --workdir DIR   the working directory", "--host N            the host, when the container is named without HOST/", "Flags after CMD belong to the command."],
  },
  pull: {
    synopsis: "gantry pull --host N IMAGE                      pull an image on a host, with progress",
    about: "Pulls IMAGE on one host, printing the progress of each layer.",
    flags: ["--host N      the host (its id or name); required", "-q, --quiet   print only the result", "--json        the progress events as JSON lines"],
  },
  images: {
    synopsis: "gantry images --host N [--json]                 one host's images",
    about: "The images on one host: repository, tag, id, age and size.",
    flags: ["--host N   the host (its id or name); required", "--json     print JSON instead of a table"],
  },
  kubeconfig: {
    synopsis: "gantry kubeconfig [-n NS] [--certificate-authority FILE]  a kubeconfig for kubectl: /k8s, this login's token",
    about: "Prints a kubeconfig for this login's control plane (its URL + /k8s) and API token, for kubectl --kubeconfig FILE.",
    flags: [
      "-n, --namespace NS                the context's namespace",
      "--certificate-authority FILE      embed this certificate as the one to trust (default: NODE_EXTRA_CA_CERTS)",
      "--insecure-skip-tls-verify        do not check the control plane's certificate",
    ],
  },
  apply: {
    synopsis: "gantry apply -f FILE|DIR|- [-n NS] [--dry-run=server]  create or update objects from YAML/JSON manifests",
    about: [
      "Server-side apply of every object in the manifests (YAML or JSON, several documents per file, `kind: List`) through",
      "the control plane's Kubernetes API, with the field manager \"gantry\"; prints `deployment.apps/web created`,",
      "`configured` or `unchanged` per object. Every document is read and checked by the server first: if any is broken",
      "(not YAML, an unknown kind, a missing field, a value the server refuses), nothing is applied.",
    ].join("\n"),
    flags: [
      "-f, --filename F      a file, a directory of .yaml/.yml/.json files, or - for stdin (repeatable)",
      "-R, --recursive       with a directory: its subdirectories too",
      "-n, --namespace NS    the namespace of objects that name none (default: default)",
      "--dry-run=server      let the server check and default everything, change nothing",
      "--force-conflicts     take over fields another manager owns (else such a change is a conflict)",
      "--validate=strict     unknown fields are errors (strict, the default), warnings (warn) or ignored (ignore)",
      "--field-manager NAME  the field manager (default: gantry)",
    ],
  },
  get: {
    synopsis: "gantry get TYPE[,TYPE…] [NAME…] [-n NS|-A] [-l SEL] [-o wide|yaml|json|name]  list or show objects",
    about: "Objects of the Kubernetes API as kubectl prints them: the server's columns (TYPE is deployments, deploy, pods, cm…; TYPE/NAME works too).",
    flags: [
      "-n, --namespace NS       the namespace (default: default)",
      "-A, --all-namespaces     every namespace (a NAMESPACE column is added)",
      "-l, --selector SEL       a label selector (app=web, tier in (a,b), !canary)",
      "--field-selector SEL     a field selector (metadata.name=web, status.phase=Running)",
      "-o, --output FORMAT      wide (more columns), yaml, json or name",
      "--show-managed-fields    keep metadata.managedFields in yaml and json",
    ],
  },
  delete: {
    synopsis: "gantry delete TYPE NAME… | TYPE/NAME… | -f FILE [--cascade=…] [--grace-period=N]  delete objects",
    about: "Deletes objects (named, from manifests, or selected with -l or --all) and waits until they are gone. A file with a broken document deletes nothing.",
    flags: [
      "-f, --filename F        the objects of these manifests (repeatable; - for stdin)",
      "-l, --selector SEL      every object of TYPE matching a label selector",
      "--all                   every object of TYPE in the namespace",
      "-n, --namespace NS      the namespace (default: default)",
      "--cascade=MODE          background (default: dependents removed after), foreground (before) or orphan (kept)",
      "--grace-period=N        seconds a pod gets to stop (-1: its own; 0 needs --force)",
      "--force                 with --grace-period=0: remove at once, without waiting for the host",
      "--wait=false            do not wait until the objects are gone",
      "--timeout=DURATION      how long to wait (30s, 5m; default: no limit)",
      "--ignore-not-found      an object that does not exist is not an error",
      "--dry-run=server        let the server check the deletion, change nothing",
    ],
  },
  scale: {
    synopsis: "gantry scale TYPE/NAME… --replicas N [--current-replicas N]  set the replicas of a deployment, replica set or RC",
    about: "Sets spec.replicas through the scale subresource, as kubectl scale does.",
    flags: [
      "--replicas N            the new number of replicas; required",
      "--current-replicas N    only if it has N replicas now (checked and written with its resourceVersion)",
      "-f, --filename F        the objects of these manifests",
      "-n, --namespace NS      the namespace (default: default)",
      "--dry-run=server        let the server check it, change nothing",
    ],
  },
  rollout: {
    synopsis: "gantry rollout status|history|undo|restart|pause|resume deployment/NAME  a deployment's rollout",
    about: [
      "status     waits until the rollout is done (--watch=false: print once; --timeout=5m; --revision=N)",
      "history    the revisions (from the ReplicaSets' deployment.kubernetes.io/revision); --revision=N prints one's pod template",
      "undo       rolls back to the previous revision's pod template, or --to-revision=N (--dry-run=server)",
      "restart    replaces every pod (stamps the template with kubectl.kubernetes.io/restartedAt)",
      "pause      stops rolling out template changes; resume starts again",
    ].join("\n"),
    flags: ["-n, --namespace NS   the namespace (default: default)"],
  },
  audit: {
    synopsis: "gantry audit verify [--json]                    check that no activity record was altered or deleted",
    about: "Walks the audit chain (every activity record sealed by hash to the one before) and reports the first broken link: a row altered after it was written (and which field), or rows deleted. Exits 1 when the chain is broken. Needs activity.read.",
    flags: ["--json   print the whole report as JSON"],
  },
  team: {
    synopsis: "gantry team ls|create|rm|member add|rm …        teams and their members",
    about: [
      "ls                          every team one may see, with its members",
      "create NAME [-d TEXT]       a new team (users.manage)",
      "rm TEAM                     remove a team; its members keep their accounts (users.manage)",
      "member add TEAM USER        add a member (USER: an email or a user id); --admin makes them a team admin",
      "member rm TEAM USER         remove a member (those who manage users, and the team's admins)",
      "TEAM is a team's name or id.",
    ].join("\n"),
    flags: ["--admin               with member add: the member manages the team's members (users.manage only)", "-d, --description TEXT   with create: what the team is for", "--json                print the API's answer as JSON"],
  },
  group: {
    synopsis: "gantry group ls|create|rm|host add|rm …         host groups: the hosts a binding's scope names",
    about: [
      "ls                          every host group with its hosts (users.read)",
      "create NAME [--host N]…     a new host group, with these hosts (users.manage)",
      "rm GROUP                    remove a host group and every binding on it (users.manage)",
      "host add GROUP HOST…        put hosts into the group (a host may be in several)",
      "host rm GROUP HOST…         take hosts out of the group",
      "GROUP is a group's name or id; HOST a host's id or name.",
    ].join("\n"),
    flags: ["--host N              with create: a host of the group (repeatable)", "-d, --description TEXT   with create: what the group is for", "--json                print the API's answer as JSON"],
  },
  role: {
    synopsis: "gantry role ls|bind|unbind --user U|--team T ROLE SCOPE  who holds which role where",
    about: [
      "ls                          the role bindings (of one user or team with --user or --team) (users.read)",
      "bind ROLE SCOPE             give the user or team ROLE on SCOPE (users.manage)",
      "unbind ROLE SCOPE           take that binding away",
      "ROLE is owner, admin, operator, viewer or a custom role's name; SCOPE is fleet, group:NAME (a host group) or",
      "namespace:NAME (a namespace of the Kubernetes API).",
    ].join("\n"),
    flags: ["--user USER           the subject: a user's email or id", "--team TEAM           the subject: a team's name or id", "--json                print the API's answer as JSON"],
  },
};

export const CLI_USAGE = Object.values(CLI_HELP)
  .map((h) => `  ${h.synopsis}`)
  .join("\n");

/** The help of one command, as `gantry <command> --help` prints it. */
export function commandHelp(name: string): string {
  const h = CLI_HELP[name]!;
  const synopsis = h.synopsis.replace(/\s{2,}.*$/, "");
  return [`usage: ${synopsis}`, "", h.about, ...(h.flags?.length ? ["", ...h.flags.map((f) => `  ${f}`)] : [])].join("\n");
}

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  login, hosts, host, ps, run, stop, rm, logs, exec, pull, images, kubeconfig, apply, get, delete: del, scale, rollout, audit, team, group, role,
};

export function isCliCommand(name: string | undefined): boolean {
  return !!name && Object.hasOwn(COMMANDS, name);
}

/** Runs one command; returns the process exit code (errors printed to stderr). */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    await COMMANDS[name!]!(rest);
    return 0;
  } catch (e) {
    if (e instanceof HelpRequested) {
      console.log(commandHelp(name!));
      return 0;
    }
    if (e instanceof CliError) {
      if (e.message) process.stderr.write(`gantry: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`gantry: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
