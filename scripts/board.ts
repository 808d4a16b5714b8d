/**
 * `npm run board -- <command> …`: the operator's commands on boards, one
 * module each in scripts/board/, each exporting `run(args)` that resolves
 * with the exit code. (A minimal dispatcher: add a command with one line.)
 */
const COMMANDS: Record<string, () => Promise<{ run(args: string[]): Promise<number> }>> = {
  delete: () => import('./board/delete.ts'),
  restore: () => import('./board/restore.ts'),
  erase: () => import('./board/erase.ts'),
  export: () => import('./board/export.ts'),
  import: () => import('./board/import.ts'),
};

const [name, ...args] = process.argv.slice(2);
const command = name === undefined ? undefined : COMMANDS[name];
if (!command) {
  process.stderr.write(`usage: npm run board -- <${Object.keys(COMMANDS).join('|')}> …\n`);
  process.exit(2);
}
process.exit(await (await command()).run(args));
