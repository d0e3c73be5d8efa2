/** Types of compile-cli.mjs, for the test that checks the compiled command is fresh and the benchmarks that compile it. */

/** Where the compiled command goes (gitignored). */
export declare const OUT_DIR: string;
/** Hashes of the given source files, by path from the repository root. */
export declare function sourceHashes(paths: readonly string[]): Promise<Record<string, string>>;
/** Builds dist/cli/ and its inputs.json; resolves with the number of source files. */
export declare function compileCli(): Promise<number>;
