#!/usr/bin/env node
// The `gantry` command line: runs agent/cli.ts through tsx.
import { register } from "tsx/esm/api";

register();
await import("../agent/cli.ts");
