/**
 * Handlers of one kind (channel types, global requests, subsystems), keyed by wire name. Owned by
 * a server instance; a second handler for a name is refused naming both owners.
 */
export class HandlerRegistry<H extends { readonly name: string }> {
  private readonly handlers = new Map<string, { handler: H; owner: string }>();

  constructor(readonly kind: string) {}

  /** Adds a handler; `owner` names the plugin (or `core`) for collision messages and logs. */
  add(handler: H, owner: string, options: { replace?: boolean } = {}): void {
    const existing = this.handlers.get(handler.name);
    if (existing && !options.replace) {
      throw new Error(
        `${this.kind} "${handler.name}" from ${owner} collides with the one registered by ${existing.owner}`,
      );
    }
    this.handlers.set(handler.name, { handler, owner });
  }

  /** Removes every handler registered by `owner` (plugin reload). */
  removeOwner(owner: string): void {
    for (const [name, entry] of this.handlers) if (entry.owner === owner) this.handlers.delete(name);
  }

  get(name: string): H | undefined {
    return this.handlers.get(name)?.handler;
  }

  /** The owner of the handler for `name`. */
  ownerOf(name: string): string | undefined {
    return this.handlers.get(name)?.owner;
  }

  list(): readonly { readonly handler: H; readonly owner: string }[] {
    return [...this.handlers.values()];
  }
}
