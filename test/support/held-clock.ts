/**
 * A simulator clock that stands still until released, then runs at real speed from where it
 * stood: while it is held no job can finish, so "how many jobs were unfinished at once" does
 * not depend on how fast a loaded machine starts runs or Map iterations.
 */
export class HeldClock {
  private heldAt: number | undefined = Date.now();
  private offset = 0;
  readonly now = (): number => this.heldAt ?? Date.now() - this.offset;
  release(): void {
    if (this.heldAt === undefined) return;
    this.offset = Date.now() - this.heldAt;
    this.heldAt = undefined;
  }
}
