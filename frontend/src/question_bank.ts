// Question bank pages. Registered with Alpine.data so templates reference properties and
// methods only (CSP build compatible).
import type { Alpine as AlpineType } from "alpinejs";

const CHOICE_TYPES = ["single_choice", "multiple_response"];

interface UploadAnswer {
  url?: string;
  error?: string;
}

export function registerQuestionBank(Alpine: AlpineType): void {
  // The item editor shows the fieldsets of the chosen type and uploads pictures into the stem.
  Alpine.data("itemEditor", () => ({
    type: "single_choice",
    uploadError: "",
    init(): void {
      const select = (this as unknown as { $el: HTMLElement }).$el.querySelector<HTMLSelectElement>(
        "select[name=type]",
      );
      if (select) this.type = select.value;
    },
    get isChoice(): boolean {
      return CHOICE_TYPES.includes(this.type);
    },
    get isSingle(): boolean {
      return this.type === "single_choice";
    },
    get isMultiple(): boolean {
      return this.type === "multiple_response";
    },
    get isCluster(): boolean {
      return this.type === "true_false_cluster";
    },
    get isNumeric(): boolean {
      return this.type === "short_numeric";
    },
    get isText(): boolean {
      return this.type === "short_text";
    },
    get isEssay(): boolean {
      return this.type === "essay";
    },
    get isMatching(): boolean {
      return this.type === "matching";
    },
    get isOrdering(): boolean {
      return this.type === "ordering";
    },
    get isCloze(): boolean {
      return this.type === "cloze";
    },
    async upload(event: Event): Promise<void> {
      const input = event.target as HTMLInputElement;
      const file = input.files?.[0];
      const form = input.form;
      if (!file || !form) return;
      const body = new FormData();
      body.append("image", file);
      const token = form.querySelector<HTMLInputElement>("input[name=csrfmiddlewaretoken]");
      const response = await fetch(input.dataset.url ?? "", {
        method: "POST",
        body,
        headers: { "X-CSRFToken": token?.value ?? "" },
        credentials: "same-origin",
      });
      const answer = (await response.json()) as UploadAnswer;
      if (!response.ok || !answer.url) {
        this.uploadError = answer.error ?? response.statusText;
        return;
      }
      this.uploadError = "";
      const target = form.querySelector<HTMLTextAreaElement>(`[name=${input.dataset.target ?? "stem"}]`);
      if (target) {
        const img = `<img src="${answer.url}" alt="${file.name.replace(/["<>&]/g, "")}">`;
        target.value = target.value ? `${target.value}\n${img}` : img;
        target.dispatchEvent(new Event("input", { bubbles: true }));
      }
      input.value = "";
    },
  }));
}
