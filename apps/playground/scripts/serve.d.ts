/** The built playground folder. */
export declare const DIST: string;
/** Starts a static server for `root` (default dist/) plus `mounts` (URL prefix like "/run/" -> folder). */
export declare function startServer(options?: {
  readonly root?: string;
  readonly mounts?: Readonly<Record<string, string>>;
  readonly port?: number;
  readonly host?: string;
}): Promise<{ readonly url: string; close(): Promise<void> }>;
