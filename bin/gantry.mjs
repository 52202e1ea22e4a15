#!/usr/bin/env node
// The `gantry` command line: runs cli/gantry.ts through tsx.
import { register } from "tsx/esm/api";

register();
await import("../cli/gantry.ts");
