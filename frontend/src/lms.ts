// LMS authoring: the "add activity" form shows only the fields the chosen kind uses.
// Registered with Alpine.data so templates reference properties only (CSP build compatible).
import type { Alpine as AlpineType } from "alpinejs";

export function registerLms(Alpine: AlpineType): void {
  Alpine.data("lmsActivityForm", () => ({
    kind: "content",
    get isAssignment(): boolean {
      return this.kind === "assignment";
    },
    get isLive(): boolean {
      return this.kind === "live";
    },
    get needsRef(): boolean {
      return this.kind === "content" || this.kind === "test";
    },
    get feedsGrades(): boolean {
      return this.kind === "assignment" || this.kind === "test";
    },
  }));
}
