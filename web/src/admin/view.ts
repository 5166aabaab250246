/** A page of the admin view: built detached, started once attached, disposed when left. */
export interface View {
  element: HTMLElement;
  /** Starts loading and polling (the element is in the document). */
  start(): void;
  /** Stops polling and frees what the view holds (blob URLs, observers). */
  dispose(): void;
}
