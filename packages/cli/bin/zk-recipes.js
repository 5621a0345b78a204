#!/usr/bin/env node
// The `zk-recipes` command (package.json "bin"). A file of its own, not dist/bin.js itself:
// pnpm links a workspace's bins when it installs, before the build has made dist/, and warned
// on every fresh setup that the target was missing (the link it made then pointed nowhere).
import '../dist/bin.js';
