#!/usr/bin/env node
// The `gantry-agent` command: runs agent/main.ts through tsx.
import { register } from "tsx/esm/api";

register();
await import("../agent/main.ts");
