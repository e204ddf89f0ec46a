export declare const SOURCE_DIRS: string[];
export declare const SOURCE_FILES: string[];
export declare function stampFile(root: string): string;
export declare function buildState(root: string): { fresh: boolean; stamp: number; sources: number };
