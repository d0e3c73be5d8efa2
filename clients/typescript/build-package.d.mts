/** Types of build-package.mjs, for the test that installs the compiled package and runs it with plain node. */

/** Builds the package's JavaScript and declarations into `outDir` (default dist/); resolves with the files written. */
export declare function buildClientPackage(outDir?: string): Promise<string[]>;
