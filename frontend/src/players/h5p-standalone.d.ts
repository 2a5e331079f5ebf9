// h5p-standalone ships types for its options only, not for its bundle's export.
declare module "h5p-standalone" {
  export class H5P {
    constructor(element: HTMLElement, options: Record<string, unknown>);
    then<T>(onReady: () => T): Promise<T>;
  }
}
