export declare const LEGACY_KUBECTL_PACKAGE: string;
export declare function legacyKubectlPath(root: string): string;
export declare function ensureLegacyKubectl(opts: { root: string; log?: (msg: string) => void }): { path: string; error?: undefined } | { error: string; path?: undefined };
