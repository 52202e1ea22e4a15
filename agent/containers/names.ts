// Container names: given ones follow Docker's grammar (/?[a-zA-Z0-9][a-zA-Z0-9_.-]+), missing ones are generated as
// adjective_noun (with a number appended when taken), as dockerd does. Which container holds a name is kept in one
// place (ContainerNames), where taking a name is a single step: a create awaits image and snapshot work before its
// record exists, so a check of the records followed by that registration let two creates (or a create and a rename)
// both have the same name.
import { badRequest, conflict } from "../../lib/errors";
import type { Random } from "../clock";

const VALID = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const ADJECTIVES = [
  "admiring", "agitated", "amazing", "angry", "awesome", "blissful", "bold", "brave", "busy", "charming", "clever",
  "cool", "compassionate", "competent", "confident", "crazy", "dazzling", "determined", "eager", "ecstatic", "elastic",
  "elated", "elegant", "epic", "exciting", "fervent", "festive", "focused", "friendly", "frosty", "funny", "gallant",
  "gifted", "goofy", "gracious", "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible", "inspiring",
  "jolly", "jovial", "keen", "kind", "laughing", "loving", "lucid", "magical", "modest", "musing", "mystifying",
  "naughty", "nervous", "nice", "nifty", "nostalgic", "objective", "optimistic", "peaceful", "pedantic", "pensive",
  "practical", "priceless", "quirky", "quizzical", "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly",
  "sleepy", "stoic", "strange", "stupefied", "suspicious", "sweet", "tender", "thirsty", "trusting", "upbeat", "vibrant",
  "vigilant", "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous", "zen",
];

// Scientists and engineers, as dockerd's generator honours them.
const NOUNS = [
  "agnesi", "albattani", "allen", "archimedes", "babbage", "banach", "bardeen", "bartik", "bell", "bhabha", "blackwell",
  "bohr", "booth", "borg", "bose", "brahmagupta", "brattain", "brown", "carson", "cerf", "chandrasekhar", "clarke",
  "colden", "cori", "curie", "darwin", "davinci", "dijkstra", "dirac", "einstein", "elion", "engelbart", "euclid",
  "euler", "fermat", "fermi", "feynman", "franklin", "galileo", "gauss", "goldberg", "goodall", "hamilton", "hawking",
  "heisenberg", "hertz", "hodgkin", "hopper", "hypatia", "jennings", "johnson", "kalam", "kepler", "knuth", "kowalevski",
  "lamarr", "leakey", "lovelace", "lumiere", "mayer", "mccarthy", "mcclintock", "meitner", "mendel", "mirzakhani",
  "montalcini", "morse", "newton", "nobel", "noether", "pare", "pascal", "pasteur", "perlman", "pike", "poincare",
  "ptolemy", "raman", "ride", "ritchie", "rosalind", "saha", "shannon", "shockley", "sinoussi", "stallman", "swanson",
  "tesla", "thompson", "torvalds", "turing", "varahamihira", "wilbur", "wiles", "williams", "wozniak", "wright", "yalow",
];

/** "/name" for a valid given name; a clear error naming the rule otherwise. */
export function validateName(name: string): string {
  if (!VALID.test(name)) throw badRequest(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.startsWith("/") ? name : `/${name}`;
}

/** A fresh "/adjective_noun" not in `taken` (dockerd never generates "boring_wozniak"). */
export function generateName(taken: (name: string) => boolean, random: Random = Math.random): string {
  for (let attempt = 0; ; attempt++) {
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    let name = `${pick(ADJECTIVES)}_${pick(NOUNS)}`;
    if (name === "boring_wozniak") continue;
    if (attempt >= 10) name += Math.floor(random() * 10 ** Math.min(6, attempt - 9));
    if (!taken(`/${name}`)) return `/${name}`;
  }
}

/** The names in use and who holds each: claim checks and takes a name in one synchronous step. */
export class ContainerNames {
  private readonly holders = new Map<string, string>(); // "/name" → container id

  /** The id holding "/name", if any. */
  holder(name: string): string | undefined {
    return this.holders.get(name);
  }

  /** Takes NAME ("/name") for container ID, or answers dockerd's 409 naming the container that holds it. */
  claim(name: string, id: string): void {
    const held = this.holders.get(name);
    if (held !== undefined && held !== id) {
      throw conflict(`Conflict. The container name "${name}" is already in use by container "${held}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    this.holders.set(name, id);
  }

  /** A generated free name, taken for ID. */
  claimGenerated(id: string, random?: Random): string {
    const name = generateName((n) => this.holders.has(n), random);
    this.holders.set(name, id);
    return name;
  }

  /** Gives NAME up, if ID holds it. */
  release(name: string, id: string): void {
    if (this.holders.get(name) === id) this.holders.delete(name);
  }
}
