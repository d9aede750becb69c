// Types of scripts/node24.mjs for the TypeScript tests that import it.
export declare const NODE_VERSION: string;
export declare const NODE_PACKAGES: Readonly<Record<'x64' | 'arm64', { readonly name: string; readonly integrity: string }>>;
export declare const CACHE: string;
export declare function hostArch(): 'x64' | 'arm64' | undefined;
export declare function pinnedNodePath(arch?: 'x64' | 'arm64'): string;
export declare function pinnedNode(arch?: 'x64' | 'arm64'): Promise<string>;
export declare function pinnedEnv(env?: NodeJS.ProcessEnv, bin?: string): NodeJS.ProcessEnv;
export declare function isPinned(): boolean;
export declare function runPinned(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<void>;
