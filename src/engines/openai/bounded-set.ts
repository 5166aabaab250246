/** A set that forgets its oldest entries past `max`: ids remembered for a while, never without limit. */
export class BoundedSet {
  private readonly items = new Set<string>();

  constructor(private readonly max: number) {}

  add(id: string): void {
    this.items.delete(id);
    this.items.add(id);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value as string);
  }

  addAll(ids: Iterable<string>): void {
    for (const id of ids) this.add(id);
  }

  has(id: string): boolean {
    return this.items.has(id);
  }

  delete(id: string): boolean {
    return this.items.delete(id);
  }
}
