#!/usr/bin/env node
// Speaks the two parts of solc's command line that py-solc-x / ape-solidity use
// (`--version`, `--standard-json`) on top of the npm `solc` package (the compiler
// as WebAssembly), so nothing is downloaded. Output is written synchronously and
// nothing else is printed: the stock solcjs CLI prints an SMT notice and exits
// before flushing a pipe (cutting output at 64 KiB). See docs/toolchain.md.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require(path.join(__dirname, "..", "node_modules", "solc"));

const args = process.argv.slice(2);
const write = (text) => fs.writeSync(1, text);

if (args.includes("--version")) {
  write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  fs.writeSync(2, "fairkey solc shim: only --version and --standard-json are supported\n");
  process.exit(1);
}

const roots = [];
for (let i = 0; i < args.length; i++) {
  if ((args[i] === "--base-path" || args[i] === "--include-path") && args[i + 1]) {
    roots.push(args[i + 1]);
    i++;
  } else if (args[i] === "--allow-paths" && args[i + 1]) {
    i++; // imports are resolved against base and include paths only
  }
}
if (roots.length === 0) roots.push(process.cwd());

function findImports(importPath) {
  const candidates = path.isAbsolute(importPath)
    ? [importPath]
    : roots.map((root) => path.resolve(root, importPath));
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, "utf8") };
  }
  return { error: `File not found: ${importPath} (searched ${roots.join(", ")})` };
}

const input = fs.readFileSync(0, "utf8");
write(solc.compile(input, { import: findImports }));
