/**
 * Everything the bench creates (processes, database, Redis keys, temp dirs, buckets) registers
 * its undo here as soon as it exists, so a failure or Ctrl-C at any point leaves nothing behind.
 */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<void> | void }[] = [];
  private readonly lastResort: (() => void)[] = [];
  private running?: Promise<void>;

  /** Registers an undo step; steps run in reverse order of registration. */
  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  /**
   * A synchronous step for process 'exit' (e.g. SIGKILL a child), for when the process ends
   * before run() could finish (a second Ctrl-C, an uncaught error in a callback).
   */
  addOnExit(run: () => void): void {
    this.lastResort.push(run);
  }

  /** Runs every step once, newest first; a failing step is reported and the others still run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
        } catch (error) {
          console.error(`cleanup: ${step.name} failed: ${(error as Error).message}`);
        }
      }
    })();
    return this.running;
  }

  /**
   * Ctrl-C / SIGTERM: clean up, then exit 130/143. A second signal while cleaning exits at once
   * (the 'exit' hooks still kill the children).
   */
  installSignalHandlers(): void {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals, code: number) => {
      if (signalled) process.exit(code);
      signalled = true;
      console.error(`\n${signal}: stopping and cleaning up (again to exit at once)...`);
      void this.run().finally(() => process.exit(code));
    };
    process.on('SIGINT', () => onSignal('SIGINT', 130));
    process.on('SIGTERM', () => onSignal('SIGTERM', 143));
    process.on('exit', () => {
      for (const run of this.lastResort) {
        try {
          run();
        } catch {}
      }
    });
  }
}
